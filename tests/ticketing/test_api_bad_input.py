"""Bad input, as a careless or hostile client sends it, gets a clear 4xx with a code and
changes nothing: over the API (with a token) and at the storefront's checkout."""

import json

import pytest

from tests.helpers import in_venue
from tests.ticketing.test_storefront import BUYER
from ticketing.models import Hold, Order, Payment, PerformanceSeat, PerformanceZone, Seat

pytestmark = pytest.mark.django_db

LONG = {
    "first_name": "A" * 151,
    "last_name": "B" * 151,
    "postcode": "4" * 21,
    "email": f"{'x' * 250}@example.fr",  # 261 characters
    "phone": "0" * 33,
}


def post(api, path, body):
    return api.post(path, body, content_type="application/json")


def raw(api, path, text: str):
    return api.post(path, text, content_type="application/json")


def order_body(performance, **extra):
    return {
        "performance": performance.pk,
        "best_available": 1,
        "category": performance.categories.get(name="Cat. 1").pk,
        "tariff": "plein",
        "payment": {"method": "offline_test"},
        **extra,
    }


def assert_error(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code, body
    assert body["detail"]
    if field is not None:
        assert body.get("field") == field, body
    return body


def nothing_changed(venue, performance) -> None:
    with in_venue(venue):
        assert not Order.objects.exists() and not Payment.objects.exists()
        assert (
            not PerformanceSeat.objects.filter(performance=performance)
            .exclude(status="available")
            .exists()
        )
        zone = PerformanceZone.objects.get(performance=performance)
        assert (zone.sold, zone.held) == (0, 0)


@pytest.fixture
def hold(api, venue_a, performance):
    with in_venue(venue_a):
        seat = Seat.objects.filter(section__layout=performance.layout, label="A1").get()
    response = post(api, "/api/v1/holds/", {"performance": performance.pk, "seats": [seat.pk]})
    assert response.status_code == 201
    return response.json()["token"]


# --- Lengths the contact table would refuse ------------------------------------------------
@pytest.mark.parametrize("field", LONG)
def test_a_buyer_field_over_the_model_limit_is_a_400_on_a_direct_order(
    field, api, venue_a, performance
):
    with in_venue(venue_a):
        body = order_body(performance, buyer={"last_name": "Dupont", field: LONG[field]})
    assert_error(post(api, "/api/v1/orders/", body), 400, "invalid", f"buyer.{field}")
    nothing_changed(venue_a, performance)


@pytest.mark.parametrize("field", LONG)
def test_a_buyer_field_over_the_model_limit_is_a_400_when_confirming_a_hold(
    field, api, venue_a, performance, hold
):
    body = {
        "hold": hold,
        "tariff": "plein",
        "buyer": {"last_name": "Dupont", field: LONG[field]},
        "payment": {"method": "offline_test"},
    }
    assert_error(post(api, "/api/v1/orders/", body), 400, "invalid", f"buyer.{field}")
    with in_venue(venue_a):
        assert Hold.objects.get(token=hold).status == Hold.Status.ACTIVE
        assert not Order.objects.exists()


@pytest.mark.parametrize("field", LONG)
def test_a_buyer_field_over_the_model_limit_is_refused_at_the_storefront_checkout(
    field, venue_a, performance, client_for
):
    spectator = client_for(venue_a)
    with in_venue(venue_a):
        seat = Seat.objects.filter(section__layout=performance.layout, label="A1").get()
    spectator.post(f"/performances/{performance.pk}/hold/", {"seats": [seat.pk]})
    response = spectator.post("/checkout/", {**BUYER, "action": "pay", field: LONG[field]})
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    with in_venue(venue_a):
        assert not Order.objects.exists()
        assert Hold.objects.get().status == Hold.Status.ACTIVE


# --- Amounts a PostgreSQL integer cannot hold ----------------------------------------------
@pytest.mark.parametrize("amount", [2**31, 10**22])
def test_a_payment_amount_out_of_range_is_a_400_on_an_order(amount, api, venue_a, performance):
    with in_venue(venue_a):
        body = order_body(performance, payment={"method": "cash", "amount_cents": amount})
    assert_error(post(api, "/api/v1/orders/", body), 400, "invalid", "payment.amount_cents")
    nothing_changed(venue_a, performance)


@pytest.mark.parametrize("amount", [2**31, 10**22])
def test_a_payment_amount_out_of_range_is_a_400_on_an_exchange(amount, api, venue_a, performance):
    with in_venue(venue_a):
        order = post(api, "/api/v1/orders/", order_body(performance)).json()
        body = {
            "tickets": [order["tickets"][0]["id"]],
            "performance": performance.pk,
            "best_available": 1,
            "category": performance.categories.get(name="Cat. 1").pk,
            "tariff": "plein",
            "payment": {"method": "cash", "amount_cents": amount},
        }
    response = post(api, f"/api/v1/orders/{order['reference']}/exchange/", body)
    assert_error(response, 400, "invalid", "payment.amount_cents")
    with in_venue(venue_a):
        assert Order.objects.get().tickets.filter(status="valid").count() == 1
        assert PerformanceSeat.objects.filter(performance=performance, status="sold").count() == 1


# --- NUL bytes, long strings, odd keys -----------------------------------------------------
@pytest.mark.parametrize(
    "extra",
    [
        {"zones": {"1": 2}, "zone_tariffs": {"1": {"ple\x00in": 2}}},
        {"buyer": {"last_name": "Du\x00pont"}},
        {"payment": {"method": "cash", "reference": "\x00"}},
        {"tariff": "plein\x00"},
        {"unknown\x00key": 1},
    ],
    ids=["zone tariff code", "buyer name", "payment reference", "tariff", "a key"],
)
def test_a_nul_byte_anywhere_is_a_400(extra, api, venue_a, performance):
    with in_venue(venue_a):
        body = order_body(performance, **extra)
    assert_error(post(api, "/api/v1/orders/", body), 400, "parse_error")
    nothing_changed(venue_a, performance)


def test_zone_tariffs_keys_are_checked_and_a_long_code_is_not_echoed(api, venue_a, performance):
    with in_venue(venue_a):
        zone = PerformanceZone.objects.get(performance=performance).pk
    long_code = "x" * 100_000
    body = {
        "performance": performance.pk,
        "zones": {str(zone): 2},
        "tariff": "plein",
        "zone_tariffs": {str(zone): {long_code: 2}},
        "payment": {"method": "offline_test"},
    }
    response = post(api, "/api/v1/orders/", body)
    assert_error(response, 400, "ticketing.cart.bad_tariff", "zone_tariffs")
    assert len(response.content) < 500
    body["zone_tariffs"] = {"x" * 100_000: {"plein": 2}}
    response = post(api, "/api/v1/orders/", body)
    assert_error(response, 400, "ticketing.cart.bad_zone", "zone_tariffs")
    assert len(response.content) < 500
    nothing_changed(venue_a, performance)


def test_validation_errors_never_echo_a_long_input(api, venue_a, performance):
    with in_venue(venue_a):
        body = order_body(performance, payment={"method": "m" * 100_000})
    response = post(api, "/api/v1/orders/", body)
    assert_error(response, 400, "invalid", "payment.method")
    assert len(response.content) < 1000


# --- Bodies the JSON parser must not choke on -----------------------------------------------
def test_a_deeply_nested_body_is_a_400(api, venue_a, performance):
    assert_error(raw(api, "/api/v1/orders/", "[" * 5000 + "]" * 5000), 400, "parse_error")
    assert_error(raw(api, "/api/v1/holds/", "[" * 5000), 400, "parse_error")
    seats: list = [1]
    for _ in range(40):
        seats = [seats]
    nested = json.dumps({"performance": performance.pk, "seats": seats})
    assert_error(raw(api, "/api/v1/holds/", nested), 400, "parse_error")
    nothing_changed(venue_a, performance)


@pytest.mark.parametrize(
    "text", ["{", "NaN", "\xff", '{"a": ' + "9" * 5000 + "}", '{"a": "\\ud800"}']
)
def test_bodies_that_are_not_json_are_a_400(text, api):
    assert_error(raw(api, "/api/v1/holds/", text), 400, "parse_error")


def test_numbers_no_id_can_be_are_a_400(api):
    for number in ("1e999999", "-1", "2147483648", "1.5", "true"):
        response = raw(api, "/api/v1/holds/", f'{{"performance": {number}, "seats": [1]}}')
        assert_error(response, 400, "ticketing.cart.bad_performance", "performance")


def test_a_body_too_large_is_a_413(api):
    big = json.dumps({"reason": "x" * 300_000})
    assert_error(raw(api, "/api/v1/holds/", big), 413, "too_large")


def test_a_form_encoded_body_is_a_415(api, performance):
    response = api.post("/api/v1/holds/", {"performance": performance.pk, "best_available": 1})
    assert_error(response, 415, "unsupported_media_type")


# --- Answers that misled ---------------------------------------------------------------------
def test_a_performance_sent_with_a_hold_is_a_400(api, venue_a, performance, hold):
    body = {
        "hold": hold,
        "performance": performance.pk,
        "tariff": "plein",
        "payment": {"method": "offline_test"},
    }
    assert_error(
        post(api, "/api/v1/orders/", body), 400, "ticketing.cart.hold_and_places", "performance"
    )
    with in_venue(venue_a):
        assert Hold.objects.get(token=hold).status == Hold.Status.ACTIVE


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nothing/",
        "/api/v1/holds/not-a-token/",
        "/api/v1/holds/2b8c6f1e-6d51-4b8e-9a55-0d2b5f0c9a11/",
        "/api/v1/orders/NOPE/",
        "/api/v1/performances/999999/seats/",
        "/api/v1/orders/NOPE/refund/extra/",
    ],
)
def test_a_404_under_the_api_is_json(path, api):
    assert_error(api.get(path), 404, "not_found")


