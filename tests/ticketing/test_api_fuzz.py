"""Generated bodies for every write endpoint of the API (Hypothesis): valid ids of a real
performance mixed with junk (huge and negative numbers, NUL bytes and lone surrogates, long
strings, wrong types, nesting, unknown keys). Whatever is sent: never a 5xx, every 4xx is
JSON with a `code`, and the database still adds up afterwards:

- a performance's sold seats are its valid seat tickets;
- a standing zone's `sold` is its valid tickets, its `held` the places of its active carts;
- a paid (or refunded) order's succeeded payments are its total less what was refunded.

Every example runs in the test's transaction, on the state the previous ones left."""

import json
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.db.models import Count, Sum
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.helpers import in_venue
from tests.ticketing.conftest import build_performance
from ticketing.models import (
    Hold,
    HoldZoneItem,
    Order,
    Payment,
    PerformanceSeat,
    PerformanceZone,
    Seat,
    Tariff,
    Ticket,
)
from ticketing.services import inventory, orders
from ticketing.specs import HoldRequest, PaymentSpec, TariffChoice

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=60,
    deadline=None,
    # The fixtures (venue, performances, orders) are made once per test on purpose: every
    # example runs on the state the previous ones left, and the invariants must still hold.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)


@dataclass
class World:
    api: object
    venue: object
    performances: list[int]
    seats: list[int]
    categories: list[int]
    zones: list[int]
    holds: list[str]
    references: list[str]
    tickets: list[int]
    free: list[int]  # free seats of the first performance (rows C and D)
    sold: dict[str, list[int]]  # paid order → its tickets
    pending: str


def seeded(*examples):
    """Valid requests tried first, so that every endpoint really changes something."""

    def decorate(test):
        for values in reversed(examples):
            test = example(**values)(test)
        return test

    return decorate


@pytest.fixture
def world(api, venue_a, performance) -> World:
    with in_venue(venue_a):
        other = build_performance(name="Salle B", starts_in_days=40)
        plein = Tariff.objects.get(code="plein").pk
        seats = list(
            Seat.objects.filter(section__layout__in=[performance.layout, other.layout])
            .order_by("id")
            .values_list("id", flat=True)
        )
        zones = list(PerformanceZone.objects.order_by("id").values_list("id", flat=True))
        last_seat = Seat.objects.filter(section__layout=performance.layout).latest("id").pk
        categories = [c.pk for p in (performance, other) for c in p.categories.all()]
        sold = [
            orders.sell(
                performance=performance,
                request=HoldRequest(**request),
                tariffs=TariffChoice(plein),
                payments=[PaymentSpec("cash", None)],
            )
            for request in (
                {"best_available": 2},
                {"zones": {zones[0]: 2}},
                {"best_available": 1, "zones": {zones[0]: 1}},
            )
        ]
        pending = orders.sell(
            performance=other,
            request=HoldRequest(best_available=1),
            tariffs=TariffChoice(plein),
            allow_pending=True,
        )
        holds = [
            str(inventory.create_hold(performance=p, request=HoldRequest(**r)).token)
            for p, r in (
                (performance, {"best_available": 2}),
                (other, {"zones": {zones[1]: 2}}),
                (performance, {"seat_ids": [last_seat]}),
            )
        ]
        references = [o.reference for o in [*sold, pending]]
        tickets = list(Ticket.objects.values_list("id", flat=True))
        free = list(
            Seat.objects.filter(section__layout=performance.layout, row__in=["C", "D"])
            .order_by("id")
            .values_list("id", flat=True)
        )
        by_order = {o.reference: [t.pk for t in o.tickets.order_by("id")] for o in sold}
    return World(
        api,
        venue_a,
        [performance.pk, other.pk],
        seats,
        categories,
        zones,
        holds,
        references,
        tickets,
        free,
        by_order,
        pending.reference,
    )


