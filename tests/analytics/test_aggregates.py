"""The sales aggregates: fed by ticketing's events once per event, equal to a rebuild from
ticketing's tables, and equal to the orders and tickets counted independently, to the unit
(and to the receipts statements, which count the same things)."""

from collections import defaultdict

import pytest
from django.db import connection

from analytics.models import LeadTime, PerformanceSales, SalesFact, TypicalCurve
from analytics.services import CONSUMER, rebuild_sales_aggregates, refresh_typical_curve
from tenants.events.models import ConsumerReceipt, Event
from tenants.events.services.dispatch import dispatch_pending
from tests.helpers import in_venue
from ticketing.models import Order, Ticket
from ticketing.selectors.statements import performance_statement

from .conftest import sell_scenario

pytestmark = pytest.mark.django_db
PAID = ("paid", "partially_refunded", "refunded")


def snapshot() -> dict:
    facts = sorted(
        SalesFact.objects.exclude(tickets=0, revenue_cents=0, orders=0).values_list(
            "performance_id",
            "day",
            "channel",
            "tariff_id",
            "category_id",
            "promo_code",
            "movement",
            "invitation",
            "invitation_reason",
            "tickets",
            "orders",
            "revenue_cents",
            "fee_cents",
            "venue_fee_cents",
        )
    )
    lead = sorted(
        LeadTime.objects.exclude(tickets=0).values_list("performance_id", "days_before", "tickets")
    )
    perfs = sorted(
        PerformanceSales.objects.values_list(
            "performance_id",
            "season",
            "capacity",
            "tickets",
            "web_tickets",
            "orders",
            "revenue_cents",
            "fee_cents",
            "venue_fee_cents",
            "invitations",
            "refunded",
            "exchanged_out",
            "exchanged_in",
        )
    )
    return {"facts": facts, "lead": lead, "performances": perfs}


def independent() -> dict[int, dict]:
    """Per performance, counted in Python over tickets and orders (not analytics' SQL)."""
    out: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    first = {}
    for t in Ticket.objects.order_by("pk").select_related("order"):
        first.setdefault(t.order_id, t)
        if t.order.status not in PAID or t.status != "valid":
            continue
        p = out[t.performance_id]
        if t.order.invitation_reason:
            p["invitations"] += 1
            continue
        p["tickets"] += 1
        p["revenue"] += t.price_cents
        p["fees"] += t.fee_cents
        p["venue_fees"] += t.venue_fee_cents
        p["web"] += t.order.channel == "web"
    for order in Order.objects.filter(status__in=PAID, invitation_reason=""):
        if order.pk in first:
            out[first[order.pk].performance_id]["orders"] += 1
    return out


def check_against_orders():
    expected = independent()
    for row in PerformanceSales.objects.all():
        e = expected.get(row.performance_id, {})
        assert row.tickets == e.get("tickets", 0)
        assert row.revenue_cents == e.get("revenue", 0)
        assert row.fee_cents == e.get("fees", 0)
        assert row.venue_fee_cents == e.get("venue_fees", 0)
        assert row.web_tickets == e.get("web", 0)
        assert row.invitations == e.get("invitations", 0)
        assert row.orders == e.get("orders", 0)
        facts = SalesFact.objects.filter(performance_id=row.performance_id)
        assert sum(f.tickets for f in facts if not f.invitation) == row.tickets
        assert sum(f.revenue_cents for f in facts) == row.revenue_cents
        assert sum(f.tickets for f in facts if f.invitation) == row.invitations
        lead = LeadTime.objects.filter(performance_id=row.performance_id)
        assert sum(x.tickets for x in lead) == row.tickets
    assert set(expected) <= set(PerformanceSales.objects.values_list("performance_id", flat=True))


