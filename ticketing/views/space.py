"""The spectator space on the storefront: sign-in by emailed link (or an optional password),
my bookings (cancel or exchange within the venue's rules), my favourites, my preferences
(language, consents with their history), my data (see, export as JSON, ask for erasure).

Every page of an order looks it up through the signed-in spectator's own orders
(selectors.space.spectator_order): anyone else's reference is a 404, exactly like one that
does not exist. Sessions are the venue's: a spectator of one venue is nobody at another.
"""

from __future__ import annotations

import json
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_ratelimit.core import get_usage

from crm import selectors as crm_selectors
from crm import services as crm
from crm import spectators
from crm.models import Consent
from crm.privacy import services as privacy
from crm.selectors import OWN_FIELDS
from tenants.errors import ParterreError
from ticketing.forms.space import (
    CHANNEL_FIELDS,
    EmailForm,
    PasswordSignInForm,
    PreferencesForm,
    SetPasswordForm,
)
from ticketing.models import Performance, Show
from ticketing.selectors import space as space_selectors
from ticketing.services.orders import spectators as space_services
from ticketing.spectator_session import (
    refresh,
    sign_in,
    sign_out,
    spectator,
    spectator_required,
)
from ticketing.templatetags.ticketing_ui import money


def _safe_next(request, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}):
        return value if value.startswith("/") else ""
    return ""


def _limited(request, *limits: tuple[str, object, str]) -> bool:
    """Count this request against each (group, key, rate); True when one is exceeded."""
    limited = False
    for group, key, rate in limits:
        usage = get_usage(request, group=group, key=key, rate=rate, method="POST", increment=True)
        limited = limited or bool(usage and usage["should_limit"])
    return limited


def _by_email(group, request) -> str:
    return getattr(request, "space_email", "")


# --- Sign-in ----------------------------------------------------------------------------------
def sign_in_page(request):
    """Ask for a link (the usual way) or, for those who set one, give a password."""
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if spectator(request) is not None:
        return redirect(next_url or "space:home")
    action = request.POST.get("action") if request.method == "POST" else None
    link_form = EmailForm(request.POST if action == "link" else None)
    password_form = PasswordSignInForm(request.POST if action == "password" else None, prefix="pw")
    status = 200
    if action == "link" and link_form.is_valid():
        status = _send_link(request, link_form, next_url)
        if status == 200:
            email = link_form.cleaned_data["email"]
            return render(request, "ticketing/space/link_sent.html", {"email": email})
    elif action == "password" and password_form.is_valid():
        status = _check_password(request, password_form)
        if status == 302:
            return redirect(next_url or "space:home")
    context = {"link_form": link_form, "password_form": password_form, "next": next_url}
    return render(request, "ticketing/space/sign_in.html", context, status=status)


def _send_link(request, form: EmailForm, next_url: str) -> int:
    """Email a sign-in link unless this address or client asked too often: 200 or 429."""
    email = form.cleaned_data["email"]
    request.space_email = crm.normalize_email(email)
    if _limited(
        request,
        ("space-link-email", _by_email, settings.PARTERRE_SIGNIN_LINK_RATE),
        ("space-link-ip", "ip", settings.PARTERRE_SIGNIN_LINK_IP_RATE),
    ):
        form.add_error(None, _("Too many links asked for: try again in a while."))
        return 429
    spectators.request_sign_in_link(
        email=email,
        next_url=next_url,
        link_url=lambda token: request.build_absolute_uri(reverse("space:redeem", args=[token])),
    )
    return 200


def _check_password(request, form: PasswordSignInForm) -> int:
    """Sign in with a password: 302 (signed in), 400 (wrong) or 429 (too many wrong ones for
    this address or from this client: meanwhile even the right one waits; the link works)."""
    request.space_email = crm.normalize_email(form.cleaned_data["email"])
    limits = (
        ("space-password-email", _by_email, settings.PARTERRE_LOGIN_RATE),
        ("space-password-ip", "ip", settings.PARTERRE_LOGIN_IP_RATE),
    )
    for group, key, rate in limits:
        usage = get_usage(request, group=group, key=key, rate=rate, method="POST")
        if usage and usage["should_limit"]:
            form.add_error(None, _("Too many attempts: try again in a while, or ask for a link."))
            return 429
    account = spectators.check_spectator_password(
        email=form.cleaned_data["email"], password=form.cleaned_data["password"]
    )
    if account is not None:
        sign_in(request, account)
        return 302
    _limited(request, *limits)
    form.add_error(None, _("Wrong email or password (or no password set: ask for a link)."))
    return 400


