"""Orders: confirm a cart into tickets, take payments, cancel, refund, exchange.

Every change appends an OrderEvent (who, when, what, amounts) and reports to crm through its
services; crm never reads these tables.

A sale (`sell`, `confirm_order`) is on the hot path of an on-sale rush: prices are read before
any seat is locked, the order is written once with its final amounts, and it comes back with
its tickets in hand (seat labels, tariffs), so the caller shows it without reading it again.
tests/ticketing/test_order_round_trips.py counts the statements.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import services as crm
from crm.models import Contact
from tenants import generations
from ticketing.errors import HoldExpired, InvalidRequest
from ticketing.models import (
    Hold,
    Order,
    OrderEvent,
    Payment,
    Performance,
    PerformanceSeat,
    Price,
    SalesSettings,
    Seat,
    Tariff,
    Ticket,
)

from . import inventory
from .inventory import HoldRequest, TakenSeat, create_hold, lock_active_hold, sales_settings


@dataclass
class PaymentSpec:
    method: str
    amount_cents: int
    reference: str = ""


@dataclass
class Buyer:
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    postcode: str = ""
    language: str = "fr"
    newsletter: bool | None = None
    contact_id: int | None = None  # a contact picked at the counter: linked as is


@dataclass
class TariffChoice:
    default: int  # Tariff id for every place without its own choice
    seats: dict[int, int] = field(default_factory=dict)  # Seat id -> Tariff id
    # Standing places: PerformanceZone id -> {Tariff id: number of places}; the places of a
    # zone not covered by its split take `default`.
    zones: dict[int, dict[int, int]] = field(default_factory=dict)

    def tariff_ids(self) -> set[int]:
        """Every tariff this choice may use (the prices an order reads)."""
        return {
            self.default,
            *self.seats.values(),
            *(tariff for split in self.zones.values() for tariff in split),
        }


def _actor_label(actor) -> str:
    return str(actor) if actor is not None and getattr(actor, "pk", None) else "spectator"


def _new_event(order: Order, code: str, actor, **data) -> OrderEvent:
    return OrderEvent(
        order=order,
        code=code,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=_actor_label(actor),
        data=data,
    )


def _event(order: Order, code: str, actor, **data) -> None:
    _new_event(order, code, actor, **data).save()


def _contact_for(buyer: Buyer | None, channel: str):
    if buyer is not None and buyer.contact_id:
        contact = Contact.objects.filter(pk=buyer.contact_id).first()
        if contact is None:
            raise InvalidRequest(_("This contact no longer exists."), field="buyer")
        return contact
    if buyer is None or not (buyer.email or buyer.last_name or buyer.phone):
        return None
    consents = None if buyer.newsletter is None else {"email_newsletter": buyer.newsletter}
    return crm.find_or_create_contact(
        email=buyer.email or None,
        first_name=buyer.first_name,
        last_name=buyer.last_name,
        phone=buyer.phone,
        postcode=buyer.postcode,
        language=buyer.language,
        source="box_office" if channel == "box_office" else "web",
        consents=consents,
    )


def _claim_hold_contents(hold: Hold) -> tuple[list[TakenSeat], list[tuple[int, int, int]]]:
    """Turn a locked, live cart into sold seats/places. Returns (seat_id, category_id, label)
    triples and (performance_zone_id, category_id, quantity) triples."""
    if inventory.UNSAFE_READ_THEN_WRITE:  # test-only: what a check-then-write would do
        seats = _claim_seats_unsafely(hold)
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE ticketing_performanceseat ps SET status = 'sold', hold_id = NULL, "
                "hold_expires_at = NULL FROM ticketing_seat s WHERE s.id = ps.seat_id "
                "AND ps.hold_id = %s AND ps.status = 'held' AND ps.hold_expires_at > %s "
                "RETURNING ps.seat_id, ps.category_id, s.label",
                [hold.pk, timezone.now()],
            )
            seats = cursor.fetchall()
    if len(seats) != hold.seat_count:
        raise HoldExpired()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ticketing_performancezone z SET held = z.held - i.quantity, "
            "sold = z.sold + i.quantity FROM ticketing_holdzoneitem i "
            "WHERE i.performance_zone_id = z.id AND i.hold_id = %s "
            "RETURNING z.id, z.category_id, i.quantity",
            [hold.pk],
        )
        zones = cursor.fetchall()
        cursor.execute("UPDATE ticketing_hold SET status = 'confirmed' WHERE id = %s", [hold.pk])
    return seats, zones


def _claim_seats_unsafely(hold: Hold) -> list[TakenSeat]:
    rows = list(
        PerformanceSeat.objects.filter(hold=hold).values_list(
            "pk", "seat_id", "category_id", "seat__label"
        )
    )
    time.sleep(0.01)  # the window a check-then-write leaves open under real load
    PerformanceSeat.objects.filter(pk__in=[r[0] for r in rows]).update(
        status=PerformanceSeat.Status.SOLD, hold=None, hold_expires_at=None
    )
    return [(seat_id, category_id, label) for _pk, seat_id, category_id, label in rows]


def price_table(
    performance_id: int, tariff_ids: set[int] | None = None
) -> dict[tuple[int, int], Price]:
    """(category id, tariff id) → Price, with its tariff, for every active tariff priced at
    this performance (or only these tariffs), in tariff order, in one query: how a sale finds
    its prices, and a quote (selectors.quote) too."""
    prices = Price.objects.select_related("tariff").filter(
        category__performance_id=performance_id, tariff__is_active=True
    )
    if tariff_ids is not None:
        prices = prices.filter(tariff_id__in=tariff_ids)
    return {
        (p.category_id, p.tariff_id): p for p in prices.order_by("tariff__order", "tariff__name")
    }


# What sale_prices read, per performance and tariff codes, in this process while the venue's
# generation is current (tenants/generations.py; ticketing/apps.py bumps it on writes to the
# programme, prices and tariffs).
_SALE_PRICES = generations.LocalCache("sale_prices", size=4096)


def sale_prices(*, performance_id: int, codes: set[str]) -> list[Price]:
    """The prices of these tariff codes at this performance, each with its tariff and its
    performance (layout and show included): what an order needs to read before it takes
    seats, in one query, or none when this process read them already. Empty when the
    performance does not exist. Read only: the objects may be shared between requests."""
    key = (performance_id, frozenset(codes))
    found = _SALE_PRICES.get(key)
    if found is not generations.MISSING:
        return found
    prices = list(
        Price.objects.select_related(
            "tariff", "category__performance__layout", "category__performance__show"
        ).filter(
            category__performance_id=performance_id, tariff__code__in=codes, tariff__is_active=True
        )
    )
    if prices:  # (a performance whose prices are still being written is not remembered)
        _SALE_PRICES.set(key, prices)
    return prices


def _attach(obj, **related) -> None:
    """Point `obj`'s foreign keys at these instances (id and cached object) as assigning them
    would, without the database-routing checks of the descriptor: they cost more than the
    rest of building a ticket, and every object here lives in the venue's one database."""
    for name, value in related.items():
        field = obj._meta.get_field(name)
        setattr(obj, field.attname, None if value is None else value.pk)
        field.set_cached_value(obj, value)


