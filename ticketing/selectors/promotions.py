"""Promo codes typed at checkout: the one place that says whether a code is accepted."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ticketing.models import PromoCode

# Error code → what the spectator reads.
PROMO_ERRORS = {
    "promo.malformed": _("A promo code has letters and digits only (up to 40)."),
    "promo.unknown": _("This promo code does not exist: check how it is spelt."),
    "promo.inactive": _("This promo code is no longer valid."),
    "promo.expired": _("This promo code has expired."),
    "promo.other_show": _("This promo code is not valid for this show."),
}


def normalize_promo_code(code: str) -> str:
    return (code or "").strip().upper().replace(" ", "")


def validate_promo_code(code: str, cart) -> str | None:
    """None when `code` may be used for `cart` (a selectors.storefront.Cart, or anything with
    `hold.performance`), else an error code of PROMO_ERRORS. Today a code only exists when
    the venue created it (PromoCode); what it takes off comes with the pricing work."""
    normalized = normalize_promo_code(code)
    if not normalized or len(normalized) > 40 or not normalized.replace("-", "").isalnum():
        return "promo.malformed"
    promo = PromoCode.objects.filter(code=normalized).first()
    if promo is None:
        return "promo.unknown"
    if not promo.is_active:
        return "promo.inactive"
    if promo.valid_until is not None and promo.valid_until <= timezone.now():
        return "promo.expired"
    if promo.show_id is not None and promo.show_id != cart.hold.performance.show_id:
        return "promo.other_show"
    return None