def redeem(request, token: str):
    """GET shows a button; POST spends the link. (Mail scanners that open links must not
    spend a single-use link.)"""
    if request.method != "POST":
        return render(request, "ticketing/space/redeem.html", {"token": token})
    try:
        account, next_url = spectators.redeem_sign_in_link(token=token)
    except ParterreError as error:
        return render(
            request, "ticketing/space/link_invalid.html", {"message": error.message}, status=410
        )
    sign_in(request, account)
    messages.success(request, _("You are signed in."))
    return redirect(_safe_next(request, next_url) or "space:home")


@require_POST
def sign_out_view(request):
    sign_out(request)
    messages.success(request, _("You are signed out."))
    return redirect("store:home")


# --- My bookings ------------------------------------------------------------------------------
@spectator_required
def home(request):
    account = spectator(request)
    context = {"account": account, "orders": space_selectors.spectator_orders(account)}
    return render(request, "ticketing/space/bookings.html", context)


def _own_order(request, reference: str):
    order = space_selectors.spectator_order(spectator(request), reference)
    if order is None:
        raise Http404
    return order


@spectator_required
def order_detail(request, reference: str):
    account = spectator(request)
    order = _own_order(request, reference)
    tickets = space_selectors.order_tickets_for_space(order)
    valid = [t for t in tickets if t.status == t.Status.VALID]
    performance = (valid or tickets)[0].performance if tickets else None
    options = rule = None
    if valid:
        rule = space_selectors.aftersale_rule(performance)
        options = space_selectors.aftersale_options(performance, rule)
    context = {
        "order": order,
        "tickets": tickets,
        "performance": performance,
        "options": options,
        "other_dates": space_selectors.other_dates(performance)
        if options and options.can_exchange
        else [],
        "referral_url": _referral_url(request, account.contact_id, performance.show_id)
        if performance
        else "",
    }
    return render(request, "ticketing/space/order.html", context)


@require_POST
@spectator_required
def order_cancel(request, reference: str):
    order = _own_order(request, reference)
    try:
        space_services.cancel_own_booking(order=order)
    except ParterreError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your booking is cancelled; the refund is on its way."))
    return redirect("space:order", reference)


@require_POST
@spectator_required
def order_exchange(request, reference: str):
    order = _own_order(request, reference)
    raw = request.POST.get("performance", "")
    valid = raw.isascii() and raw.isdigit() and len(raw) < 10
    target = Performance.objects.filter(pk=int(raw)).first() if valid else None
    if target is None:
        messages.error(request, _("Choose a date."))
        return redirect("space:order", reference)
    try:
        space_services.exchange_own_booking(order=order, to_performance=target)
    except ParterreError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your tickets are moved to the new date."))
    return redirect("space:order", reference)


def _referral_url(request, contact_id: int, show_id: int) -> str:
    token = space_selectors.referral_token(contact_id=contact_id, show_id=show_id)
    return request.build_absolute_uri(reverse("space:referral", args=[token]))


def referral(request, token: str):
    """A friend's "bring a friend" link: remembered for this visit, then the show's page."""
    found = space_selectors.read_referral_token(token)
    show = Show.objects.filter(pk=found[1]).first() if found else None
    if show is None:
        raise Http404
    request.session["store.referral"] = list(found)
    return redirect("store:show", show.slug)


# --- Favourites -------------------------------------------------------------------------------
@spectator_required
def favourites(request):
    shows = space_selectors.favourite_shows(spectator(request).contact_id)
    return render(request, "ticketing/space/favourites.html", {"shows": shows})


