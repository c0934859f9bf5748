"""{% data_charter %}: the venue's data-entry charter as a compact box, in every form where
staff type a contact (back office, counter, import mapping)."""

from django import template

from crm.charter.selectors import charter_summary

register = template.Library()


@register.inclusion_tag("crm/charter/_box.html")
def data_charter(compact: bool = False) -> dict:
    return {"charter": charter_summary(), "compact": compact}