def test_any_method_on_an_unknown_address_is_a_json_404(api):
    for method in (api.post, api.put, api.delete, api.patch):
        assert_error(method("/api/v1/nothing/here/"), 404, "not_found")


def test_a_method_not_allowed_is_json(api):
    assert_error(api.get("/api/v1/orders/"), 405, "method_not_allowed")


def test_a_missing_slash_is_pointed_out(api):
    body = assert_error(api.get("/api/v1/orders"), 404, "not_found")
    assert "/api/v1/orders/" in body["detail"]


def test_the_api_root_lists_the_endpoints_with_links(api, client, venue_a):
    response = api.get("/api/v1/")
    assert response.status_code == 200
    body = response.json()
    links = {e["name"]: e["href"] for e in body["endpoints"]}
    assert links["orders"].startswith("http") and links["orders"].endswith("/api/v1/orders/")
    assert links["performance_seats"].endswith("/api/v1/performances/{pk}/seats/")
    assert {"holds", "hold", "refund", "exchange", "cancel", "me"} <= set(links)
    assert body["schema"].endswith("/api/schema/")


def test_the_schema_documents_the_root_and_the_errors_of_write_endpoints(client, venue_a):
    from tests.helpers import host_for

    schema = client.get("/api/schema/?format=json", HTTP_HOST=host_for(venue_a)).json()
    assert "/api/v1/" in schema["paths"]
    assert "Error" in schema["components"]["schemas"]
    writes = [
        ("/api/v1/holds/", "post", {"400", "409"}),
        ("/api/v1/orders/", "post", {"400", "409"}),
        ("/api/v1/orders/{reference}/refund/", "post", {"400", "404", "409"}),
        ("/api/v1/orders/{reference}/exchange/", "post", {"400", "404", "409"}),
        ("/api/v1/orders/{reference}/cancel/", "post", {"400", "404", "409"}),
        ("/api/v1/holds/{token}/", "delete", {"404", "409"}),
    ]
    for path, method, statuses in writes:
        responses = schema["paths"][path][method]["responses"]
        assert statuses <= set(responses), (path, sorted(responses))
        for status in statuses:
            ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith("/Error")


