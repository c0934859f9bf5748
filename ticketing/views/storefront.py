"""The public storefront: programme, show and performance pages (the cart, checkout and
confirmation are in checkout.py).

No login. The cart (a Hold) is remembered by its token in the session; sessions live in the
venue's schema, so a cart never crosses venues. Pages work without JavaScript: best
available and standing places are plain forms, the seats can be chosen on a page drawn by
the server (`seat_list`), the total is recomputed by a button. With JavaScript the
performance page draws its seat map from two files (`seatmap_geometry`,
`performance_availability`; see ticketing/selectors/seatmaps.py).
"""

from __future__ import annotations

import contextlib
import json
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from crm import selectors as crm_selectors
from crm import spectators
from tenants.errors import ParterreError
from ticketing import bestseat, selectors
from ticketing.carts import CartError
from ticketing.models import (
    Performance,
    Show,
)
from ticketing.payments import provider_for_venue
from ticketing.selectors import seating, seatmaps
from ticketing.selectors import space as space_selectors
from ticketing.selectors import storefront as store_reads
from ticketing.services import inventory
from ticketing.services.funnel import Step, record_checkout_step
from ticketing.spectator_session import ACCOUNT_KEY as SPECTATOR_KEY
from ticketing.spectator_session import keep_visit, spectator, visit_id
from ticketing.storefront_sections import show_page_sections

HOLD_KEY = "store.hold"
ORDERS_KEY = "store.orders"
REFERRAL_KEY = "store.referral"  # [prescriber contact id, show id] from a friend's link
PUBLIC_STATUSES = (
    Performance.Status.ON_SALE,
    Performance.Status.SOLD_OUT,
    Performance.Status.RESCHEDULED,
    Performance.Status.CANCELLED,
)


# --- Pages shared by every visitor for a moment -----------------------------------------------
# In an on-sale rush thousands of people load the same few pages. For a couple of seconds
# (settings.PARTERRE_STOREFRONT_PAGE_TTL_S; 0: off) a page is rendered once per venue, page,
# language and host, and served to every visitor who has nothing of their own on it (no
# message waiting, no query string), with the visitor's own CSRF token put in place of a
# marker. What may change meanwhile (free seats, "few left") is at most that old; the seat
# map's availability file is fresher still (dropped on each sale).
CSRF_MARKER = "csrf-0000000000000000000000000000000000000000000000000000000000000"


def _personal(request) -> bool:
    """Whether this visitor may see something of their own on a storefront page."""
    if request.method != "GET" or request.GET or request.COOKIES.get("messages"):
        return True
    session_cookie = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    return bool(
        session_cookie and (request.session.get("_messages") or request.session.get(SPECTATOR_KEY))
    )


def _shared_page(request, name: str, build):
    """build(csrf_token) → a rendered response; shared a moment when nobody's own."""
    ttl = settings.PARTERRE_STOREFRONT_PAGE_TTL_S
    if ttl <= 0 or _personal(request):
        return build(None)
    key = f"store:page:{name}:{request.LANGUAGE_CODE}:{request.get_host()}"
    try:
        found = cache.get(key)
    except Exception:  # without the cache, every page is rendered
        found = None
    if found is None:
        response = build(CSRF_MARKER)
        if response.status_code != 200:
            return response
        found = (response.content, response["Content-Type"])
        with contextlib.suppress(Exception):
            cache.set(key, found, ttl)
    content, content_type = found
    token = get_token(request).encode()
    return HttpResponse(content.replace(CSRF_MARKER.encode(), token), content_type=content_type)


def _render(request, template: str, context: dict, csrf_token, status: int = 200):
    if csrf_token is not None:
        context = {**context, "csrf_token": csrf_token}
    return render(request, template, context, status=status)


# --- Pages --------------------------------------------------------------------------------
def home(request):
    def build(csrf_token):
        performances = selectors.with_sale_hints(list(selectors.upcoming_performances(public=True)))
        shows: OrderedDict[int, dict] = OrderedDict()
        for performance in performances:
            entry = shows.setdefault(performance.show_id, {"show": performance.show, "dates": []})
            entry["dates"].append(performance)
        context = {"shows": list(shows.values())}
        return _render(request, "ticketing/storefront/home.html", context, csrf_token)

    return _shared_page(request, "home", build)


