from django import template

from ..catalogue import EVENT_TYPES, codes_matching, is_pattern

register = template.Library()


@register.filter
def event_label(code: str) -> str:
    """The event type's name; a pattern reads as the names of what it matches."""
    event_type = EVENT_TYPES.get(code)
    if event_type is not None:
        return str(event_type.label)
    if is_pattern(code):
        return ", ".join(str(EVENT_TYPES[c].label) for c in codes_matching(code)) or code
    return code


@register.filter
def event_group(code: str) -> str:
    """The app an event type belongs to, in words (to group the choices)."""
    from django.apps import apps

    label = code.split(".", 1)[0]
    try:
        return str(apps.get_app_config(label).verbose_name)
    except LookupError:
        return label