@require_POST
def favourite(request, slug: str):
    """The heart on a show page: a plain form POST (works without JavaScript)."""
    show = get_object_or_404(Show, slug=slug)
    account = spectator(request)
    if account is None:
        messages.info(request, _("Sign in to keep your favourite shows."))
        return redirect(f"{reverse('space:sign_in')}?next={reverse('store:show', args=[slug])}")
    wanted = request.POST.get("favourite") == "1"
    crm.set_favourite(contact_id=account.contact_id, show_id=show.pk, favourite=wanted)
    messages.success(
        request, _("Added to your favourites.") if wanted else _("Removed from your favourites.")
    )
    return redirect(
        _safe_next(request, request.POST.get("next")) or reverse("store:show", args=[slug])
    )


@require_POST
@spectator_required
def interest_answer(request):
    """The plain question asked once on show pages: may we note the shows you look at?"""
    granted = request.POST.get("answer") == "yes"
    spectators.set_interest_tracking(account=spectator(request), granted=granted)
    messages.success(request, _("Noted. You can change this in your preferences."))
    return redirect(_safe_next(request, request.POST.get("next")) or "space:preferences")


# --- Preferences ------------------------------------------------------------------------------
@spectator_required
def preferences(request):
    account = spectator(request)
    contact = account.contact
    current = crm_selectors.current_consents(contact)
    initial = {"language": contact.language}
    initial |= {
        name: bool(current.get(ch) and current[ch].granted) for name, ch in CHANNEL_FIELDS.items()
    }
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        spectators.set_contact_language(contact=contact, language=form.cleaned_data["language"])
        for name, channel in CHANNEL_FIELDS.items():
            wanted = form.cleaned_data[name]
            if channel not in current and not wanted:
                continue  # never asked and still not ticked: nothing to record
            if channel == Consent.Channel.WEB_INTEREST:
                spectators.set_interest_tracking(account=account, granted=wanted)
            else:
                crm.set_consent(contact=contact, channel=channel, granted=wanted, source="web")
        messages.success(request, _("Your preferences are saved."))
        return redirect("space:preferences")
    history = contact.consents.order_by("-recorded_at", "-id")[:50]
    return render(
        request,
        "ticketing/space/preferences.html",
        {"form": form, "history": history, "account": account},
    )


@spectator_required
def password(request):
    account = spectator(request)
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            spectators.set_spectator_password(
                account=account, password=form.cleaned_data["password1"]
            )
        except ParterreError as error:
            form.add_error("password1", error.message)
        else:
            refresh(request, account)
            messages.success(request, _("Your password is set."))
            return redirect("space:preferences")
    return render(request, "ticketing/space/password.html", {"form": form})


# --- My data ----------------------------------------------------------------------------------
# What the timeline's codes mean, for "my data" (the JSON export keeps the codes).
TIMELINE_LABELS = {
    "crm.contact.created": gettext_lazy("Record created"),
    "crm.contact.completed": gettext_lazy("Details completed"),
    "crm.consent.granted": gettext_lazy("Consent given"),
    "crm.consent.withdrawn": gettext_lazy("Consent withdrawn"),
    "crm.favourite.added": gettext_lazy("Show added to favourites"),
    "crm.favourite.removed": gettext_lazy("Show removed from favourites"),
    "crm.relation.added": gettext_lazy("Relation recorded"),
    "crm.spectator.account_created": gettext_lazy("Space opened"),
    "crm.erasure.requested": gettext_lazy("Erasure requested"),
    "crm.erasure.confirmation_sent": gettext_lazy("Erasure asked, confirmation emailed"),
    "crm.contact.anonymised": gettext_lazy("Data erased"),
    "ticketing.purchase": gettext_lazy("Purchase"),
    "ticketing.attendance": gettext_lazy("Attendance"),
    "ticketing.refund": gettext_lazy("Refund"),
    "storefront.show.viewed": gettext_lazy("Show page viewed"),
}


def _shown(contact, name: str):
    """A field of the contact as a spectator reads it."""
    field = contact._meta.get_field(name)
    value = getattr(contact, name)
    if field.choices and not isinstance(value, list):
        return getattr(contact, f"get_{name}_display")()
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if name.endswith("_cents"):
        return money(value)  # (crm keeps amounts in the venue's one currency)
    return value


