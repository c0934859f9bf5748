"""The sale's one hand-written INSERT (ticketing/services/orders/writer.py) writes, row by row
and field by field, what the ORM would have written for the same instances."""

import copy

import pytest
from django.apps import apps
from django.db import transaction

from tenants.accounts.models import AuditEvent
from tests.helpers import in_venue
from ticketing.models import Hold, Order, Payment, PerformanceZone, Ticket
from ticketing.services import orders
from ticketing.services.orders import writer
from ticketing.services.orders.history import new_order_event
from ticketing.services.orders.payments import Settlement, new_payments
from ticketing.services.orders.sale import new_tickets, price_sale
from ticketing.specs import HoldRequest, PaymentSpec, TakenPlaces, TakenSeat, TariffChoice

pytestmark = pytest.mark.django_db


def test_the_writer_knows_every_field_of_the_models_it_writes():
    """A field added to Order, Ticket… fails here until someone checks that the writer's
    way (every concrete field, prepared as Django's INSERT compiler does) writes it right."""
    for label, known in writer.WRITTEN_FIELDS.items():
        model = apps.get_model(label)
        assert tuple(f.name for f in writer.insert_fields(model)) == known, label


def _sale_rows(performance, plein, *, zone=None, user=None):
    """A cart, an order, its tickets, payments and history row, unsaved, as a sale builds
    them (two seats or, with `zone`, three standing places)."""
    from ticketing.selectors.prices import sales_settings

    settings = sales_settings()
    if zone is None:
        seats = list(performance.seat_states.select_related("seat")[:2])
        taken = [TakenSeat(s.seat_id, s.category_id, s.seat.label) for s in seats]
        places = []
    else:
        taken, places = [], [TakenPlaces(zone.pk, zone.category_id, 3)]
    priced = price_sale(
        performance=performance,
        seats=taken,
        zones=places,
        tariffs=TariffChoice(plein.pk),
        fees=settings,
    )
    hold = Hold(
        performance=performance,
        status=Hold.Status.CONFIRMED,
        expires_at=performance.starts_at,
        seat_count=len(taken),
        created_by=user,
    )
    order = Order(
        channel="api",
        currency="EUR",
        total_cents=priced.total_cents,
        fee_cents=priced.fee_cents,
        status=Order.Status.PAID,
        paid_at=performance.starts_at,
        sold_by=user,
    )
    tickets = new_tickets(priced, order=order, performance=performance)
    settlement = Settlement(
        [PaymentSpec("cash", priced.total_cents - 100), PaymentSpec("cheque", 100, "n°12")],
        change_cents=250,
        paid_cents=priced.total_cents,
    )
    payments = new_payments(order, settlement, user)
    event = new_order_event(order, "ticketing.order.created", user, total_cents=1, channel="api")
    return hold, order, tickets, payments, event


def _values(obj, related: dict) -> dict:
    """Every concrete field's value as stored, the new rows' own ids replaced by names."""
    out = {}
    for f in type(obj)._meta.concrete_fields:
        if f.primary_key:
            continue
        value = getattr(obj, f.attname)
        pointer = f.is_relation or f.name == "object_id"
        out[f.name] = related.get((f.name, value), value) if pointer else value
    return out


def _read_back(hold, order, tickets, payments, event) -> list[dict]:
    fresh_order = Order.objects.get(pk=order.pk)
    related = {
        ("hold", hold.pk): "<hold>",
        ("order", order.pk): "<order>",
        ("object_id", order.pk): "<order>",
    }
    rows = [
        _values(Hold.objects.get(pk=hold.pk), related),
        _values(fresh_order, related),
        *(_values(t, related) for t in Ticket.objects.filter(order=order).order_by("id")),
        *(_values(p, related) for p in Payment.objects.filter(order=order).order_by("id")),
        *(
            _values(e, related)
            for e in AuditEvent.objects.filter(object_type="ticketing.order", object_id=order.pk)
        ),
    ]
    return rows


@pytest.mark.parametrize("standing", [False, True])
def test_the_one_statement_writes_what_the_orm_writes(
    venue_a, performance, plein, make_staff, standing
):
    from tenants.accounts.models import User

    user = make_staff(venue_a, User.Role.BOX_OFFICE)
    with in_venue(venue_a):
        zone = PerformanceZone.objects.get(performance=performance) if standing else None
        hold, order, tickets, payments, event = _sale_rows(performance, plein, zone=zone, user=user)
        # The same instances, written the ORM's way (defaults, auto_now_add included) …
        orm = copy.deepcopy((hold, order, tickets, payments, event))
        with transaction.atomic():
            o_hold, o_order, o_tickets, o_payments, o_event = orm
            o_hold.save()
            o_order.hold = o_hold
            o_order.save()
            for row in (*o_tickets, *o_payments):
                row.order = o_order
            o_event.object_id = o_order.pk
            Ticket.objects.bulk_create(o_tickets)
            Payment.objects.bulk_create(o_payments)
            o_event.save()
            by_orm = _read_back(o_hold, o_order, o_tickets, o_payments, o_event)
            transaction.set_rollback(True)
        # … and by the writer, in one statement.
        writer.insert_together(
            writer.Rows("h", [hold]),
            writer.Rows("o", [order], refs={"hold": "h"}),
            writer.Rows("t", tickets, refs={"order": "o"}),
            writer.Rows("p", payments, refs={"order": "o"}),
            writer.Rows("a", [event], refs={"object_id": "o"}),
        )
        by_writer = _read_back(hold, order, tickets, payments, event)
        # auto_now_add stamps the time of each write: the only fields allowed to differ.
        for rows in (by_orm, by_writer):
            for row in rows:
                row.pop("created_at", None)
        assert by_writer == by_orm
        # The instances handed back carry their new ids and point at each other.
        assert order.hold_id == hold.pk and all(t.order_id == order.pk for t in tickets)
        assert all(p.order_id == order.pk for p in payments) and event.object_id == order.pk


def test_a_sale_hands_back_its_tickets_as_written(venue_a, performance, plein):
    with in_venue(venue_a):
        zone = PerformanceZone.objects.get(performance=performance)
        order = orders.sell(
            performance=performance,
            request=HoldRequest(best_available=2, zones={zone.pk: 1}),
            tariffs=TariffChoice(plein.pk),
            payments=[PaymentSpec("cash", 10_000)],
        )
        in_hand = order.tickets_in_hand()
        stored = list(Ticket.objects.filter(order=order).order_by("id"))
        assert [t.pk for t in in_hand] == [t.pk for t in stored]
        for mine, row in zip(in_hand, stored, strict=True):
            for f in Ticket._meta.concrete_fields:
                assert getattr(mine, f.attname) == getattr(row, f.attname), f.name
        cash = Payment.objects.get(order=order)
        assert cash.amount_cents == order.total_cents
        assert cash.change_cents == 10_000 - order.total_cents
