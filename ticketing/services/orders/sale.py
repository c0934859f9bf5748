"""The sale: places taken (straight away, or from a cart) become an order with its tickets and
payments, priced by the one price computation (`selectors.quotes.quote`).

One path for every place: `sell` takes seats and standing places straight into the order
(no cart round trips), `confirm_order` claims a cart's. Both end in `_write_order`, which
writes the order, its tickets, payments and history in one statement (`writer`) after the
buyer's CRM record. On the hot path of an on-sale rush: prices are read before any seat is
locked, a standing zone's counter row (shared by every buyer of the zone) is taken as late as
possible, and the order comes back with its tickets in hand.
tests/ticketing/test_order_round_trips.py counts the statements.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import services as crm
from crm.models import Contact
from tenants.events.services import after_publish
from ticketing.errors import InvalidRequest
from ticketing.ledger import services as ledger
from ticketing.models import (
    Extra,
    Hold,
    Order,
    OrderExtra,
    Performance,
    Price,
    SalesSettings,
    Seat,
    Ticket,
)
from ticketing.selectors.extras import asked_extras
from ticketing.selectors.prices import price_table, sales_settings, zone_categories
from ticketing.selectors.quotes import Quote, places_taken, quote
from ticketing.services import inventory
from ticketing.services.cash.sessions import hold_session_open
from ticketing.specs import (
    Buyer,
    HoldRequest,
    OrderTerms,
    PaymentSpec,
    TakenPlaces,
    TakenSeat,
    TariffChoice,
)

from .history import crm_references, new_confirmed_event, new_order_event
from .payments import check_counter_methods, new_payments, settle_payments, staff
from .writer import Rows, attach, insert_together

# Channels that sell from the back office (places held for staff, non-public tariffs).
COUNTER_CHANNELS = ("box_office", "phone")


def _contact_for(buyer: Buyer | None, channel: str) -> Contact | None:
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
        source="box_office" if channel in COUNTER_CHANNELS else "web",
        consents=consents,
    )


def _postcode_only(buyer: Buyer | None, contact: Contact | None) -> str:
    """The postcode of a buyer who gave nothing else (no contact is made of it)."""
    if contact is not None or buyer is None:
        return ""
    return " ".join(buyer.postcode.split()).upper()[:20]


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
    extras: dict[int, int] | None = None,
    cash_session_id: int | None = None,
    marketing_ref: str = "",
    promo_codes: list[str] | None = None,
) -> Order:
    """Turn a live cart into an order with one ticket per place (and the `extras` asked,
    {extra id: quantity}).

    With payments covering the total the order is paid; otherwise it is refused, unless
    `allow_pending` (an online payment still to come), and then the order waits as pending.
    """
    hold = inventory.lock_active_hold(hold_token)
    extra_lines = asked_extras(
        hold.performance_id, extras or {}, public_only=channel != "box_office"
    )
    contact = _contact_for(buyer, channel)
    seats, zones = inventory.claim_hold(hold)
    if not payments and pay_total_with:
        payments = [PaymentSpec(pay_total_with, None, payment_reference)]
    return _write_order(
        hold=hold,
        performance=hold.performance,
        contact=contact,
        seats=seats,
        zones=zones,
        tariffs=tariffs,
        fees=sales_settings(),
        prices=None,
        payments=payments or [],
        channel=channel,
        actor=actor,
        allow_pending=allow_pending,
        extras=extra_lines,
        cash_session_id=cash_session_id,
        marketing_ref=marketing_ref,
        promo_codes=promo_codes,
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
    extras: dict[int, int] | None = None,
    cash_session_id: int | None = None,
    terms: OrderTerms | None = None,
    marketing_ref: str = "",
    promo_codes: list[str] | None = None,
) -> Order:
    """Take places straight into an order and pay it, in one transaction: the counter sale,
    an API order. Seats and standing places alike go from free to sold with one conditional
    UPDATE each; the cart this sale would have been is recorded as already confirmed.

    `prices`: the performance's prices for these tariffs when the caller has read them
    already (selectors.prices.sale_prices); read here otherwise, before any seat is locked.
    `pay_total_with`: a method paying exactly the total (the offline test provider, a card
    already authorised), when `payments` is empty. `extras`: {extra id: quantity} sold with
    the tickets. `cash_session_id`: at the counter, the desk's open cash session, which
    the payments join (refused when it is not open). `terms`: a reservation, a phone sale or
    an invitation (OrderTerms).
    """
    box_office = channel in COUNTER_CHANNELS
    inventory.validate_request(request)
    inventory.check_on_sale(performance, box_office=box_office)
    if prices is None:
        prices = price_table(performance.pk, tariffs.tariff_ids())
    extra_lines = asked_extras(performance.pk, extras or {}, public_only=not box_office)
    fees = sales_settings()
    hold = Hold(
        performance=performance,
        status=Hold.Status.CONFIRMED,
        expires_at=timezone.now() + timedelta(minutes=fees.hold_minutes),
        channel=channel,
        seat_count=len(request.seat_ids) + request.best_available,
        created_by=staff(actor),
    )
    if not payments and pay_total_with:
        payments = [PaymentSpec(pay_total_with, None)]
    if box_office:
        check_counter_methods(payments or [])
    # Standing places are priced before they are taken (their zone's category is known),
    # so that the zone's counter row is taken last.
    categories = zone_categories(performance.pk, request.zones)
    unknown = set(request.zones) - categories.keys()
    if unknown:
        raise InvalidRequest(_("Unknown zone."), field="zones", code="ticketing.unknown_zone")
    zones = [
        TakenPlaces(zone_id, categories[zone_id], quantity)
        for zone_id, quantity in sorted(request.zones.items())
    ]
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
            take_zones=True,
            hold=hold,
            performance=performance,
            contact=contact,
            buyer_postcode=_postcode_only(buyer, contact),
            seats=seats,
            zones=zones,
            tariffs=tariffs,
            fees=fees,
            prices=prices,
            payments=payments or [],
            channel=channel,
            actor=actor,
            allow_pending=allow_pending,
            extras=extra_lines,
            cash_session_id=cash_session_id,
            terms=terms,
            marketing_ref=marketing_ref,
            promo_codes=promo_codes,
        )


def _seat_with_label(seat_id: int, label: str) -> Seat:
    """The ticket's seat as far as the order needs it (other fields load if ever read)."""
    return Seat.from_db(DEFAULT_DB_ALIAS, ["id", "label"], [seat_id, label])


