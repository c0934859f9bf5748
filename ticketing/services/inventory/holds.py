"""Carts (holds): seats and places reserved for a buyer for `SalesSettings.hold_minutes`,
released by the buyer, expired by the clock, or claimed by their order."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.accounts.audit import new_event, record_event
from tenants.accounts.models import AuditEvent
from tenants.events.models import Event
from tenants.events.services import after_publish, build_event
from ticketing.errors import HoldExpired, HoldNotActive, InvalidRequest, NotOnSale
from ticketing.models import Hold, HoldZoneItem, Performance, PerformanceSeat
from ticketing.selectors.prices import sales_settings
from ticketing.specs import MAX_PER_HOLD, HoldRequest, TakenPlaces, TakenSeat

from . import seats, zones
from .published import availability_changed


def check_on_sale(performance: Performance, *, box_office: bool = False) -> None:
    now = timezone.now()
    if performance.status not in Performance.SELLABLE:
        raise NotOnSale(_("This performance is not on sale."))
    if box_office:  # the counter may sell before the web opens and until the show starts
        if now >= performance.starts_at + timedelta(minutes=30):
            raise NotOnSale(_("This performance is over."))
        return
    if performance.sale_opens_at and now < performance.sale_opens_at:
        raise NotOnSale(
            _("Sales open on %(date)s.")
            % {"date": timezone.localtime(performance.sale_opens_at).strftime("%d/%m/%Y %H:%M")}
        )
    if now >= (performance.sale_closes_at or performance.starts_at):
        raise NotOnSale(_("Online sales for this performance are closed."))


def validate_request(request: HoldRequest) -> int:
    """The number of places asked for, once the request makes sense (400 otherwise)."""
    if any(q <= 0 for q in request.zones.values()):
        raise InvalidRequest(_("Quantities must be positive."), field="zones")
    if request.best_available < 0 or request.wheelchair < 0:
        raise InvalidRequest(_("Quantities must be positive."), field="quantity")
    if request.wheelchair > request.best_available:
        raise InvalidRequest(
            _("More wheelchair places (%(w)s) than seats asked for (%(n)s).")
            % {"w": request.wheelchair, "n": request.best_available},
            field="wheelchair",
        )
    if len(set(request.seat_ids)) != len(request.seat_ids):
        raise InvalidRequest(_("The same seat is asked twice."), field="seats")
    total = request.places
    if total == 0:
        raise InvalidRequest(_("Choose at least one seat or place."), field="seats")
    if total > MAX_PER_HOLD:
        raise InvalidRequest(
            _("At most %(n)s places per order.") % {"n": MAX_PER_HOLD}, field="seats"
        )
    return total


def take_places(performance_id: int, hold: Hold | None, zone_id: int, quantity: int) -> TakenPlaces:
    """`quantity` places of a zone for a cart, or sold straight into an order (hold None).
    Expired carts still counted as held are released once if the zone looks full."""
    counter = "sold" if hold is None else "held"
    taken = zones.try_take(counter, performance_id, zone_id, quantity)
    if taken is None:
        release_expired_holds(performance_id=performance_id)
        taken = zones.try_take(counter, performance_id, zone_id, quantity)
    if taken is None:
        zones.refuse(performance_id, zone_id)
    return taken


def sell_places(performance_id: int, zone_id: int, quantity: int) -> TakenPlaces:
    """Standing places sold straight into an order: one statement on the zone's counter."""
    return take_places(performance_id, None, zone_id, quantity)


@transaction.atomic
def create_hold(
    *,
    performance: Performance,
    request: HoldRequest,
    channel: str = "web",
    actor=None,
    allow_allocated: bool = False,
    box_office: bool = False,
    contact_id: int | None = None,
) -> Hold:
    """Reserve seats and places for `SalesSettings.hold_minutes`; all or nothing.
    `contact_id`: the spectator, when the storefront knows them (an abandoned cart of a known
    spectator can then be followed up: journeys)."""
    validate_request(request)
    check_on_sale(performance, box_office=box_office)
    minutes = sales_settings().hold_minutes
    hold = Hold.objects.create(
        performance=performance,
        expires_at=timezone.now() + timedelta(minutes=minutes),
        channel=channel,
        seat_count=len(request.seat_ids) + request.best_available,
        created_by=actor if getattr(actor, "pk", None) else None,
        contact_id=contact_id,
    )
    if request.seat_ids:
        seats.take_seats(
            performance.pk, request.seat_ids, hold=hold, allow_allocated=allow_allocated
        )
    if request.best_available:
        seats.take_best_available(performance, request, hold=hold)
    taken = [
        take_places(performance.pk, hold, zone_id, quantity)
        for zone_id, quantity in sorted(request.zones.items())
    ]
    zones.record_items(hold, taken)
    record_event(
        code="ticketing.hold.created",
        actor=actor if getattr(actor, "pk", None) else None,
        obj=hold,
        data={"performance": performance.pk, "places": request.places},
    )
    return hold


def lock_active_hold(token) -> Hold:
    """Lock a cart for confirmation; refuse it if it is gone or no longer active (its clock
    is checked when its places are claimed: `claim_hold`)."""
    hold = (
        Hold.objects.select_for_update(of=("self",))
        .select_related("performance__show", "performance__layout")
        .filter(token=token)
        .first()
    )
    if hold is None:
        raise HoldExpired(_("This reservation does not exist."))
    if hold.status != Hold.Status.ACTIVE:
        raise HoldExpired()
    return hold