def _seat_with_label(seat_id: int, label: str) -> Seat:
    """The ticket's seat as far as the order needs it (other fields load if ever read)."""
    return Seat.from_db(DEFAULT_DB_ALIAS, ["id", "label"], [seat_id, label])


def _price_tickets(
    *,
    order: Order | None,
    performance: Performance,
    seats: list[TakenSeat],
    zones,
    tariffs: TariffChoice,
    fees: SalesSettings,
    prices: dict[tuple[int, int], Price] | None = None,
) -> list[Ticket]:
    if prices is None:
        prices = price_table(performance.pk, tariffs.tariff_ids())

    def price(category_id: int, tariff_id: int) -> Price:
        found = prices.get((category_id, tariff_id))
        if found is None:
            raise InvalidRequest(_("This tariff is not offered for these seats."), field="tariff")
        return found

    def ticket(p: Price, **fields) -> Ticket:
        new = Ticket(
            price_cents=p.amount_cents,
            fee_cents=fees.fee_for(p.amount_cents),
            tax_rate_bp=p.tariff.tax_rate_bp,
            **fields,
        )
        _attach(new, order=order, performance=performance, tariff=p.tariff)
        return new

    tickets = []
    for seat_id, category_id, label in seats:
        new = ticket(price(category_id, tariffs.seats.get(seat_id, tariffs.default)))
        _attach(new, seat=_seat_with_label(seat_id, label))
        tickets.append(new)
    held = {zone_id: quantity for zone_id, _category_id, quantity in zones}
    for zone_id, split in tariffs.zones.items():
        if any(n < 0 for n in split.values()) or sum(split.values()) > held.get(zone_id, 0):
            raise InvalidRequest(
                _("More standing places at these tariffs (%(asked)s) than held (%(held)s).")
                % {"asked": sum(split.values()), "held": held.get(zone_id, 0)},
                field="zone_tariffs",
            )
    for zone_id, category_id, quantity in zones:
        split = tariffs.zones.get(zone_id, {})
        rest = quantity - sum(split.values())
        for tariff_id, n in [*split.items(), (tariffs.default, rest)]:
            if n:
                p = price(category_id, tariff_id)
                tickets.extend(ticket(p, performance_zone_id=zone_id) for _ in range(n))
    return tickets


