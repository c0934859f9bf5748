"""Zero oversell, zero double sale, no confirmation after expiry, under real contention.

Each test runs real concurrent connections (threads, each with its own PostgreSQL session,
autocommit) on committed data in a fixture venue, and first shows the race really happens
when the protection is taken out (the `unsafe` fixture patches in, from here, a variant of
the one inventory function that decides — read, check in Python, write), so it cannot pass
by luck.
"""

import time
from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from tests.helpers import committed, run_together
from tests.ticketing.conftest import build_performance
from ticketing.errors import HoldExpired, NotEnoughPlaces, SeatsUnavailable
from ticketing.models import (
    Hold,
    Order,
    Performance,
    PerformanceSeat,
    PerformanceZone,
    Seat,
    Tariff,
    Ticket,
)
from ticketing.services import inventory, orders
from ticketing.services.inventory import seats, zones
from ticketing.specs import HoldRequest, TakenPlaces, TakenSeat, TariffChoice

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
THREADS = 8


def _cleanup(performance_id: int) -> None:
    performance = Performance.objects.select_related("layout__hall", "show").get(pk=performance_id)
    Order.objects.filter(tickets__performance_id=performance_id).delete()
    Order.objects.filter(hold__performance_id=performance_id).delete()
    PerformanceSeat.objects.filter(performance_id=performance_id).delete()
    PerformanceZone.objects.filter(performance_id=performance_id).delete()
    performance.delete()
    performance.show.delete()
    performance.layout.hall.delete()
    # And what building and selling it made on first use (default tariffs, the sales
    # settings, the ticket signing key): the venue as it was seeded.
    from tests.browser.test_storefront_journey import _wipe_committed_ticketing

    _wipe_committed_ticketing()


@pytest.fixture
def rush(venue_a):
    """A committed performance (5 rows × 10 seats, a 20-place standing zone)."""
    performance = committed(venue_a, lambda: build_performance(name="Salle du rush"))
    yield venue_a, performance
    committed(venue_a, lambda: _cleanup(performance.pk))


WINDOW = 0.01  # the gap a check-then-write leaves open under real load


def _take_seats_unsafely(performance_id, seat_ids, *, hold, allow_allocated=False):
    rows = list(
        PerformanceSeat.objects.filter(
            performance_id=performance_id, seat_id__in=seat_ids
        ).select_related("seat")
    )
    now = timezone.now()
    if not all(
        ps.status == PerformanceSeat.Status.AVAILABLE
        or (ps.status == PerformanceSeat.Status.HELD and ps.hold_expires_at <= now)
        for ps in rows
    ):
        raise SeatsUnavailable()
    time.sleep(WINDOW)
    PerformanceSeat.objects.filter(pk__in=[ps.pk for ps in rows]).update(
        status=PerformanceSeat.Status.HELD, hold=hold, hold_expires_at=hold.expires_at
    )
    return [TakenSeat(ps.seat_id, ps.category_id, ps.seat.label) for ps in rows]


def _try_take_places_unsafely(counter, performance_id, zone_id, quantity):
    zone = PerformanceZone.objects.get(pk=zone_id, performance_id=performance_id)
    if zone.held + zone.sold + quantity > zone.capacity:
        return None
    time.sleep(WINDOW)
    PerformanceZone.objects.filter(pk=zone_id).update(
        **{counter: getattr(zone, counter) + quantity}
    )
    return TakenPlaces(zone_id, zone.category_id, quantity)


def _claim_hold_unsafely(hold):
    """Claims the cart's seats without looking at its clock (nor at who holds them now)."""
    rows = list(PerformanceSeat.objects.filter(hold=hold).select_related("seat"))
    time.sleep(WINDOW)
    PerformanceSeat.objects.filter(pk__in=[ps.pk for ps in rows]).update(
        status=PerformanceSeat.Status.SOLD, hold=None, hold_expires_at=None
    )
    Hold.objects.filter(pk=hold.pk).update(status=Hold.Status.CONFIRMED)
    return [TakenSeat(ps.seat_id, ps.category_id, ps.seat.label) for ps in rows], []


@pytest.fixture
def unsafe(monkeypatch):
    """The inventory without its protection: each deciding function swapped for a
    read-check-write variant (the seat and zone takers, the cart claim)."""
    monkeypatch.setattr(seats, "take_seats", _take_seats_unsafely)
    monkeypatch.setattr(zones, "try_take", _try_take_places_unsafely)
    monkeypatch.setattr(inventory, "claim_hold", _claim_hold_unsafely)


def _try(fn):
    try:
        return fn()
    except (SeatsUnavailable, NotEnoughPlaces, HoldExpired):
        return None