def claim_hold(hold: Hold) -> tuple[list[TakenSeat], list[TakenPlaces]]:
    """Turn a locked cart into sold seats and places, if its time is not up: the one place
    that decides whether a cart came too late. Its seats must all still be held by it (an
    expired seat may be someone else's now)."""
    now = timezone.now()
    if hold.expires_at <= now:
        raise HoldExpired()
    taken = seats.claim_held_seats(hold.pk, now)
    if len(taken) != hold.seat_count:
        raise HoldExpired()
    places = zones.claim_held_places(hold.pk)
    Hold.objects.filter(pk=hold.pk).update(status=Hold.Status.CONFIRMED)
    hold.status = Hold.Status.CONFIRMED
    return taken, places


@transaction.atomic
def extend_hold(*, hold: Hold, until) -> Hold:
    """Keep a live cart's places until `until` while its buyer pays (card entry, 3-D Secure).
    Only ever later; a cart whose time is up, released or confirmed is refused (409)."""
    now = timezone.now()
    live = Hold.objects.filter(pk=hold.pk, status=Hold.Status.ACTIVE, expires_at__gt=now)
    if not live.exists():
        raise HoldExpired()
    if live.filter(expires_at__lt=until).update(expires_at=until):
        seats.extend_held_seats(hold.pk, until)
        hold.expires_at = until
        record_event(
            code="ticketing.hold.extended",
            obj=hold,
            data={"until": until.isoformat()},
        )
    return hold


def _free_holds(hold_ids: list[int], performance_ids) -> None:
    seats.free_held_seats(hold_ids)
    zones.free_held_places(hold_ids)
    availability_changed(performance_ids)


@transaction.atomic
def release_hold(*, hold: Hold, actor=None) -> None:
    """The buyer gives up their cart: its seats and places go back on sale at once. A cart
    already confirmed, released or expired cannot be released (409)."""
    updated = Hold.objects.filter(pk=hold.pk, status=Hold.Status.ACTIVE).update(
        status=Hold.Status.RELEASED
    )
    if not updated:
        raise HoldNotActive(
            _("This reservation is no longer active (confirmed, released or expired).")
        )
    _free_holds([hold.pk], [hold.performance_id])
    record_event(
        code="ticketing.hold.released",
        actor=actor if getattr(actor, "pk", None) else None,
        obj=hold,
    )


@transaction.atomic
def release_expired_holds(*, performance_id: int | None = None, limit: int = 500) -> int:
    """Expire carts whose time is up (periodic task, and lazily when places run short).

    SKIP LOCKED: a cart being confirmed right now is left alone; the confirmation itself
    refuses an expired cart.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, performance_id, seat_count, contact_id FROM ticketing_hold "  # noqa: S608
            "WHERE status = %s AND expires_at <= %s "
            + ("AND performance_id = %s " if performance_id else "")
            + "ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
            [
                Hold.Status.ACTIVE,
                timezone.now(),
                *([performance_id] if performance_id else []),
                limit,
            ],
        )
        rows = cursor.fetchall()
    if not rows:
        return 0
    ids = [row[0] for row in rows]
    contacts = {row[0]: row[3] for row in rows}
    # The seats of known spectators' carts, named in the event (an abandoned cart's reminder
    # says whether they are still free), read before they are freed.
    held_seats: dict[int, list[int]] = {}
    known = [hold_id for hold_id, contact_id in contacts.items() if contact_id]
    if known:
        for hold_id, seat_id in (
            PerformanceSeat.objects.filter(hold_id__in=known, status=PerformanceSeat.Status.HELD)
            .order_by("seat_id")
            .values_list("hold_id", "seat_id")
        ):
            held_seats.setdefault(hold_id, []).append(seat_id)
    Hold.objects.filter(id__in=ids).update(status=Hold.Status.EXPIRED)
    _free_holds(ids, [row[1] for row in rows])
    standing = dict(
        HoldZoneItem.objects.filter(hold_id__in=ids)
        .values("hold_id")
        .annotate(n=Sum("quantity"))
        .values_list("hold_id", "n")
    )
    expired = [
        (hold_id, performance_id, seats + standing.get(hold_id, 0))
        for hold_id, performance_id, seats, _contact_id in rows
    ]
    AuditEvent.objects.bulk_create(
        new_event(code="ticketing.hold.expired", object_type="ticketing.hold", object_id=hold_id)
        for hold_id, _performance_id, _seats in expired
    )
    Event.objects.bulk_create(
        build_event(
            code="ticketing.hold.expired",
            key=f"hold:{hold_id}",
            data={
                "hold_id": hold_id,
                "performance_id": performance_id,
                "places": places,
                "contact_id": contacts[hold_id],
                "seat_ids": held_seats.get(hold_id, []),
            },
        )
        for hold_id, performance_id, places in expired
    )
    after_publish()
    return len(ids)


def hold_status(hold: Hold) -> str:
    if hold.status == Hold.Status.ACTIVE and hold.expires_at <= timezone.now():
        return Hold.Status.EXPIRED
    return hold.status
