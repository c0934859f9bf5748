"""selectors.quote, the amounts both carts show (box office and storefront), against what
orders.sell actually charges for the same places; and the box-office reads in selectors."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.helpers import in_venue
from tests.ticketing.conftest import build_performance
from ticketing import selectors
from ticketing.errors import InvalidRequest
from ticketing.models import Price, Seat, Tariff
from ticketing.selectors import Place
from ticketing.services import orders, programme
from ticketing.services.inventory import HoldRequest
from ticketing.services.orders import TariffChoice

pytestmark = pytest.mark.django_db

# (seats as (label, tariff code), standing places, tariff code of the standing places,
# fee in cents, fee in basis points). build_performance: rows A-B are Cat. 1 (25 € / 15 €),
# rows C-E and the standing zone Cat. 2 (18 € / 10 €).
CARTS = {
    "two categories, fee in amount": (
        [("A1", "plein"), ("A2", "reduit"), ("C5", "plein")],
        0,
        "",
        50,
        0,
    ),
    "reduced seats, fee in percent": ([("B3", "reduit"), ("E10", "reduit")], 0, "", 0, 750),
    "standing places only": ([], 3, "reduit", 35, 0),
    "seats and standing, both fees": ([("A4", "plein"), ("D2", "reduit")], 2, "plein", 40, 333),
    "an invitation pays no fee": ([("A5", "invitation"), ("A6", "plein")], 1, "plein", 50, 250),
}


def _places(performance, seats, standing, standing_tariff):
    """The same cart twice: as Places to quote and as what orders.sell takes."""
    tariffs = {t.code: t.pk for t in Tariff.objects.all()}
    ids = {s.label: s for s in Seat.objects.filter(section__layout=performance.layout)}
    categories = {
        ps.seat_id: ps.category_id for ps in performance.seat_states.filter(seat__in=ids.values())
    }
    places = [
        Place(categories[ids[label].pk], tariffs[code], label=label, seat_id=ids[label].pk)
        for label, code in seats
    ]
    zones = {}
    default = tariffs[seats[0][1]] if seats else None
    if standing:
        zone = performance.zone_states.get()
        default = tariffs[standing_tariff]
        zones = {zone.pk: standing}
        places.append(Place(zone.category_id, default, standing, zone.zone.name, zone_id=zone.pk))
    choice = TariffChoice(
        default=default, seats={ids[label].pk: tariffs[code] for label, code in seats}
    )
    return (
        places,
        HoldRequest(seat_ids=[p.seat_id for p in places if p.seat_id], zones=zones),
        choice,
    )


@pytest.mark.parametrize("cart", CARTS.values(), ids=CARTS.keys())
def test_the_quote_is_what_the_sale_charges(venue_a, cart):
    seats, standing, standing_tariff, fee_cents, fee_bp = cart
    with in_venue(venue_a):
        performance = build_performance()
        Price.objects.create(
            category=performance.categories.get(name="Cat. 1"),
            tariff=Tariff.objects.get(code="invitation"),
            amount_cents=0,
        )
        programme.update_sales_settings(fee_cents=fee_cents, fee_percent_bp=fee_bp)
        places, request, tariffs = _places(performance, seats, standing, standing_tariff)

        quote = selectors.quote(performance, places)
        order = orders.sell(
            performance=performance, request=request, tariffs=tariffs, allow_pending=True
        )

        assert quote.priced
        tickets = list(order.tickets.all())
        assert len(tickets) == sum(p.quantity for p in places)
        assert (quote.total_cents, quote.fee_cents) == (order.total_cents, order.fee_cents)
        assert quote.subtotal_cents == sum(t.price_cents for t in tickets)
        quoted = sorted(
            (line.price_cents, line.fee_cents, line.tax_rate_bp, line.price.tariff_id)
            for line in quote.lines
            for _ in range(line.place.quantity)
        )
        sold = sorted((t.price_cents, t.fee_cents, t.tax_rate_bp, t.tariff_id) for t in tickets)
        assert quoted == sold
        assert quote.fee_cents > 0  # every cart here has a paying place and a fee


def test_a_fee_in_percent_is_rounded_per_ticket_as_the_sale_does(venue_a):
    with in_venue(venue_a):
        performance = build_performance()
        programme.update_sales_settings(fee_cents=0, fee_percent_bp=333)  # 3.33 %
        places, request, tariffs = _places(performance, [("A1", "reduit")], 0, "")
        quote = selectors.quote(performance, places)
        assert quote.lines[0].fee_cents == 50  # 1500 × 3.33 % = 49.95 → 50
        order = orders.sell(
            performance=performance, request=request, tariffs=tariffs, allow_pending=True
        )
        assert order.fee_cents == 50 and order.total_cents == quote.total_cents == 1550


@pytest.mark.parametrize("inactive", [False, True], ids=["no price", "inactive tariff"])
def test_a_tariff_not_offered_is_unpriced_in_the_quote_and_refused_by_the_sale(venue_a, inactive):
    with in_venue(venue_a):
        performance = build_performance()
        # "pro" has no price at this performance; "reduit" has one, but may be withdrawn.
        seats = [("A1", "plein"), ("A2", "reduit" if inactive else "pro")]
        places, request, tariffs = _places(performance, seats, 0, "")
        if inactive:
            Tariff.objects.filter(code="reduit").update(is_active=False)
        quote = selectors.quote(performance, places)
        assert not quote.priced
        assert [line.price is None for line in quote.lines] == [False, True]
        with pytest.raises(InvalidRequest):
            orders.sell(performance=performance, request=request, tariffs=tariffs)


def test_a_quote_from_a_price_table_reads_nothing(venue_a):
    with in_venue(venue_a):
        performance = build_performance()
        places, _request, _tariffs = _places(performance, [("A1", "plein")], 4, "reduit")
        prices = selectors.price_table(performance.pk)
        fees = selectors.sales_settings()
        with CaptureQueriesContext(connection) as queries:
            quote = selectors.quote(performance, places, prices=prices, fees=fees)
        assert len(queries) == 0
        assert quote.subtotal_cents == 2500 + 4 * 1000


def _count_queries(work) -> int:
    with CaptureQueriesContext(connection) as queries:
        work()
    return len(queries)


def test_the_sale_context_query_count_does_not_grow_with_the_hall(venue_a):
    with in_venue(venue_a):
        small = build_performance(rows=2, seats_per_row=4, name="Petite salle")
        large = build_performance(rows=5, seats_per_row=30, name="Grande salle")
        selectors.sale_context(small)  # settings read once, as for any later request
        assert _count_queries(lambda: selectors.sale_context(small)) == _count_queries(
            lambda: selectors.sale_context(large)
        )
        context = selectors.sale_context(large)
        assert sum(c.free for c in context.categories) == 150
        assert [c.price(context.default_tariff_id).amount_cents for c in context.categories] == [
            2500,
            1800,
        ]


def test_the_board_query_count_does_not_grow_with_performances(venue_a):
    with in_venue(venue_a):
        first = build_performance()
        one = _count_queries(lambda: selectors.box_office_board([first]))
        more = [first, *(build_performance(name=f"Salle {i}") for i in range(3))]
        assert _count_queries(lambda: selectors.box_office_board(more)) == one
        assert [c["free"] for c in more[-1].availability] == [20, 50]