@spectator_required
def my_data(request):
    account = spectator(request)
    contact = account.contact
    fields = [
        (capfirst(contact._meta.get_field(name).verbose_name), _shown(contact, name))
        for name in OWN_FIELDS
        if getattr(contact, name) not in (None, "", [])
    ]
    timeline = [
        (event, TIMELINE_LABELS.get(event.code, event.code))
        for event in crm_selectors.contact_timeline(contact.pk)[:200]
    ]
    context = {
        "account": account,
        "orders": space_selectors.spectator_orders(account),
        "contact": contact,
        "fields": fields,
        "consents": contact.consents.order_by("-recorded_at", "-id"),
        "timeline": timeline,
    }
    return render(request, "ticketing/space/data.html", context)


@spectator_required
def my_data_export(request):
    """Everything, as crm.privacy exports it (audited), with the orders of the space."""
    account = spectator(request)
    data = privacy.export_contact_data(contact_id=account.contact_id)
    data["orders"] = space_selectors.spectator_orders_export(account)
    data["account"] = {
        "email": account.email_normalized,
        "created_at": account.created_at,
        "has_password": bool(account.password),
    }
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2, default=str),
        content_type="application/json; charset=utf-8",
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.json"'
    return response


@require_POST
@spectator_required
def erasure_request(request):
    account = spectator(request)
    request.space_email = account.email_normalized
    if _limited(request, ("space-erasure", _by_email, "3/h")):
        messages.error(request, _("A confirmation was already sent: check your inbox."))
        return redirect("space:data")
    spectators.ask_erasure(
        contact=account.contact,
        confirm_url=lambda token: request.build_absolute_uri(
            reverse("space:erasure_confirm", args=[token])
        ),
    )
    messages.success(
        request, _("We sent you an email: open its link to confirm your erasure request.")
    )
    return redirect("space:data")


def erasure_confirm(request, token: str):
    if request.method != "POST":
        return render(request, "ticketing/space/erasure_confirm.html", {"token": token})
    try:
        spectators.confirm_erasure(token=token)
    except ParterreError as error:
        return render(
            request, "ticketing/space/link_invalid.html", {"message": error.message}, status=410
        )
    return render(request, "ticketing/space/erasure_confirmed.html")


# --- Companions' consent ----------------------------------------------------------------------
def consent_invitation(request, token: str):
    """A companion's answer to "would you like our news?" (no sign-in: the signed link)."""
    try:
        contact = spectators.contact_of_invitation(token)
    except ParterreError as error:
        return render(
            request, "ticketing/space/link_invalid.html", {"message": error.message}, status=410
        )
    if request.method == "POST":
        granted = request.POST.get("answer") == "yes"
        spectators.answer_consent_invitation(token=token, granted=granted)
        return render(request, "ticketing/space/consent_done.html", {"granted": granted})
    return render(request, "ticketing/space/consent.html", {"contact": contact, "token": token})


urlpatterns = [
    path("", home, name="home"),
    path("sign-in/", sign_in_page, name="sign_in"),
    path("sign-in/<str:token>/", redeem, name="redeem"),
    path("sign-out/", sign_out_view, name="sign_out"),
    path("orders/<str:reference>/", order_detail, name="order"),
    path("orders/<str:reference>/cancel/", order_cancel, name="order_cancel"),
    path("orders/<str:reference>/exchange/", order_exchange, name="order_exchange"),
    path("favourites/", favourites, name="favourites"),
    path("favourites/<slug:slug>/", favourite, name="favourite"),
    path("interest/", interest_answer, name="interest"),
    path("preferences/", preferences, name="preferences"),
    path("password/", password, name="password"),
    path("data/", my_data, name="data"),
    path("data/export.json", my_data_export, name="data_export"),
    path("data/erasure/", erasure_request, name="erasure"),
    path("erasure/<str:token>/", erasure_confirm, name="erasure_confirm"),
    path("consent/<str:token>/", consent_invitation, name="consent"),
    path("friend/<str:token>/", referral, name="referral"),
]