def _check_payments(payments: list[PaymentSpec]) -> None:
    for spec in payments:
        if spec.amount_cents <= 0:
            raise InvalidRequest(_("A payment must be a positive amount."), field="payments")
        if spec.method not in Payment.Method.values:
            raise InvalidRequest(_("Unknown payment method."), field="payments")


def _new_payments(order: Order, payments: list[PaymentSpec], actor) -> list[Payment]:
    _check_payments(payments)
    return [
        Payment(
            order=order,
            method=spec.method,
            amount_cents=spec.amount_cents,
            provider_reference=spec.reference,
            created_by=_staff(actor),
        )
        for spec in payments
    ]


def _take_payments(order: Order, payments: list[PaymentSpec], actor) -> int:
    Payment.objects.bulk_create(_new_payments(order, payments, actor))
    return sum(spec.amount_cents for spec in payments)


@transaction.atomic
def confirm_order(
    *,
    hold_token,
    tariffs: TariffChoice,
    buyer: Buyer | None = None,
    payments: list[PaymentSpec] | None = None,
    channel: str = "web",
    actor=None,
    allow_pending: bool = False,
    pay_total_with: str = "",
    payment_reference: str = "",
) -> Order:
    """Turn a live cart into an order with one ticket per place.

    With payments covering the total the order is paid; otherwise it is refused, unless
    `allow_pending` (an online payment still to come), and then the order waits as pending.
    """
    hold = lock_active_hold(hold_token)
    contact = _contact_for(buyer, channel)
    seats, zones = _claim_hold_contents(hold)
    return _write_order(
        hold=hold,
        performance=hold.performance,
        contact=contact,
        seats=seats,
        zones=zones,
        tariffs=tariffs,
        fees=sales_settings(),
        prices=None,
        payments=payments,
        pay_total_with=pay_total_with,
        payment_reference=payment_reference,
        channel=channel,
        actor=actor,
        allow_pending=allow_pending,
    )