def show_detail(request, slug: str):
    def build(csrf_token):
        show = get_object_or_404(Show, slug=slug)
        _SHOW_IDS[("show", slug)] = show.pk
        performances = list(selectors.upcoming_performances(public=True).filter(show=show))
        if not performances and not show.performances.filter(status__in=PUBLIC_STATUSES).exists():
            raise Http404  # a show still in preparation is not public
        context = {
            "show": show,
            "performances": selectors.with_sale_hints(performances),
            "sections": show_page_sections(show),
        }
        # (A signed-in spectator's page is their own, never shared: see _personal.)
        context |= _spectator_show_context(request, show)
        return _render(request, "ticketing/storefront/show.html", context, csrf_token)

    response = _shared_page(request, f"show:{slug}", build)
    _record_step(request, Step.SHOW, ("show", slug))
    return keep_visit(request, response)


def _spectator_show_context(request, show: Show) -> dict:
    """For a signed-in spectator: the heart, the plain interest question (asked once), and
    the view noted on their timeline if they said yes (once a day per show). Nothing, and
    no query, for anyone else."""
    account = spectator(request)
    if account is None:
        return {}
    context = {
        "account": account,
        "is_favourite": space_selectors.is_favourite(account.contact_id, show.pk),
        "ask_interest": account.interest_asked_at is None,
    }
    if account.interest_asked_at is not None and crm_selectors.tracks_interest(account.contact_id):
        genre = show.genres[0] if show.genres else ""
        spectators.record_show_view(contact_id=account.contact_id, show_id=show.pk, genre=genre)
    return context


# Show id of a show slug or a performance id, for the checkout funnel of pages served shared
# (never changes for a performance; a renamed show keeps its id). Per process.
_SHOW_IDS: dict[tuple[str, object], int | None] = {}


def _record_step(request, step: int, key: tuple[str, object]) -> None:
    """The funnel's step for the show of this page (one INSERT; the show id from memory)."""
    show_id = _SHOW_IDS.get(key)
    if show_id is None:
        kind, value = key
        if kind == "show":
            show_id = Show.objects.filter(slug=value).values_list("pk", flat=True).first()
        else:
            found = Performance.objects.filter(pk=value).values_list("show_id", flat=True)
            show_id = found.first()
        if show_id is None:
            return
        if len(_SHOW_IDS) > 10_000:
            _SHOW_IDS.clear()
        _SHOW_IDS[key] = show_id
    record_checkout_step(visit=visit_id(request), step=step, show_id=show_id)


def _public_performance(pk: int) -> Performance:
    return get_object_or_404(
        Performance.objects.select_related("show", "layout__hall"),
        pk=pk,
        status__in=PUBLIC_STATUSES,
    )


def _needs(request) -> tuple[str, ...]:
    """The needs a spectator declared on the performance page (`needs`, repeated)."""
    source = request.POST if request.method == "POST" else request.GET
    return bestseat.clean_needs(source.getlist("needs")[: len(bestseat.NEEDS)])


def _closed_reason(performance: Performance) -> str:
    closed_reason = _online_sale_closed()
    if not closed_reason:
        try:
            inventory.check_on_sale(performance)
        except ParterreError as error:
            closed_reason = error.message
    return closed_reason


def _performance_page(
    request,
    performance: Performance,
    *,
    status: int = 200,
    cart_error: CartError | None = None,
    csrf_token=None,
):
    """The page draws no seat: the seat map's geometry is a cached file per layout and the
    free seats a small cached payload, both read by static/js/seatmap-remote.js. Without
    JavaScript, best available and standing places work here, and the seats can be chosen
    from a list (seat_list)."""
    closed_reason = _closed_reason(performance)
    availability = seatmaps.public_availability(performance.pk)
    categories, zones = store_reads.performance_offer(performance, availability)
    needs = _needs(request)
    has_free_seats = any(c["free_seats"] for c in categories) and not closed_reason
    geometry = seatmaps.layout_geometry(performance.layout_id) if has_free_seats else None
    context = {
        "performance": performance,
        "show": performance.show,
        "closed_reason": closed_reason,
        "categories": categories,
        "map_categories": [
            {"id": c["id"], "name": c["name"], "color": c["color"], "price": _first_price(c)}
            for c in categories
        ],
        "geometry": geometry,
        "has_free_seats": has_free_seats,
        "zones": zones if not closed_reason else [],
        "max_places": inventory.MAX_PER_HOLD,
        "cart_error": cart_error,  # what was wrong with the places just asked for
        "needs": needs,
        "need_choices": _need_choices(),
        "fitting_seats": (
            _fitting_rows(seating.seats_for_needs(performance, needs))
            if needs and has_free_seats
            else []
        ),
    }
    return _render(
        request, "ticketing/storefront/performance.html", context, csrf_token, status=status
    )


def _first_price(category: dict) -> int | None:
    prices = category["public_prices"]
    return prices[0]["amount_cents"] if prices else None


