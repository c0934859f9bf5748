"""One cart parser (ticketing.carts): the same bad input gets the same code whether it comes
from the API, the counter's sale form or the storefront, and sells nothing."""

import re
from dataclasses import dataclass
from typing import Any

import pytest

from tenants.accounts.models import User
from tests.helpers import in_venue
from tests.ticketing.test_storefront import BUYER
from tests.ticketing.test_views_boxoffice import post_sale
from ticketing.carts import CartError, parse_cart
from ticketing.models import Hold, Order, PerformanceSeat, PerformanceZone, Tariff

pytestmark = pytest.mark.django_db


@dataclass
class Ids:
    performance: int
    cat1: int
    cat2: int
    fosse: int
    plein: int
    reduit: int


@pytest.fixture
def ids(venue_a, performance) -> Ids:
    with in_venue(venue_a):
        return Ids(
            performance=performance.pk,
            cat1=performance.categories.get(name="Cat. 1").pk,
            cat2=performance.categories.get(name="Cat. 2").pk,
            fosse=PerformanceZone.objects.get(performance=performance).pk,
            plein=Tariff.objects.get(code="plein").pk,
            reduit=Tariff.objects.get(code="reduit").pk,
        )


@dataclass
class Bad:
    """One bad input as each channel sends it (None: that channel cannot express it)."""

    code: str
    api: Any  # the order's places and tariffs (JSON)
    counter: Any  # the sale form's fields
    store_hold: Any = None  # the performance page's POST
    store_cart: Any = None  # (places to hold, checkout fields)


BAD = {
    "quantity not a number": Bad(
        "ticketing.cart.bad_quantity",
        api=lambda i: {"best_available": "two", "category": i.cat1},
        counter=lambda i: {f"best_{i.cat1}": "two"},
        store_hold=lambda i: {"category": i.cat1, "quantity": "two"},
    ),
    "negative quantity": Bad(
        "ticketing.cart.bad_quantity",
        api=lambda i: {"best_available": -2, "category": i.cat1},
        counter=lambda i: {f"best_{i.cat1}": "-2"},
        store_hold=lambda i: {"category": i.cat1, "quantity": "-2"},
    ),
    "too many places": Bad(
        "ticketing.cart.too_many_places",
        api=lambda i: {"best_available": 21, "category": i.cat2},
        counter=lambda i: {f"best_{i.cat2}": "21"},
        store_hold=lambda i: {"category": i.cat2, "quantity": "21"},
    ),
    "not a seat id": Bad(
        "ticketing.cart.bad_seat",
        api=lambda i: {"seats": ["A1"]},
        counter=lambda i: {"seats": ["A1"]},
        store_hold=lambda i: {"seats": ["A1"]},
    ),
    "nothing chosen": Bad(
        "ticketing.cart.empty",
        api=lambda i: {"seats": []},
        counter=lambda i: {},
        store_hold=lambda i: {"seats": []},
    ),
    "negative standing places": Bad(
        "ticketing.cart.bad_quantity",
        api=lambda i: {"zones": {str(i.fosse): "-1"}},
        counter=lambda i: {f"zone_{i.fosse}": "-1"},
        store_hold=lambda i: {"zone": i.fosse, "quantity": "-1"},
    ),
    "not a zone id": Bad(
        "ticketing.cart.bad_zone",
        api=lambda i: {"zones": {"fosse": 1}},
        counter=None,  # (the counter posts a field per zone of the hall)
        store_hold=lambda i: {"zone": "fosse", "quantity": "1"},
    ),
    "split larger than the places": Bad(
        "ticketing.cart.zone_split_mismatch",
        api=lambda i: {"zones": {str(i.fosse): 2}, "zone_tariffs": {str(i.fosse): {"reduit": 3}}},
        counter=lambda i: {f"zone_{i.fosse}": "2", f"zone_{i.fosse}_{i.reduit}": "3"},
        store_cart=lambda i: (
            2,
            {f"zone_{i.fosse}_{i.plein}": "0", f"zone_{i.fosse}_{i.reduit}": "3"},
        ),
    ),
    "split count not a number": Bad(
        "ticketing.cart.bad_quantity",
        api=lambda i: {"zones": {str(i.fosse): 4}, "zone_tariffs": {str(i.fosse): {"reduit": "x"}}},
        counter=lambda i: {f"zone_{i.fosse}": "4", f"zone_{i.fosse}_{i.reduit}": "x"},
        store_cart=lambda i: (
            4,
            {f"zone_{i.fosse}_{i.plein}": "4", f"zone_{i.fosse}_{i.reduit}": "x"},
        ),
    ),
}


