"""Extras offered at a performance, and the extras a cart asks for, priced."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ticketing.carts import CartError
from ticketing.models import Extra


def extras_on_sale(performance_id: int, *, public_only: bool) -> list[Extra]:
    extras = Extra.objects.filter(performance_id=performance_id, is_active=True)
    if public_only:
        extras = extras.filter(public=True)
    return list(extras)


def asked_extras(
    performance_id: int, wanted: dict[int, int], *, public_only: bool
) -> list[tuple[Extra, int]]:
    """(extra, quantity) for a cart's `extras` (see ticketing.carts), read in one query, or
    CartError `unknown_extra` for an id that is not on sale at this performance (on this
    channel). Stock is checked when the sale takes it (inventory.take_extras)."""
    if not wanted:
        return []
    extras = Extra.objects.filter(performance_id=performance_id, is_active=True, pk__in=wanted)
    if public_only:
        extras = extras.filter(public=True)
    found = {extra.pk: extra for extra in extras}
    missing = sorted(set(wanted) - set(found))
    if missing:
        raise CartError(
            "unknown_extra",
            _("Extra %(id)s is not on sale for this performance.") % {"id": missing[0]},
            field="extras",
            key=missing[0],
        )
    return [(found[pk], quantity) for pk, quantity in sorted(wanted.items())]