def test_events_feed_the_aggregates_to_the_unit(venue_a, season):
    main, other, _made = season
    with in_venue(venue_a):
        dispatch_pending()
        check_against_orders()
        a = PerformanceSales.objects.get(performance_id=main.pk)
        # A1+A2 at 25 € (A1 refunded), A3 reduced online, 2 standing + A4 (exchanged away),
        # two invitations.
        assert (a.tickets, a.refunded, a.exchanged_out, a.invitations) == (4, 1, 1, 2)
        assert a.web_tickets == 3 and a.orders == 3
        b = PerformanceSales.objects.get(performance_id=other.pk)
        assert (b.tickets, b.exchanged_in, b.orders) == (1, 1, 0)
        # The receipts statement of each performance says the same.
        for performance, row in ((main, a), (other, b)):
            totals = performance_statement(performance).totals
            assert totals["tickets"] == row.tickets
            assert totals["ticket_revenue_cents"] == row.revenue_cents
            assert totals["fees_spectators_cents"] == row.fee_cents
            assert totals["fees_venue_cents"] == row.venue_fee_cents
        promo = SalesFact.objects.filter(promo_code="AMIS", movement="sale")
        assert sum(f.tickets for f in promo) == 3 and sum(f.orders for f in promo) == 1
        assert PerformanceSales.objects.get(performance_id=main.pk).capacity == 70


def test_incremental_equals_rebuilt(venue_a, season):
    with in_venue(venue_a):
        dispatch_pending()
        incremental = snapshot()
        rebuild_sales_aggregates()
        assert snapshot() == incremental
        check_against_orders()


def test_each_event_counts_once(venue_a, season):
    with in_venue(venue_a):
        dispatch_pending()
        before = snapshot()
        handled = ConsumerReceipt.objects.filter(consumer=CONSUMER).count()
        assert handled >= 7
        # Delivered again (a crash before `dispatched_at` was written): the receipt holds.
        Event.objects.update(dispatched_at=None)
        dispatch_pending()
        assert snapshot() == before
        assert ConsumerReceipt.objects.filter(consumer=CONSUMER).count() == handled


def test_a_rebuild_while_events_wait_counts_them_once(venue_a, season):
    """Events not yet dispatched when the rebuild reads the tickets: it counts their tickets
    and takes their receipts, so the dispatcher does not add them again."""
    _main, _other, _made = season
    with in_venue(venue_a):
        rebuild_sales_aggregates()  # nothing dispatched yet
        rebuilt = snapshot()
        dispatch_pending()
        assert snapshot() == rebuilt
        check_against_orders()
        # Later sales come through the consumer as usual.
        sell_more = Order.objects.count()
        from tests.ticketing.conftest import build_performance

        third = build_performance(name="Salle Copeau", starts_in_days=40)
        fourth = build_performance(name="Salle Dullin", starts_in_days=50)
        sell_scenario(third, fourth)
        assert Order.objects.count() > sell_more
        dispatch_pending()
        check_against_orders()


def test_the_typical_curve_is_the_median_share_sold_by_each_day(venue_a, season):
    _main, _other, _made = season
    with in_venue(venue_a):
        dispatch_pending()
        from datetime import timedelta

        from django.utils import timezone

        # Both performances are "past" a year from now: everything was sold 20 and 30 days
        # ahead, so at J−25 the median of (0 %, 100 %) is 50 %.
        refresh_typical_curve(now=timezone.now() + timedelta(days=365))
        curve = dict(TypicalCurve.objects.values_list("days_before", "share"))
        assert curve[0] == 1.0 and curve[19] == 1.0
        assert curve[25] == pytest.approx(0.5)
        assert curve[31] == 0.0


def test_aggregates_stay_in_their_venue(venue_a, venue_b, season):
    with in_venue(venue_a):
        dispatch_pending()
        assert PerformanceSales.objects.exists()
    with in_venue(venue_b):
        dispatch_pending()
        assert connection.schema_name == venue_b.schema_name
        assert not SalesFact.objects.exists() and not PerformanceSales.objects.exists()
        rebuild_sales_aggregates()
        assert not SalesFact.objects.exists()


def test_a_rescheduled_performance_moves_its_curve_and_a_cancelled_one_leaves_the_fill(
    venue_a, season
):
    from datetime import timedelta

    from ticketing.services import programme

    main, other, _made = season
    with in_venue(venue_a):
        dispatch_pending()
        before = dict(
            LeadTime.objects.filter(performance_id=main.pk).values_list("days_before", "tickets")
        )
        programme.reschedule_performance(
            performance=main, starts_at=main.starts_at + timedelta(days=7)
        )
        programme.cancel_performance(performance=other)
        dispatch_pending()
        after = dict(
            LeadTime.objects.filter(performance_id=main.pk).values_list("days_before", "tickets")
        )
        assert after == {days + 7: n for days, n in before.items()}
        assert PerformanceSales.objects.get(performance_id=other.pk).cancelled
        snapshot_now = snapshot()
        rebuild_sales_aggregates()
        assert snapshot() == snapshot_now