def nothing_sold(venue, performance) -> None:
    with in_venue(venue):
        assert not Order.objects.exists()
        assert not PerformanceSeat.objects.filter(performance=performance, status="sold").exists()
        assert not PerformanceZone.objects.filter(performance=performance, sold__gt=0).exists()


@pytest.fixture
def counter(venue_a, make_staff, client_for):
    client = client_for(venue_a, make_staff(venue_a, User.Role.BOX_OFFICE))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def spectator(venue_a, client_for):
    client = client_for(venue_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.mark.parametrize("case", BAD)
def test_the_api_answers_the_code(case, api, venue_a, performance, ids):
    body = {
        "performance": ids.performance,
        "tariff": "plein",
        "payment": {"method": "offline_test"},
        **BAD[case].api(ids),
    }
    response = api.post("/api/v1/orders/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == BAD[case].code
    assert response.json()["field"] and response.json()["detail"]
    nothing_sold(venue_a, performance)


@pytest.mark.parametrize("case", [c for c, bad in BAD.items() if bad.counter])
def test_the_counter_shows_the_same_code(case, counter, venue_a, performance, ids):
    response = post_sale(counter, performance, **BAD[case].counter(ids))
    assert response.status_code == 400
    assert response.context["form"].codes == [BAD[case].code]
    nothing_sold(venue_a, performance)


@pytest.mark.parametrize("case", [c for c, bad in BAD.items() if bad.store_hold])
def test_the_storefront_says_the_same_code_when_places_are_chosen(
    case, spectator, venue_a, performance, ids
):
    response = spectator.post(f"/performances/{ids.performance}/hold/", BAD[case].store_hold(ids))
    assert response.status_code == 400
    assert f'data-code="{BAD[case].code}"' in response.content.decode()
    with in_venue(venue_a):
        assert not Hold.objects.exists()


@pytest.mark.parametrize("case", [c for c, bad in BAD.items() if bad.store_cart])
def test_the_storefront_says_the_same_code_at_checkout(case, spectator, venue_a, performance, ids):
    places, fields = BAD[case].store_cart(ids)
    spectator.post(
        f"/performances/{ids.performance}/hold/", {"zone": ids.fosse, "quantity": places}
    )
    response = spectator.post("/checkout/", {**BUYER, "action": "pay", **fields})
    assert response.status_code == 200
    assert re.search(f'data-code="{re.escape(BAD[case].code)}"', response.content.decode())
    nothing_sold(venue_a, performance)


def test_every_bad_input_is_tried_on_two_channels_at_least():
    for case, bad in BAD.items():
        channels = [bad.api, bad.counter, bad.store_hold or bad.store_cart]
        assert sum(1 for c in channels if c) >= 2, case


# --- The parser itself ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        ({"performance": "x"}, "bad_performance", "performance"),
        ({"performance": 2**31}, "bad_performance", "performance"),
        ({"hold": "", "seats": [1]}, "bad_performance", "performance"),
        ({"performance": 1, "seats": "1,2"}, "bad_seat", "seats"),
        ({"performance": 1, "seats": [True]}, "bad_seat", "seats"),
        ({"performance": 1, "seats": [1, 1]}, "duplicate_seat", "seats"),
        ({"performance": 1, "seats": list(range(1, 30))}, "too_many_places", "seats"),
        ({"performance": 1, "best_available": 1.5}, "bad_quantity", "best_available"),
        ({"performance": 1, "best_available": 10**22}, "too_many_places", "best_available"),
        ({"performance": 1, "best_available": 2, "category": "x"}, "bad_category", "category"),
        ({"performance": 1, "zones": [1]}, "bad_zone", "zones"),
        ({"performance": 1, "zones": {"١": 1}}, "bad_zone", "zones"),  # not ASCII digits
        ({"performance": 1, "seats": [1], "tariff": "a\x00b"}, "bad_tariff", "tariff"),
        ({"performance": 1, "seats": [1], "tariff": "x" * 41}, "bad_tariff", "tariff"),
        ({"performance": 1, "seats": [1], "tariff": 3}, "bad_tariff", "tariff"),
        (
            {"performance": 1, "seats": [1], "tariff": "plein", "seat_tariffs": {"x": "plein"}},
            "bad_seat",
            "seat_tariffs",
        ),
        (
            {"performance": 1, "zones": {"5": 2}, "tariff": "p", "zone_tariffs": {"6": {"p": 2}}},
            "bad_zone",
            "zone_tariffs",
        ),
        (
            {"performance": 1, "zones": {"5": 2}, "tariff": "p", "zone_tariffs": {"5": {"p": 1}}},
            "zone_split_mismatch",
            "zone_tariffs",
        ),
        (
            {"hold": "2b8c6f1e-6d51-4b8e-9a55-0d2b5f0c9a11", "performance": 1, "tariff": "p"},
            "hold_and_places",
            "performance",
        ),
        (
            {"hold": "2b8c6f1e-6d51-4b8e-9a55-0d2b5f0c9a11", "seats": [3], "tariff": "p"},
            "hold_and_places",
            "seats",
        ),
    ],
)
def test_the_parser_names_the_code_and_the_field(venue_a, data, code, field):
    with in_venue(venue_a), pytest.raises(CartError) as refused:
        parse_cart(data)
    assert (refused.value.code, refused.value.field) == (f"ticketing.cart.{code}", field)
    assert refused.value.http_status == 400