def sell(
    *,
    performance: Performance,
    request: HoldRequest,
    tariffs: TariffChoice,
    buyer: Buyer | None = None,
    payments: list[PaymentSpec] | None = None,
    channel: str = "box_office",
    actor=None,
    allow_pending: bool = False,
    pay_total_with: str = "",
    prices: dict[tuple[int, int], Price] | None = None,
) -> Order:
    """Hold and confirm in one transaction: the counter sale, or an API order.

    `prices`: the performance's prices for these tariffs when the caller has read them
    already (see sale_prices); read here otherwise.

    Seats go straight from free to sold (one conditional UPDATE per request, each seat row
    written once) and the cart is recorded as already confirmed; general-admission places
    go through a cart as with create_hold + confirm_order.
    """
    box_office = channel == "box_office"
    if request.zones or inventory.UNSAFE_READ_THEN_WRITE:
        with transaction.atomic():
            hold = create_hold(
                performance=performance,
                request=request,
                channel=channel,
                actor=actor,
                allow_allocated=box_office,
                box_office=box_office,
            )
            return confirm_order(
                hold_token=hold.token,
                tariffs=tariffs,
                buyer=buyer,
                payments=payments,
                channel=channel,
                actor=actor,
                allow_pending=allow_pending,
                pay_total_with=pay_total_with,
            )
    inventory.validate_request(request)
    inventory.check_on_sale(performance, box_office=box_office)
    if prices is None:
        prices = price_table(performance.pk, tariffs.tariff_ids())  # read before any seat is locked
    fees = sales_settings()
    # The cart this sale would have been, recorded confirmed (written with the order).
    hold = Hold(
        performance=performance,
        status=Hold.Status.CONFIRMED,
        expires_at=timezone.now() + timedelta(minutes=fees.hold_minutes),
        channel=channel,
        seat_count=len(request.seat_ids) + request.best_available,
        created_by=_staff(actor),
    )
    with transaction.atomic():
        contact = _contact_for(buyer, channel)
        seats: list[TakenSeat] = []
        if request.seat_ids:
            seats += inventory.take_seats(
                performance.pk, request.seat_ids, hold=None, allow_allocated=box_office
            )
        if request.best_available:
            seats += inventory.take_best_available(performance, request, hold=None)
        return _write_order(
            hold=hold,
            performance=performance,
            contact=contact,
            seats=seats,
            zones=[],
            tariffs=tariffs,
            fees=fees,
            prices=prices,
            payments=payments,
            pay_total_with=pay_total_with,
            payment_reference="",
            channel=channel,
            actor=actor,
            allow_pending=allow_pending,
        )


def _staff(actor):
    return actor if getattr(actor, "pk", None) else None


def _write_order(
    *,
    hold: Hold,
    performance: Performance,
    contact,
    seats: list[TakenSeat],
    zones: list[tuple[int, int, int]],
    tariffs: TariffChoice,
    fees: SalesSettings,
    prices: dict[tuple[int, int], Price] | None,
    payments: list[PaymentSpec] | None,
    pay_total_with: str,
    payment_reference: str,
    channel: str,
    actor,
    allow_pending: bool,
) -> Order:
    """The order for seats and places just taken, with its tickets, payments and first event,
    written in one statement (with the cart too when `hold` is new), then the buyer's CRM
    record. With payments covering the total it is paid; otherwise it is refused, unless
    `allow_pending`."""
    tickets = _price_tickets(
        order=None,
        performance=performance,
        seats=seats,
        zones=zones,
        tariffs=tariffs,
        fees=fees,
        prices=prices,
    )
    fee_cents = sum(t.fee_cents for t in tickets)
    total_cents = sum(t.price_cents for t in tickets) + fee_cents
    payments = list(payments or [])
    if pay_total_with:  # e.g. the offline test provider, or a card already authorised
        payments.append(PaymentSpec(pay_total_with, total_cents, payment_reference))
    payments = [p for p in payments if p.amount_cents]
    paid = sum(p.amount_cents for p in payments)
    if paid < total_cents and not allow_pending:
        raise InvalidRequest(
            _("The payments (%(paid).2f) do not cover the total (%(total).2f).")
            % {"paid": paid / 100, "total": total_cents / 100},
            field="payments",
        )
    is_paid = paid >= total_cents
    order = Order(
        channel=channel,
        contact=contact,
        hold=hold if hold.pk else None,
        currency=fees.currency,
        sold_by=_staff(actor),
        fee_cents=fee_cents,
        total_cents=total_cents,
        status=Order.Status.PAID if is_paid else Order.Status.PENDING,
        paid_at=timezone.now() if is_paid else None,
    )
    for ticket in tickets:
        _attach(ticket, order=order)
    event = _new_event(
        order,
        "ticketing.order.created",
        actor,
        total_cents=total_cents,
        fee_cents=fee_cents,
        tickets=len(tickets),
        paid_cents=paid,
        channel=channel,
    )
    _insert_together(
        *([_Rows("h", [hold])] if hold.pk is None else []),
        _Rows("o", [order], refs={"hold": "h"} if hold.pk is None else {}),
        _Rows("t", tickets, refs={"order": "o"}),
        _Rows("p", _new_payments(order, payments, actor), refs={"order": "o"}),
        _Rows("e", [event], refs={"order": "o"}),
    )
    if contact is not None and is_paid:
        crm.record_purchase(
            contact_id=contact.pk,
            order_reference=order.reference,
            tickets=len(tickets),
            amount_cents=total_cents,
            occurred_at=order.paid_at,
            performance_label=str(performance),
            channel=channel,
        )
    _keep_tickets(order, tickets)
    return order