def _need_choices() -> list[tuple[str, str]]:
    return [
        (bestseat.WHEELCHAIR_NEED, _("A wheelchair space")),
        (bestseat.COMPANION_NEED, _("A seat for the person with me, beside it")),
        (bestseat.HEARING_LOOP_NEED, _("The hearing loop zone")),
        (bestseat.REDUCED_MOBILITY_NEED, _("A seat reached without steps")),
    ]


def _fitting_rows(seats: list[tuple]) -> list[dict]:
    words = {
        bestseat.WHEELCHAIR: _("wheelchair space"),
        bestseat.COMPANION: _("companion seat"),
        bestseat.HEARING_LOOP: _("hearing loop"),
        bestseat.STEP_FREE: _("step-free"),
    }
    return [
        {
            "id": s[bestseat.ID],
            "label": _("Row %(row)s, seat %(number)s")
            % {"row": s[bestseat.ROW], "number": s[bestseat.NUMBER]},
            "features": [word for index, word in words.items() if s[index]],
        }
        for s in seats
    ]


def performance_detail(request, pk: int):
    def build(csrf_token):
        performance = _public_performance(pk)
        _SHOW_IDS[("performance", pk)] = performance.show_id
        return _performance_page(request, performance, csrf_token=csrf_token)

    response = _shared_page(request, f"performance:{pk}", build)
    if response.status_code == 200:
        _record_step(request, Step.SEATS, ("performance", pk))
    return keep_visit(request, response)


def seat_list(request, pk: int):
    """Choosing seats without JavaScript: the seat map drawn on the server, with a list of
    the free seats beside it (the performance page links here from <noscript>)."""
    performance = _public_performance(pk)
    closed_reason = _closed_reason(performance)
    if closed_reason:
        return redirect("store:performance", pk)
    categories = selectors.category_availability(performance)
    context = {
        "performance": performance,
        "show": performance.show,
        "categories": categories,
        "seats": selectors.seat_map(performance),
        "max_places": inventory.MAX_PER_HOLD,
    }
    return render(request, "ticketing/storefront/seat_list.html", context)


def seatmap_geometry(request, layout_pk: int, version: str):
    """A layout's seat map geometry (selectors.seatmaps): one address per version, so
    browsers and proxies keep it for good; If-None-Match answers 304."""
    geometry = seatmaps.layout_geometry(layout_pk)
    if geometry is None:
        raise Http404
    if version != geometry.version:  # an older drawing: send the browser to the current one
        response = redirect("store:seatmap", layout_pk, geometry.version)
        response["Cache-Control"] = "no-cache"
        return response
    compressed = "gzip" in request.headers.get("Accept-Encoding", "")
    etag = geometry.etag("gzip" if compressed else "")
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        body = geometry.gzipped if compressed else geometry.body
        response = HttpResponse(body, content_type="application/json")
        if compressed:
            response["Content-Encoding"] = "gzip"
    response["ETag"] = etag
    response["Vary"] = "Accept-Encoding"
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def performance_availability(request, pk: int):
    """Which seats are free now, per price category (id ranges), and standing places left:
    the same payload for every visitor, kept a second or two (selectors.seatmaps)."""
    key = seatmaps.availability_file_key(pk)
    try:
        body = cache.get(key)
    except Exception:  # without the cache, read the database
        body = None
    if body is None:
        performance = _public_performance(pk)
        if _closed_reason(performance):
            payload = {"performance": performance.pk, "free": {}, "counts": {}, "zones": {}}
        else:
            payload = seatmaps.public_availability(performance.pk)
        body = json.dumps(payload, separators=(",", ":")).encode()
        with contextlib.suppress(Exception):
            cache.set(key, body, seatmaps.AVAILABILITY_TTL_S)
    response = HttpResponse(body, content_type="application/json")
    response["Cache-Control"] = f"public, max-age={seatmaps.AVAILABILITY_TTL_S - 1}"
    return response


def _online_sale_closed() -> str:
    """Why the storefront sells nothing (an instance or venue without online payment), or
    ""."""
    if settings.PARTERRE_STOREFRONT_ENABLED and provider_for_venue() is not None:
        return ""
    return _("Tickets are not sold online yet: please contact the box office.")


urlpatterns = [
    path("", home, name="home"),
    path("shows/<slug:slug>/", show_detail, name="show"),
    path("performances/<int:pk>/", performance_detail, name="performance"),
    path("performances/<int:pk>/seats/", seat_list, name="seat_list"),
    path(
        "performances/<int:pk>/availability.json",
        performance_availability,
        name="availability",
    ),
    path("seatmaps/<int:layout_pk>-<str:version>.json", seatmap_geometry, name="seatmap"),
]
