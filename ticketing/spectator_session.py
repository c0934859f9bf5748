"""Who the storefront's visitor is: a spectator signed in to their space, kept under a session
key of its own. Staff sign in through django.contrib.auth (`request.user`, a
tenants.accounts.User); a spectator never becomes `request.user`, so no staff permission can
ever be reached by a spectator session, and both can coexist in one browser without
touching each other. Sessions live in the venue's schema: a spectator of one venue is nobody
at another.

The session holds the account id and a hash of what the account signs in with (address and
password hash): setting a new password signs out the other sessions."""

from __future__ import annotations

import secrets
from functools import wraps
from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from crm.models import SpectatorAccount

ACCOUNT_KEY = "space.account"
VERIFIER_KEY = "space.verifier"
VISIT_COOKIE = "parterre_visit"


def _verifier(account: SpectatorAccount) -> str:
    return salted_hmac(
        "ticketing.spectator_session", f"{account.pk}:{account.email_normalized}:{account.password}"
    ).hexdigest()


def sign_in(request, account: SpectatorAccount) -> None:
    """A new session key (no fixation), then the account under the space's own keys."""
    request.session.cycle_key()
    request.session[ACCOUNT_KEY] = account.pk
    request.session[VERIFIER_KEY] = _verifier(account)
    request._spectator = account


def refresh(request, account: SpectatorAccount) -> None:
    """After a password change: this session stays signed in."""
    request.session[VERIFIER_KEY] = _verifier(account)


def sign_out(request) -> None:
    request.session.pop(ACCOUNT_KEY, None)
    request.session.pop(VERIFIER_KEY, None)
    request._spectator = None


def spectator(request) -> SpectatorAccount | None:
    """The signed-in spectator (with their contact), or None; read once per request."""
    if hasattr(request, "_spectator"):
        return request._spectator
    account = None
    pk = request.session.get(ACCOUNT_KEY) if hasattr(request, "session") else None
    if pk:
        account = SpectatorAccount.objects.select_related("contact").filter(pk=pk).first()
        if account is None or not constant_time_compare(
            request.session.get(VERIFIER_KEY, ""), _verifier(account)
        ):
            account = None
            sign_out(request)
    request._spectator = account
    return account


def spectator_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if spectator(request) is None:
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('space:sign_in')}?{query}")
        return view(request, *args, **kwargs)

    return wrapper


def visit_id(request) -> str:
    """The random id of this browser visit for the checkout funnel (set on the response by
    `keep_visit`)."""
    value = request.COOKIES.get(VISIT_COOKIE, "")
    if not (value.isalnum() and 16 <= len(value) <= 32):
        value = getattr(request, "_visit_id", "") or secrets.token_hex(12)
    request._visit_id = value
    return value


def keep_visit(request, response):
    """A browser-session cookie (gone when the browser closes), first-party, HttpOnly."""
    value = getattr(request, "_visit_id", "")
    if value and request.COOKIES.get(VISIT_COOKIE) != value:
        response.set_cookie(VISIT_COOKIE, value, httponly=True, samesite="Lax")
    return response