@dataclass
class _Rows:
    """New rows of one table for _insert_together. `refs`: foreign key name → the name of an
    earlier (one-row) part whose new row it points to."""

    name: str
    objs: list
    refs: dict[str, str] = field(default_factory=dict)


# The INSERT of one part, per (model, part name, foreign keys pointing at earlier parts,
# number of rows): an order's statement takes a handful of shapes, each built once.
_INSERT_SQL: dict[tuple, tuple[str, list]] = {}


def _insert_sql(model, name: str, refs: tuple[tuple[str, str], ...], rows: int) -> tuple:
    """`name AS (INSERT INTO table (columns) VALUES (%s, …, (SELECT id FROM ref)), …
    RETURNING id)` and the fields whose values are parameters, in order."""
    key = (model, name, refs, rows)
    found = _INSERT_SQL.get(key)
    if found is None:
        opts = model._meta
        quote = connection.ops.quote_name
        fields = [f for f in opts.concrete_fields if not f.primary_key]
        pointing = {opts.get_field(field_name).attname: ref for field_name, ref in refs}
        row = ", ".join(
            f"(SELECT id FROM {pointing[f.attname]})"  # noqa: S608 (part names are ours)
            if f.attname in pointing
            else "%s"
            for f in fields
        )
        columns = ", ".join(quote(f.column) for f in fields)
        values = ", ".join([f"({row})"] * rows)
        found = (
            f"{name} AS (INSERT INTO {quote(opts.db_table)} ({columns}) "  # noqa: S608
            f"VALUES {values} RETURNING {quote(opts.pk.column)})",
            [f for f in fields if f.attname not in pointing],
        )
        _INSERT_SQL[key] = found
    return found


