"""Template helpers of the counter's reservation, invitation and phone-sale block."""

from django import template
from django.utils import timezone

from ticketing.models import InvitationReason
from ticketing.selectors.reservations import counted_apart, reservation_deadline

register = template.Library()


@register.simple_tag
def default_deadline(performance, phone: bool = False):
    """The deadline a reservation made now gets by default (venue time)."""
    return timezone.localtime(reservation_deadline(performance, phone=phone))


@register.simple_tag
def invitation_reasons():
    return InvitationReason.choices


@register.simple_tag
def performance_counted_apart(performance):
    """Invitations and reservations of a performance (two queries), for its page."""
    return counted_apart(performance.pk)