# --- What the services decide (services.inventory, services.orders), seen over HTTP --------
def test_an_unknown_seat_is_a_400(api, venue_a, performance):
    body = {"performance": performance.pk, "seats": [10**9]}
    response = post(api, "/api/v1/holds/", body)
    assert response.status_code == 400, response.json()
    nothing_changed(venue_a, performance)


def test_a_seat_of_another_hall_is_a_400(api, venue_a, performance):
    from tests.ticketing.conftest import build_performance

    with in_venue(venue_a):
        other = build_performance(name="Salle B", starts_in_days=30)
        seat = Seat.objects.filter(section__layout=other.layout).first()
    response = post(api, "/api/v1/holds/", {"performance": performance.pk, "seats": [seat.pk]})
    assert response.status_code == 400, response.json()


def test_an_unknown_category_is_a_400(api, venue_a, performance):
    body = {"performance": performance.pk, "best_available": 1, "category": 10**8}
    response = post(api, "/api/v1/holds/", body)
    assert response.status_code == 400, response.json()


def test_more_wheelchair_places_than_asked_is_a_400(api, venue_a, performance):
    body = {"performance": performance.pk, "best_available": 1, "wheelchair": 2}
    response = post(api, "/api/v1/holds/", body)
    assert response.status_code == 400, response.json()


def test_a_seat_tariff_for_a_seat_not_in_the_order_is_a_400(api, venue_a, performance, hold):
    body = {
        "hold": hold,
        "tariff": "plein",
        "seat_tariffs": {"999999": "reduit"},
        "payment": {"method": "offline_test"},
    }
    response = post(api, "/api/v1/orders/", body)
    assert response.status_code == 400, response.json()
    assert response.json()["field"] == "seat_tariffs"


def test_deleting_a_confirmed_or_released_hold_is_a_409(api, venue_a, performance, hold):
    assert api.delete(f"/api/v1/holds/{hold}/").status_code == 204
    assert_error(api.delete(f"/api/v1/holds/{hold}/"), 409, "ticketing.hold_not_active")


def test_cash_over_what_is_due_records_the_change_and_a_card_over_it_is_refused(
    api, venue_a, performance
):
    with in_venue(venue_a):
        too_much = order_body(
            performance, payment={"method": "card_counter", "amount_cents": 10**6}
        )
        cash = order_body(performance, payment={"method": "cash", "amount_cents": 10**6})
    assert post(api, "/api/v1/orders/", too_much).status_code == 400
    order = post(api, "/api/v1/orders/", cash).json()
    with in_venue(venue_a):
        payment = Payment.objects.get(order__reference=order["reference"])
        assert (payment.amount_cents, payment.change_cents) == (2500, 10**6 - 2500)
