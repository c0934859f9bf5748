"""Template helpers of the contact screens: `{{ cents|euros }}` → "25,50 €"."""

from django import template

from crm.labels import euros as _euros

register = template.Library()


@register.filter
def euros(cents) -> str:
    return _euros(cents)
