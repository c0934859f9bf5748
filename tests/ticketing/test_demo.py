import random
from collections import Counter
from datetime import timedelta

import pytest
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from crm import demo as crm_demo
from crm.models import Contact, TimelineEvent
from tests.helpers import in_venue
from ticketing import demo
from ticketing.models import (
    Hall,
    Order,
    Payment,
    Performance,
    PerformanceSeat,
    PerformanceZone,
    ProgrammeChange,
    SalesSettings,
    Seat,
    Show,
    Ticket,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _counts() -> dict[str, int]:
    return {
        "halls": Hall.objects.count(),
        "seats": Seat.objects.count(),
        "shows": Show.objects.count(),
        "performances": Performance.objects.count(),
        "orders": Order.objects.count(),
        "tickets": Ticket.objects.count(),
        "payments": Payment.objects.count(),
        "contacts": Contact.objects.count(),
        "timeline": TimelineEvent.objects.count(),
    }


def _seed(venue) -> None:
    rng = random.Random(venue.slug)
    crm_demo.seed_venue(venue, rng)
    demo.seed_venue(venue, rng)


def _check_season(*, seated_halls: int) -> None:
    now = timezone.now()
    assert Hall.objects.count() == 2
    assert Show.objects.count() >= 8
    assert Performance.objects.filter(starts_at__lt=now - timedelta(days=7)).count() >= 4
    assert Performance.objects.filter(starts_at__gt=now + timedelta(days=7)).count() >= 4
    assert Performance.objects.filter(status=Performance.Status.CANCELLED).count() == 1
    assert ProgrammeChange.objects.get(kind="cancelled").reason
    moved = ProgrammeChange.objects.get(kind="rescheduled").performance
    assert moved.doors_open_at == moved.starts_at - timedelta(minutes=30)  # doors moved too
    assert Order.objects.filter(status=Order.Status.PAID).count() >= 100
    assert Order.objects.filter(status__in=["refunded", "partially_refunded"]).exists()
    assert Order.objects.filter(contact__isnull=False).exists()
    assert Order.objects.filter(contact__isnull=True).exists()  # anonymous counter buyers
    assert set(Order.objects.values_list("channel", flat=True)) == {"web", "box_office"}
    # Past performances were sold before they happened, upcoming ones are partly sold, and
    # every sale is dated in the past.
    assert Ticket.objects.filter(status="valid", performance__starts_at__lt=now).count() >= 100
    assert not Order.objects.filter(created_at__gt=now).exists()
    assert not Ticket.objects.filter(
        status="valid", order__created_at__gt=F("performance__starts_at")
    ).exists()
    upcoming = Performance.objects.filter(starts_at__gt=now, status="on_sale")
    assert all(0 < sold <= 0.85 * cap for sold, cap in _fill(upcoming))
    # crm heard of each identified purchase once, at the sale's date (crm's demo adds the
    # history of earlier seasons, imported without ticketing orders).
    purchases = TimelineEvent.objects.filter(code="ticketing.purchase", order_id__isnull=False)
    assert dict(purchases.values_list("dedupe_key", "occurred_at")) == dict(
        Order.objects.filter(contact__isnull=False).values_list("reference", "paid_at")
    )
    assert Seat.objects.filter(wheelchair=True).exists() == bool(seated_halls)


def _fill(performances):
    for p in performances:
        seats = PerformanceSeat.objects.filter(performance=p).exclude(status="blocked")
        zones = PerformanceZone.objects.filter(performance=p)
        sold = seats.filter(status="sold").count() + sum(z.sold for z in zones)
        yield sold, seats.count() + sum(z.capacity for z in zones)


def _check_books() -> None:
    # No seat sold twice, and the inventory agrees with the valid tickets.
    assert not (
        Ticket.objects.filter(status="valid", seat__isnull=False)
        .values("performance", "seat")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .exists()
    )
    for p in Performance.objects.all():
        sold_seats = PerformanceSeat.objects.filter(performance=p, status="sold").count()
        valid_seats = Ticket.objects.filter(performance=p, status="valid", seat__isnull=False)
        assert sold_seats == valid_seats.count(), p
        for zone in PerformanceZone.objects.filter(performance=p):
            assert zone.held == 0
            assert zone.sold == Ticket.objects.filter(performance_zone=zone, status="valid").count()
    # Every order's total is its tickets plus fees (an exchanged ticket's price moved to its
    # replacement, its fee stays paid), and the money taken matches.
    for order in Order.objects.prefetch_related("payments").annotate(
        price=Sum("tickets__price_cents", filter=~Q(tickets__status="exchanged"), default=0),
        fees=Sum("tickets__fee_cents", default=0),
    ):
        assert order.total_cents == order.price + order.fees, order
        assert order.fee_cents == order.fees, order
        paid = sum(p.amount_cents for p in order.payments.all())
        assert paid == order.total_cents - order.refunded_cents, order


def test_theatre_season_is_seeded_once(venue_a):
    with in_venue(venue_a):
        _seed(venue_a)
        first = _counts()
        settings = SalesSettings.current()
        assert (settings.fee_cents, settings.hold_minutes) == (50, 10)
        assert not settings.single_price_mode
        assert Seat.objects.filter(restricted_view=True).count() >= 2
        assert Order.objects.filter(tickets__status="exchanged").distinct().count() == 1
        assert Ticket.objects.filter(fee_cents=50).exists()
        # Its invitations say why, so every report counts them apart, never in revenue.
        invitations = Order.objects.exclude(invitation_reason="")
        assert invitations.exists() and not invitations.exclude(total_cents=0).exists()
        _check_season(seated_halls=2)
        _check_books()
        # The base shows meaningful behaviour: each automatic criterion has its contacts.
        criteria = Counter(
            c for row in Contact.objects.values_list("criteria", flat=True) for c in row
        )
        print("demo criteria:", dict(criteria))
        assert {"first_timer", "regular", "lapsed", "relay", "prospect"} <= set(criteria)
        assert criteria["first_timer"] >= 10 and criteria["lapsed"] >= 10
        assert TimelineEvent.objects.filter(code="ticketing.attendance").count() >= 100

        _seed(venue_a)
        assert _counts() == first


def test_music_season_uses_a_single_price(venue_b):
    venue_b.slug = "lanterne"  # in memory only: picks the music venue's season
    with in_venue(venue_b):
        _seed(venue_b)
        assert SalesSettings.current().single_price_mode
        assert set(Ticket.objects.values_list("tariff__code", flat=True)) == {"unique"}
        assert PerformanceZone.objects.filter(zone__name="Fosse", sold__gt=0).exists()
        _check_season(seated_halls=0)
        _check_books()