def test_errors_never_repeat_more_than_a_short_excerpt_of_the_input():
    with pytest.raises(CartError) as refused:
        parse_cart({"performance": 1, "seats": [1], "tariff": "é" * 100_000})
    assert len(refused.value.message) < 80


def test_tariffs_and_prices_come_in_one_query(venue_a, performance, ids, django_assert_num_queries):
    with in_venue(venue_a):
        data = {
            "performance": ids.performance,
            "seats": [],
            "best_available": 2,
            "zones": {str(ids.fosse): 3},
            "tariff": "plein",
            "zone_tariffs": {str(ids.fosse): {"plein": 1, "reduit": 2}},
        }
        Tariff.objects.exists()  # (the venue's search path is set by the first query)
        with django_assert_num_queries(1):
            cart = parse_cart(data)
        assert cart.performance.pk == ids.performance
        assert cart.request.zones == {ids.fosse: 3} and cart.request.best_available == 2
        assert cart.tariffs.default == ids.plein
        assert cart.tariffs.zones == {ids.fosse: {ids.plein: 1, ids.reduit: 2}}
        assert {t for _c, t in cart.prices} == {ids.plein, ids.reduit}


def test_unknown_and_unpriced_tariffs_are_told_apart(venue_a, performance, ids):
    with in_venue(venue_a):
        base = {"performance": ids.performance, "best_available": 1}
        with pytest.raises(CartError) as unknown:
            parse_cart({**base, "tariff": "nope"})
        assert unknown.value.code == "ticketing.cart.unknown_tariff"
        with pytest.raises(CartError) as unpriced:
            parse_cart({**base, "tariff": "invitation"})  # a tariff with no price here
        assert unpriced.value.code == "ticketing.cart.tariff_not_offered"
        with pytest.raises(CartError) as missing:
            parse_cart({**base, "performance": ids.performance + 999, "tariff": "plein"})
        assert missing.value.code == "ticketing.cart.unknown_performance"