def _hold_same_seats(venue, performance) -> int:
    a1, a2 = committed(
        venue,
        lambda: list(
            Seat.objects.filter(
                section__layout_id=performance.layout_id, label__in=["A1", "A2"]
            ).values_list("id", flat=True)
        ),
    )
    holds = run_together(
        venue,
        lambda _i: _try(
            lambda: inventory.create_hold(
                performance=performance, request=HoldRequest(seat_ids=[a1, a2])
            )
        ),
        threads=THREADS,
    )
    return sum(h is not None for h in holds)


def test_without_protection_two_buyers_get_the_same_seats(rush, unsafe):
    venue, performance = rush
    assert _hold_same_seats(venue, performance) > 1


def test_the_same_seats_are_held_once_under_contention(rush):
    venue, performance = rush
    assert _hold_same_seats(venue, performance) == 1


def _rush_zone(venue, performance, *, per_buyer: int = 3, buyers: int = 12) -> tuple[int, int]:
    zone_id = committed(venue, lambda: PerformanceZone.objects.get(performance=performance).pk)
    holds = run_together(
        venue,
        lambda _i: _try(
            lambda: inventory.create_hold(
                performance=performance, request=HoldRequest(zones={zone_id: per_buyer})
            )
        ),
        threads=buyers,
    )
    granted = per_buyer * sum(h is not None for h in holds)
    counted = committed(venue, lambda: PerformanceZone.objects.get(pk=zone_id).held)
    return granted, counted


def test_without_protection_general_admission_oversells(rush, unsafe):
    venue, performance = rush
    granted, _counted = _rush_zone(venue, performance)
    assert granted > 20  # more places handed out than the zone holds


def test_general_admission_never_exceeds_capacity(rush):
    venue, performance = rush
    granted, counted = _rush_zone(venue, performance)
    assert granted == counted <= 20
    assert granted == 18  # 6 buyers of 3 fit, the 7th would need 21


def _sell_everything(venue, performance) -> None:
    plein = committed(venue, lambda: Tariff.objects.get(code="plein").pk)

    def buyer(i: int) -> int:
        bought = 0
        while True:
            try:
                orders.sell(
                    performance=performance,
                    channel="web",
                    request=HoldRequest(best_available=1 + i % 3),
                    tariffs=TariffChoice(plein),
                    pay_total_with="offline_test",
                )
                bought += 1
            except NotEnoughPlaces:
                if i % 3 == 0:
                    return bought
                i = 0  # fewer seats left than wanted: ask for one at a time
            except SeatsUnavailable:
                continue

    run_together(venue, buyer, threads=THREADS)


def test_a_full_rush_sells_every_seat_exactly_once(rush):
    venue, performance = rush
    _sell_everything(venue, performance)

    def check():
        sold = PerformanceSeat.objects.filter(performance=performance, status="sold").count()
        valid = Ticket.objects.filter(performance=performance, status="valid", seat__isnull=False)
        per_seat = valid.values("seat_id").annotate(n=Count("id")).filter(n__gt=1)
        return sold, valid.count(), per_seat.count()

    sold, tickets, doubles = committed(venue, check)
    assert (sold, tickets, doubles) == (50, 50, 0)


def _expiry_race(venue, performance, rounds: int = 15) -> int:
    """A buyer confirms just as their cart expires while another takes the same seat.
    Returns how many rounds both 'won' (the seat sold and held by someone else)."""
    plein = committed(venue, lambda: Tariff.objects.get(code="plein").pk)
    seats = committed(
        venue,
        lambda: list(
            Seat.objects.filter(section__layout_id=performance.layout_id)
            .order_by("id")
            .values_list("id", flat=True)
        ),
    )
    both = 0
    for n in range(rounds):
        seat = seats[n]
        hold = committed(
            venue,
            lambda seat=seat: inventory.create_hold(
                performance=performance, request=HoldRequest(seat_ids=[seat])
            ),
        )
        expiry = timezone.now() - timedelta(milliseconds=1)

        def expire(hold=hold, expiry=expiry):
            Hold.objects.filter(pk=hold.pk).update(expires_at=expiry)
            PerformanceSeat.objects.filter(hold=hold).update(hold_expires_at=expiry)

        committed(venue, expire)

        def act(i, hold=hold, seat=seat):
            if i == 0:
                return _try(
                    lambda: orders.confirm_order(
                        hold_token=hold.token,
                        tariffs=TariffChoice(plein),
                        pay_total_with="offline_test",
                    )
                )
            return _try(
                lambda: inventory.create_hold(
                    performance=performance, request=HoldRequest(seat_ids=[seat])
                )
            )

        confirmed, taken = run_together(venue, act, threads=2)
        both += confirmed is not None and taken is not None
    return both


def test_without_protection_an_expired_cart_is_confirmed_over_a_new_buyer(rush, unsafe):
    venue, performance = rush
    assert _expiry_race(venue, performance) > 0


def test_an_expired_cart_is_never_confirmed(rush):
    venue, performance = rush
    assert _expiry_race(venue, performance) == 0
