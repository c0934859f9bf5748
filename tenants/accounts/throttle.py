"""Login throttling. Wrong passwords are counted per (email, client address) pair, per
address, and per email across addresses; a correct password is never counted.

The pair and address limits refuse everything while they hold: that is the guesser. The
per-email limit only refuses wrong passwords: many addresses guessing one staff member's
password must not lock that person out, so their right password still gets through from an
address that is not itself throttled. Counters live in the venue's cache (django-ratelimit,
whose keys carry the schema)."""

from __future__ import annotations

from django.conf import settings
from django_ratelimit.core import get_usage


def _email_key(group, request) -> str:
    return getattr(request, "login_email", "")


def _limits(email: str) -> dict[str, dict]:
    return {
        # The group names the email, the key the address: one counter per pair.
        "pair": {"group": f"login-pair:{email}", "key": "ip", "rate": settings.PARTERRE_LOGIN_RATE},
        "address": {"group": "login-ip", "key": "ip", "rate": settings.PARTERRE_LOGIN_IP_RATE},
        "email": {"group": "login-email", "key": _email_key, "rate": settings.PARTERRE_LOGIN_RATE},
    }


def _wait(request, limit: dict, *, increment: bool = False) -> int:
    """Seconds until this limit lets a login try again; 0 when it does now."""
    usage = get_usage(request, method="POST", increment=increment, **limit)
    if usage is None or usage["count"] < usage["limit"]:
        return 0
    return max(usage["time_left"], 1)


def blocked_for(request, email: str) -> int:
    """Seconds this address must wait before any attempt for `email` (0: none)."""
    request.login_email = email
    limits = _limits(email)
    return max(_wait(request, limits["pair"]), _wait(request, limits["address"]))


def failed(request, email: str) -> None:
    """Count a wrong password against every limit."""
    request.login_email = email
    for limit in _limits(email).values():
        get_usage(request, method="POST", increment=True, **limit)


def email_throttled(request, email: str) -> int:
    """Seconds the per-email limit still holds (wrong passwords refused meanwhile)."""
    request.login_email = email
    return _wait(request, _limits(email)["email"])