def price_sale(
    *,
    performance: Performance,
    seats: list[TakenSeat],
    zones: list[TakenPlaces],
    tariffs: TariffChoice,
    fees: SalesSettings,
    prices: dict[tuple[int, int], Price] | None = None,
    extras: list[tuple[Extra, int]] | None = None,
    channel: str | None = None,
) -> Quote:
    """The quote of places just taken (and extras) on `channel` (who bears the booking fee
    may depend on it); every place must have a price."""
    if prices is None:
        prices = price_table(performance.pk, tariffs.tariff_ids())
    places = places_taken(seats, zones, tariffs)
    priced = quote(performance, places, prices=prices, fees=fees, extras=extras, channel=channel)
    if not priced.priced:
        raise InvalidRequest(_("This tariff is not offered for these seats."), field="tariff")
    return priced


def new_tickets(
    priced: Quote, *, order: Order | None, performance: Performance, charge_fees: bool = True
) -> list[Ticket]:
    """One unsaved ticket per place of the quote, at its price (and fee)."""
    tickets = []
    for line in priced.lines:
        place = line.place
        for _n in range(place.quantity):
            ticket = Ticket(
                price_cents=line.price_cents,
                fee_cents=line.fee_cents if charge_fees else 0,
                venue_fee_cents=line.venue_fee_cents if charge_fees else 0,
                tax_rate_bp=line.tax_rate_bp,
                performance_zone_id=place.zone_id,
            )
            attach(ticket, order=order, performance=performance, tariff=line.price.tariff)
            if place.seat_id is not None:
                attach(ticket, seat=_seat_with_label(place.seat_id, place.label))
            tickets.append(ticket)
    return tickets


def new_order_extras(priced: Quote, *, order: Order) -> list[OrderExtra]:
    """One unsaved line per extra of the quote, at its price and VAT rate."""
    lines = []
    for line in priced.extras:
        order_extra = OrderExtra(
            quantity=line.quantity,
            unit_price_cents=line.extra.price_cents,
            tax_rate_bp=line.extra.tax_rate_bp,
        )
        attach(order_extra, order=order, extra=line.extra)
        lines.append(order_extra)
    return lines