# --- Strategies -----------------------------------------------------------------------------
ODD_TEXT = st.sampled_from(
    ["", " ", "\x00", "a\x00b", "\ud800", "١٢", "-1", "1e9", "NaN", "x" * 5000, "é" * 300]
)
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([2**31 - 1, 2**31, -(2**31) - 1, 10**22, 0, -1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    ODD_TEXT,
)
JUNK = st.recursive(
    SCALAR,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
TARIFFS = st.sampled_from(["plein", "reduit", "invitation", "nope", "PLEIN", "x" * 41])


def mostly(valid: st.SearchStrategy, junk: st.SearchStrategy = SCALAR) -> st.SearchStrategy:
    """Four times in five a plausible value, else junk: enough sales go through for the
    invariants to be tested on real changes, and every field still meets junk."""
    return st.one_of(valid, valid, valid, valid, junk)


def ids(values: list) -> st.SearchStrategy:
    """A valid id (sometimes as text), or junk."""
    return mostly(st.sampled_from(values) | st.sampled_from(values).map(str))


def id_keys(values: list) -> st.SearchStrategy:
    return mostly(st.sampled_from(values).map(str), st.text(max_size=8) | ODD_TEXT)


def counts(low: int = 0, high: int = 4) -> st.SearchStrategy:
    return mostly(st.integers(min_value=low, max_value=high), st.integers(-3, 30) | SCALAR)


def cart(w: World, *, tariffs: bool) -> st.SearchStrategy:
    places = {
        "seats": mostly(st.lists(ids(w.seats), max_size=4, unique_by=str), JUNK),
        "best_available": counts(),
        "category": ids(w.categories),
        "wheelchair": mostly(st.just(0), counts()),
        "zones": mostly(st.dictionaries(id_keys(w.zones), counts(1), max_size=2), JUNK),
    }
    required = {"performance": ids(w.performances)}
    if tariffs:
        tariff = mostly(st.sampled_from(["plein", "reduit"]), TARIFFS | SCALAR)
        required["tariff"] = tariff
        places |= {
            "seat_tariffs": mostly(st.dictionaries(id_keys(w.seats), tariff, max_size=2), JUNK),
            "zone_tariffs": mostly(
                st.dictionaries(
                    id_keys(w.zones),
                    mostly(st.dictionaries(tariff, counts(), max_size=2), JUNK),
                    max_size=2,
                ),
                JUNK,
            ),
        }
    return st.fixed_dictionaries(required, optional=places)


TEXT = st.one_of(st.text(max_size=40), st.text(min_size=140, max_size=300), ODD_TEXT)
BUYER = st.fixed_dictionaries(
    {},
    optional={
        "email": st.emails() | TEXT,
        "first_name": TEXT,
        "last_name": TEXT,
        "phone": st.sampled_from(["06 12 34 56 78", "+33612345678", "12"]) | TEXT,
        "postcode": TEXT,
        "language": st.sampled_from(["fr", "en", "de"]) | SCALAR,
        "newsletter": st.booleans() | SCALAR,
    },
)
METHODS = st.sampled_from([*Payment.Method.values, "nope"]) | SCALAR
PAYMENT = st.fixed_dictionaries(
    {"method": mostly(st.sampled_from(["cash", "offline_test", "card_counter"]), METHODS)},
    optional={
        "amount_cents": mostly(
            st.integers(min_value=1, max_value=20_000), st.integers(-10, 2**33) | SCALAR
        ),
        "reference": TEXT,
    },
)


def body(fields: st.SearchStrategy) -> st.SearchStrategy:
    """An object with these fields and some unknown keys, or anything else at all."""
    extra = st.dictionaries(st.text(max_size=8) | ODD_TEXT, JUNK, max_size=2)
    objects = st.tuples(fields, extra).map(lambda pair: {**pair[1], **pair[0]})
    return mostly(objects, JUNK)


def reference(w: World) -> st.SearchStrategy:
    return mostly(st.sampled_from(w.references), st.text(max_size=15) | ODD_TEXT)


# --- Checks ---------------------------------------------------------------------------------
def in_path(text: str) -> str:
    """Percent-encoded as a client would send it (a lone surrogate as the bytes it stands for)."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def send(w: World, method: str, path: str, data=None):
    text = json.dumps(data)  # NaN and Infinity go out as such: the parser must refuse them
    response = getattr(w.api, method)(path, text, content_type="application/json")
    assert response.status_code < 500, (path, data, response.content[:300])
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/json"), response.content[:300]
        assert isinstance(response.json().get("code"), str), response.content[:300]
    return response


def check_invariants(w: World) -> None:
    with in_venue(w.venue):
        sold_seats = dict(
            PerformanceSeat.objects.filter(status=PerformanceSeat.Status.SOLD)
            .values_list("performance_id")
            .annotate(n=Count("id"))
        )
        seat_tickets = dict(
            Ticket.objects.filter(status=Ticket.Status.VALID, seat__isnull=False)
            .values_list("performance_id")
            .annotate(n=Count("id"))
        )
        assert sold_seats == seat_tickets
        zone_tickets = dict(
            Ticket.objects.filter(status=Ticket.Status.VALID, performance_zone__isnull=False)
            .values_list("performance_zone_id")
            .annotate(n=Count("id"))
        )
        held = dict(
            HoldZoneItem.objects.filter(hold__status=Hold.Status.ACTIVE)
            .values_list("performance_zone_id")
            .annotate(n=Sum("quantity"))
        )
        for zone in PerformanceZone.objects.all():
            assert zone.sold == zone_tickets.get(zone.pk, 0), zone.pk
            assert zone.held == held.get(zone.pk, 0), zone.pk
            assert 0 <= zone.held + zone.sold <= zone.capacity
        settled = Order.objects.filter(
            status__in=[
                Order.Status.PAID,
                Order.Status.PARTIALLY_REFUNDED,
                Order.Status.REFUNDED,
            ]
        )
        for order in settled.prefetch_related("payments"):
            paid = sum(
                p.amount_cents for p in order.payments.all() if p.status == Payment.Status.SUCCEEDED
            )
            assert paid == order.total_cents - order.refunded_cents, order.reference


# --- One property per write endpoint ----------------------------------------------------
def test_holds(world):
    w, (p, _other) = world, world.performances

    @FUZZ
    @seeded(
        {"data": {"performance": p, "seats": w.free[:2]}},
        {"data": {"performance": p, "zones": {str(w.zones[0]): 2}}},
        {"data": {"performance": p, "best_available": 2, "category": w.categories[0]}},
    )
    @given(data=body(cart(world, tariffs=False)))
    def run(data):
        response = send(world, "post", "/api/v1/holds/", data)
        if response.status_code == 201:
            world.holds.append(response.json()["token"])
        check_invariants(world)

    run()


def test_orders(world):
    hold = st.one_of(st.sampled_from(world.holds), st.uuids().map(str), SCALAR)
    fields = st.tuples(
        cart(world, tariffs=True),
        st.fixed_dictionaries({}, optional={"hold": hold, "buyer": BUYER | JUNK}),
        PAYMENT | JUNK,
    ).map(lambda parts: {**parts[0], **parts[1], "payment": parts[2]})

    w, (p, _other) = world, world.performances
    fosse = str(w.zones[0])

    @FUZZ
    @seeded(
        {
            "data": {
                "performance": p,
                "seats": w.free[2:4],
                "tariff": "plein",
                "seat_tariffs": {str(w.free[3]): "reduit"},
                "payment": {"method": "cash", "amount_cents": 5000},
            }
        },
        {
            "data": {
                "performance": p,
                "zones": {fosse: 3},
                "tariff": "plein",
                "zone_tariffs": {fosse: {"plein": 1, "reduit": 2}},
                "buyer": {"email": "lea@example.fr", "last_name": "Martin"},
                "payment": {"method": "card_counter"},
            }
        },
        {"data": {"hold": w.holds[0], "tariff": "reduit", "payment": {"method": "offline_test"}}},
    )
    @given(data=body(fields))
    def run(data):
        response = send(world, "post", "/api/v1/orders/", data)
        if response.status_code == 201:
            world.references.append(response.json()["reference"])
        check_invariants(world)

    run()


def test_refunds(world):
    fields = st.fixed_dictionaries(
        {},
        optional={
            "tickets": mostly(st.lists(ids(world.tickets), max_size=3), JUNK),
            "method": METHODS,
            "include_fees": st.booleans() | SCALAR,
            "reason": TEXT,
        },
    )

    (first, tickets), (second, _t), (third, _tt) = world.sold.items()

    @FUZZ
    @seeded(
        {"ref": first, "data": {"tickets": tickets[:1], "method": "cash"}},
        {"ref": second, "data": {}},
        {"ref": third, "data": {"include_fees": False, "reason": "Malade"}},
    )
    @given(ref=reference(world), data=body(fields))
    def run(ref, data):
        send(world, "post", f"/api/v1/orders/{in_path(ref)}/refund/", data)
        check_invariants(world)

    run()


def test_exchanges(world):
    fields = st.tuples(
        cart(world, tariffs=True),
        st.fixed_dictionaries(
            {},
            optional={
                "tickets": mostly(st.lists(ids(world.tickets), min_size=1, max_size=3), JUNK),
                "payment": mostly(PAYMENT, JUNK),
            },
        ),
    ).map(lambda parts: {**parts[0], **parts[1]})

    w, (p, other) = world, world.performances
    (first, seats), (second, places), _third = w.sold.items()
    fosse = str(w.zones[0])

    @FUZZ
    @seeded(
        {
            "ref": first,
            "data": {
                "tickets": seats[:1],
                "performance": other,
                "best_available": 1,
                "tariff": "plein",
                "payment": {"method": "cash", "amount_cents": 10_000},
            },
        },
        {
            "ref": second,
            "data": {
                "tickets": places,
                "performance": p,
                "zones": {fosse: 2},
                "tariff": "plein",
                "zone_tariffs": {fosse: {"reduit": 2}},
            },
        },
    )
    @given(ref=reference(world), data=body(fields))
    def run(ref, data):
        send(world, "post", f"/api/v1/orders/{in_path(ref)}/exchange/", data)
        check_invariants(world)

    run()


def test_cancellations(world):
    @FUZZ
    @seeded({"ref": world.pending, "data": {}}, {"ref": world.pending, "data": {}})
    @given(ref=reference(world), data=mostly(st.just({}), JUNK))
    def run(ref, data):
        send(world, "post", f"/api/v1/orders/{in_path(ref)}/cancel/", data)
        check_invariants(world)

    run()


def test_hold_releases(world):
    token = mostly(
        st.sampled_from(world.holds), st.uuids().map(str) | st.text(max_size=12) | ODD_TEXT
    )

    @FUZZ
    @seeded({"token": world.holds[1]}, {"token": world.holds[1]})
    @given(token=token)
    def run(token):
        send(world, "delete", f"/api/v1/holds/{in_path(token)}/")
        check_invariants(world)

    run()


def test_the_world_starts_consistent(world):
    """(The checks above would prove nothing if the invariants could not fail.)"""
    check_invariants(world)
    with in_venue(world.venue):
        PerformanceZone.objects.filter(pk=world.zones[0]).update(sold=0)
    with pytest.raises(AssertionError):
        check_invariants(world)