def _insert_together(*parts: _Rows) -> None:
    """Insert new rows of several tables in one statement: one round trip instead of one per
    table, and the seats the caller locked are let go sooner. Each part becomes a
    data-modifying CTE (`WITH o AS (INSERT … RETURNING id), t AS (INSERT … VALUES
    ((SELECT id FROM o), …))`). Every concrete field is written, its value prepared as
    Django's INSERT compiler does (`pre_save` — auto_now_add —, then `get_db_prep_save`);
    tests/ticketing/test_order_round_trips.py checks the rows against the ORM's. Sets the
    new primary keys and foreign keys on the instances (PostgreSQL returns rows in VALUES
    order, which bulk_create relies on too)."""
    parts = tuple(part for part in parts if part.objs)
    assert all(part.name.isidentifier() for part in parts)  # names are ours, never input
    statements, params = [], []
    for part in parts:
        model = type(part.objs[0])
        sql, fields = _insert_sql(model, part.name, tuple(part.refs.items()), len(part.objs))
        statements.append(sql)
        for obj in part.objs:
            params.extend(f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields)
    returned = " UNION ALL ".join(
        f"SELECT {index}, id FROM {part.name}"  # noqa: S608
        for index, part in enumerate(parts)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(statements)} {returned}", params)
        rows = cursor.fetchall()
    new_ids: dict[int, list[int]] = {index: [] for index in range(len(parts))}
    for index, pk in rows:
        new_ids[index].append(pk)
    by_name = {}
    for index, part in enumerate(parts):
        for obj, pk in zip(part.objs, new_ids[index], strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = connection.alias
            for name, ref in part.refs.items():
                _attach(obj, **{name: by_name[ref]})
        by_name[part.name] = part.objs[0]


def _keep_tickets(order: Order, tickets: list[Ticket]) -> None:
    """Let order.tickets.all() answer with the tickets just written, as prefetch_related
    would have: showing the new order costs no query."""
    queryset = order.tickets.all()
    queryset._result_cache = list(tickets)
    queryset._prefetch_done = True
    order._prefetched_objects_cache = {"tickets": queryset}


@transaction.atomic
def record_payment(*, order: Order, payment: PaymentSpec, actor=None) -> Order:
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status != Order.Status.PENDING:
        raise InvalidRequest(_("Only a pending order can take a payment."))
    _take_payments(order, [payment], actor)
    paid = sum(p.amount_cents for p in order.payments.filter(status=Payment.Status.SUCCEEDED))
    _event(
        order,
        "ticketing.order.payment_recorded",
        actor,
        method=payment.method,
        amount_cents=payment.amount_cents,
    )
    if paid >= order.total_cents:
        order.status, order.paid_at = Order.Status.PAID, timezone.now()
        order.save(update_fields=["status", "paid_at"])
        _event(order, "ticketing.order.paid", actor, total_cents=order.total_cents)
        if order.contact_id:
            crm.record_purchase(
                contact_id=order.contact_id,
                order_reference=order.reference,
                tickets=order.tickets.count(),
                amount_cents=order.total_cents,
                occurred_at=order.paid_at,
                channel=order.channel,
            )
    return order


def _free_places(ticket_ids: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ticketing_performanceseat ps SET status = 'available' "
            "FROM ticketing_ticket t WHERE t.id = ANY(%s) AND t.seat_id IS NOT NULL "
            "AND ps.performance_id = t.performance_id AND ps.seat_id = t.seat_id "
            "AND ps.status = 'sold'",
            [ticket_ids],
        )
        cursor.execute(
            "UPDATE ticketing_performancezone z SET sold = z.sold - x.n FROM ("
            "SELECT performance_zone_id, count(*) AS n FROM ticketing_ticket "
            "WHERE id = ANY(%s) AND performance_zone_id IS NOT NULL GROUP BY 1) x "
            "WHERE z.id = x.performance_zone_id",
            [ticket_ids],
        )


@transaction.atomic
def cancel_order(*, order: Order, actor=None, reason: str = "") -> Order:
    """Cancel an unpaid order (abandoned or failed payment): its seats go back on sale."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status != Order.Status.PENDING:
        raise InvalidRequest(_("Only an unpaid order can be cancelled; refund a paid one."))
    ids = list(order.tickets.filter(status=Ticket.Status.VALID).values_list("id", flat=True))
    _free_places(ids)
    Ticket.objects.filter(id__in=ids).update(status=Ticket.Status.CANCELLED)
    order.status = Order.Status.CANCELLED
    order.save(update_fields=["status"])
    _event(order, "ticketing.order.cancelled", actor, tickets=len(ids), reason=reason)
    return order


@transaction.atomic
def refund_order(
    *,
    order: Order,
    ticket_ids: list[int] | None = None,
    method: str = Payment.Method.CASH,
    include_fees: bool = True,
    actor=None,
    reason: str = "",
) -> Order:
    """Refund all or some tickets of a paid order; their seats go back on sale."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status not in (Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED):
        raise InvalidRequest(_("Only a paid order can be refunded."))
    valid = order.tickets.filter(status=Ticket.Status.VALID)
    if ticket_ids is not None:
        valid = valid.filter(id__in=ticket_ids)
    tickets = list(valid)
    if not tickets or (ticket_ids is not None and len(tickets) != len(set(ticket_ids))):
        raise InvalidRequest(
            _("These tickets cannot be refunded (unknown or already refunded)."), field="tickets"
        )
    amount = sum(t.price_cents + (t.fee_cents if include_fees else 0) for t in tickets)
    ids = [t.pk for t in tickets]
    _free_places(ids)
    Ticket.objects.filter(id__in=ids).update(status=Ticket.Status.REFUNDED)
    if amount:
        Payment.objects.create(
            order=order,
            method=method,
            amount_cents=-amount,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
    order.refunded_cents += amount
    remaining = order.tickets.filter(status=Ticket.Status.VALID).exists()
    order.status = Order.Status.PARTIALLY_REFUNDED if remaining else Order.Status.REFUNDED
    order.save(update_fields=["refunded_cents", "status"])
    refund_number = order.events.filter(code="ticketing.order.refunded").count() + 1
    _event(
        order,
        "ticketing.order.refunded",
        actor,
        tickets=ids,
        amount_cents=amount,
        method=method,
        reason=reason,
    )
    if order.contact_id:
        crm.record_refund(
            contact_id=order.contact_id,
            order_reference=order.reference,
            refund_reference=f"{order.reference}-R{refund_number}",
            tickets=len(ids),
            amount_cents=amount,
            occurred_at=timezone.now(),
        )
    return order


@transaction.atomic
def exchange_tickets(
    *,
    order: Order,
    ticket_ids: list[int],
    to_performance: Performance,
    request: HoldRequest,
    tariffs: TariffChoice,
    payment: PaymentSpec | None = None,
    refund_method: str = Payment.Method.VOUCHER,
    actor=None,
) -> list[Ticket]:
    """Move tickets to another performance. A higher price is paid with `payment`; a lower
    one is credited (a negative payment with `refund_method`, a voucher by default)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status not in (Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED):
        raise InvalidRequest(_("Only a paid order can be exchanged."))
    old = list(order.tickets.filter(status=Ticket.Status.VALID, id__in=ticket_ids))
    if len(old) != len(set(ticket_ids)) or not old:
        raise InvalidRequest(_("These tickets cannot be exchanged."), field="tickets")
    places = len(request.seat_ids) + request.best_available + sum(request.zones.values())
    if places != len(old):
        raise InvalidRequest(_("Choose as many new places as tickets exchanged."), field="seats")
    hold = create_hold(
        performance=to_performance,
        request=request,
        channel=order.channel,
        actor=actor,
        allow_allocated=True,
        box_office=True,
    )
    hold = lock_active_hold(hold.token)
    seats, zones = _claim_hold_contents(hold)
    fees = sales_settings()
    new = _price_tickets(
        order=order,
        performance=to_performance,
        seats=seats,
        zones=zones,
        tariffs=tariffs,
        fees=fees,
    )
    for ticket in new:
        ticket.fee_cents = 0  # an exchange does not charge the booking fee twice
    Ticket.objects.bulk_create(new)
    for old_ticket, new_ticket in zip(old, new, strict=True):
        old_ticket.status, old_ticket.exchanged_to = Ticket.Status.EXCHANGED, new_ticket
    Ticket.objects.bulk_update(old, ["status", "exchanged_to"])
    _free_places([t.pk for t in old])
    difference = sum(t.price_cents for t in new) - sum(t.price_cents for t in old)
    if difference > 0:
        if payment is None or payment.amount_cents < difference:
            raise InvalidRequest(
                _("The exchange costs %(amount).2f more: take that payment.")
                % {"amount": difference / 100},
                field="payment",
            )
        _take_payments(order, [payment], actor)
    elif difference < 0:
        Payment.objects.create(
            order=order,
            method=refund_method,
            amount_cents=difference,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
    order.total_cents += difference
    order.save(update_fields=["total_cents"])
    _event(
        order,
        "ticketing.order.exchanged",
        actor,
        old_tickets=[t.pk for t in old],
        new_tickets=[t.pk for t in new],
        to_performance=to_performance.pk,
        difference_cents=difference,
    )
    return new


def hold_status(hold: Hold) -> str:
    if hold.status == Hold.Status.ACTIVE and hold.expires_at <= timezone.now():
        return Hold.Status.EXPIRED
    return hold.status


__all__ = [
    "Buyer",
    "PaymentSpec",
    "Tariff",
    "TariffChoice",
    "cancel_order",
    "confirm_order",
    "exchange_tickets",
    "record_payment",
    "refund_order",
    "sell",
]
