"""The public addresses of campaigns/addresses.py: open pixel, signed click redirect, short
links, one-click unsubscribe and the preference centre. None of them needs a session; none
ever redirects anywhere but to a registered link; an unknown token is answered as a known
one would be where telling them apart would be an oracle (the pixel)."""

from __future__ import annotations

import base64
import logging

from django import forms
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from campaigns import addresses
from crm.models import Language
from tenants.accounts.network import client_ip
from ticketing.services.orders.referrals import MARKETING_REF_COOKIE

from . import services

logger = logging.getLogger(__name__)
GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
VISITOR_MAX_AGE = 60 * 60 * 24 * 90  # the longest attribution window we allow, and more
NO_STORE = "no-store, no-cache, must-revalidate, max-age=0, private"


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = NO_STORE
    response["Pragma"] = "no-cache"
    response["Expires"] = "0"
    response["Referrer-Policy"] = "no-referrer"
    return response


def pixel(request, token: str):
    """Always the same 1×1 GIF: known token or not, the answer says nothing."""
    if request.method in ("GET", "HEAD"):
        try:
            services.record_open(token=token)
        except Exception:
            logger.exception("open pixel")
    return _no_store(HttpResponse(GIF, content_type="image/gif"))


def _visitor(request) -> tuple[str, bool]:
    known = services.clean_visitor_id(request.COOKIES.get(MARKETING_REF_COOKIE))
    return (known, False) if known else (services.new_visitor_id(), True)


def _redirect(url: str, visitor: str) -> HttpResponse:
    response = HttpResponse(status=302)
    response["Location"] = url
    response.set_cookie(
        MARKETING_REF_COOKIE,
        visitor,
        max_age=VISITOR_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.PARTERRE_SCHEME == "https",
    )
    return _no_store(response)


def _dead_link(request):
    response = render(
        request,
        "campaigns/tracking/dead_link.html",
        {"title": _("This link does not work")},
        status=404,
    )
    return _no_store(response)


def click(request, token: str, link_id: int, signature: str):
    if not addresses.signature_valid(token, link_id, signature):
        return _dead_link(request)
    visitor, _new = _visitor(request)
    url = services.record_click(token=token, link_id=link_id, visitor=visitor)
    if url is None:
        return _dead_link(request)
    return _redirect(url, visitor)


def short_link(request, slug: str):
    visitor, _new = _visitor(request)
    url = services.record_short_link_click(slug=slug, visitor=visitor)
    if url is None:
        return _dead_link(request)
    return _redirect(url, visitor)


def _unknown(request):
    return _no_store(
        render(
            request,
            "campaigns/tracking/dead_link.html",
            {"title": _("This link does not work")},
            status=404,
        )
    )


# RFC 8058: the mailbox provider POSTs "List-Unsubscribe=One-Click" with no cookie and no
# CSRF token; the POST itself is the person's choice (a GET never changes anything: link
# scanners follow GETs).
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token: str):
    delivery = services.delivery_for(token)
    if delivery is None:
        return _unknown(request)
    if request.method == "POST":
        services.unsubscribe(delivery=delivery, ip_address=client_ip(request))
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        if one_click:
            return _no_store(HttpResponse(_("Unsubscribed."), content_type="text/plain"))
        return _no_store(
            render(
                request,
                "campaigns/tracking/unsubscribe.html",
                {"delivery": delivery, "done": True, "preferences_url": _prefs(delivery)},
            )
        )
    done = delivery.unsubscribed_at is not None and not (
        delivery.contact and delivery.contact.email_consent
    )
    return _no_store(
        render(
            request,
            "campaigns/tracking/unsubscribe.html",
            {"delivery": delivery, "done": done, "preferences_url": _prefs(delivery)},
        )
    )


def _prefs(delivery) -> str:
    return addresses.preferences_path(delivery.token)


class PreferencesForm(forms.Form):
    newsletter = forms.BooleanField(
        label=gettext_lazy("The newsletter by email (shows, season, offers)"), required=False
    )
    sms = forms.BooleanField(
        label=gettext_lazy("Text messages (reminders and last-minute news)"), required=False
    )
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=Language.choices)


@csrf_exempt  # the token in the address is the credential; no session to ride
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request, token: str):
    delivery = services.delivery_for(token)
    if delivery is None:
        return _unknown(request)
    current = services.current_preferences(delivery)
    form = PreferencesForm(
        request.POST if request.method == "POST" else None,
        initial={
            "newsletter": current.newsletter,
            "sms": current.sms,
            "language": current.language,
        },
    )
    saved = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            saved = services.update_preferences(
                delivery=delivery,
                preferences=services.Preferences(**form.cleaned_data),
                ip_address=client_ip(request),
            )
        else:
            status = 400
    return _no_store(
        render(
            request,
            "campaigns/tracking/preferences.html",
            {
                "delivery": delivery,
                "form": form,
                "saved": saved,
                "has_contact": delivery.contact_id is not None,
            },
            status=status,
        )
    )