def _write_order(
    *,
    hold: Hold,
    performance: Performance,
    contact: Contact | None,
    seats: list[TakenSeat],
    zones: list[TakenPlaces],
    tariffs: TariffChoice,
    fees: SalesSettings,
    prices: dict[tuple[int, int], Price] | None,
    payments: list[PaymentSpec],
    channel: str,
    actor,
    allow_pending: bool,
    take_zones: bool = False,
    extras: list[tuple[Extra, int]] | None = None,
    buyer_postcode: str = "",
    cash_session_id: int | None = None,
    terms: OrderTerms | None = None,
    marketing_ref: str = "",
    promo_codes: list[str] | None = None,
) -> Order:
    """The order for places just taken: the buyer's CRM record, then the order with its
    tickets, payments, audit entry and (when paid) `ticketing.order.confirmed` in one
    statement (with the cart too when `hold` is new); last, its sales-ledger entries. Paid
    when the payments cover the total; otherwise refused, unless `allow_pending`.
    `take_zones`: sell the standing places of `zones` now, just before the INSERT: a zone's
    counter row is shared by every standing buyer, so its lock is held for two statements and
    the commit. `extras` are taken last (their stock rows come after the zones in the lock
    order). `cash_session_id`: the payments join this cash session, held open (FOR SHARE)
    until the commit. `terms`: pending until `pay_by` (no payment yet), or an invitation
    (every ticket free, nothing to pay)."""
    terms = terms or OrderTerms()
    if terms.invitation and (payments or extras):
        raise InvalidRequest(
            _("An invitation is free: no payment and no extra."),
            field="payments",
            code="ticketing.invitation_not_free",
        )
    if terms.pay_by is not None:
        payments, allow_pending = [], True
    if cash_session_id is not None:
        hold_session_open(cash_session_id)
    priced = price_sale(
        performance=performance,
        seats=seats,
        zones=zones,
        tariffs=tariffs,
        fees=fees,
        prices=prices,
        extras=extras,
        channel=channel,
    )
    # An invitation: the places and their tariffs as sold, at no cost (no price, no fee).
    total_cents = 0 if terms.invitation else priced.total_cents
    fee_cents = 0 if terms.invitation else priced.fee_cents
    settlement = settle_payments(
        due_cents=total_cents, payments=payments, allow_short=allow_pending
    )
    is_paid = settlement.covers(total_cents) and terms.pay_by is None
    now = timezone.now()
    order = Order(
        channel=channel,
        buyer_postcode=buyer_postcode,
        hold=hold if hold.pk else None,
        currency=fees.currency,
        sold_by=staff(actor),
        fee_cents=fee_cents,
        total_cents=total_cents,
        status=Order.Status.PAID if is_paid else Order.Status.PENDING,
        paid_at=now if is_paid else None,
        pay_by=terms.pay_by,
        invitation_reason=terms.invitation_reason,
        invited_by_id=terms.invited_by_id,
        marketing_ref=(marketing_ref or "")[:32],
    )
    attach(order, contact=contact)
    tickets = new_tickets(priced, order=order, performance=performance)
    if terms.invitation:
        for ticket in tickets:
            ticket.price_cents = ticket.fee_cents = ticket.venue_fee_cents = 0
    order_extras = new_order_extras(priced, order=order)
    event = new_order_event(
        order,
        "ticketing.order.created",
        actor,
        total_cents=total_cents,
        fee_cents=fee_cents,
        tickets=len(tickets),
        paid_cents=settlement.paid_cents,
        change_cents=settlement.change_cents,
        channel=channel,
        **({"pay_by": terms.pay_by.isoformat()} if terms.pay_by else {}),
        **({"invitation_reason": terms.invitation_reason} if terms.invitation else {}),
    )
    confirmed = (
        [
            new_confirmed_event(
                order,
                performance_ids=[performance.pk],
                tickets=len(tickets),
                actor=actor,
                promo_codes=promo_codes,
            )
        ]
        if is_paid
        else []
    )
    if take_zones:
        for zone in zones:
            inventory.sell_places(performance.pk, zone.zone_id, zone.quantity)
    if order_extras:
        inventory.take_extras([(line.extra, line.quantity) for line in priced.extras])
    new_hold = hold.pk is None
    payment_rows = new_payments(order, settlement, actor, cash_session_id)
    insert_together(
        *([Rows("h", [hold])] if new_hold else []),
        Rows("o", [order], refs={"hold": "h"} if new_hold else {}),
        Rows("t", tickets, refs={"order": "o"}),
        Rows("x", order_extras, refs={"order": "o"}),
        Rows("p", payment_rows, refs={"order": "o"}),
        Rows("a", [event], refs={"object_id": "o"}),
        Rows("e", confirmed, json_refs={"data": {"order_id": "o"}}),
    )
    if contact is not None and is_paid:  # after the INSERT: the timeline names the order's id
        crm.record_purchase(
            contact_id=contact.pk,
            order_reference=order.reference,
            tickets=len(tickets),
            amount_cents=total_cents,
            occurred_at=now,
            performance_label=str(performance),
            channel=channel,
            **crm_references(performance, order_id=order.pk),
        )
    if confirmed:
        after_publish()
    # Last: the sale's ledger entries, into the journal (numbered and chained on commit).
    ledger.append_sale(
        order=order, tickets=tickets, extras=order_extras, payments=payment_rows, actor=actor
    )
    order.issued_tickets = tickets  # (Order.tickets_in_hand: showing it costs no query)
    order.issued_extras = order_extras
    return order
