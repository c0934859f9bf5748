"""The ticketing API: availability, holds, orders, refunds, exchanges; errors; isolation."""

import pytest
from django.test import Client

from tenants.accounts.models import User
from tenants.accounts.services import create_api_token
from tests.helpers import host_for, in_venue
from ticketing.models import Seat

pytestmark = pytest.mark.django_db


def seat_ids(performance, *labels):
    return list(
        Seat.objects.filter(section__layout=performance.layout, label__in=labels)
        .order_by("label")
        .values_list("id", flat=True)
    )


def test_availability_and_seat_map(api, venue_a, performance):
    body = api.get(f"/api/v1/performances/{performance.pk}/availability/").json()
    assert {c["name"]: c["available"] for c in body} == {"Cat. 1": 20, "Cat. 2": 50}
    seats = api.get(f"/api/v1/performances/{performance.pk}/seats/").json()
    assert len(seats) == 50 and {s["status"] for s in seats} == {"available"}


def test_hold_then_order_with_the_offline_test_payment(api, venue_a, performance):
    with in_venue(venue_a):
        a1, a2 = seat_ids(performance, "A1", "A2")
    hold = api.post(
        "/api/v1/holds/",
        {"performance": performance.pk, "seats": [a1, a2]},
        content_type="application/json",
    )
    assert hold.status_code == 201, hold.json()
    order = api.post(
        "/api/v1/orders/",
        {
            "hold": hold.json()["token"],
            "tariff": "plein",
            "buyer": {"email": "lea@example.fr", "first_name": "Léa"},
            "payment": {"method": "offline_test"},
        },
        content_type="application/json",
    )
    assert order.status_code == 201, order.json()
    body = order.json()
    assert body["status"] == "paid" and body["total_cents"] == 5000
    assert sorted(t["seat"] for t in body["tickets"]) == ["A1", "A2"]
    again = api.get(f"/api/v1/orders/{body['reference']}/").json()
    assert again["reference"] == body["reference"]


def test_taken_seats_answer_409_with_a_message(api, venue_a, performance):
    with in_venue(venue_a):
        (a1,) = seat_ids(performance, "A1")
    first = api.post(
        "/api/v1/holds/",
        {"performance": performance.pk, "seats": [a1]},
        content_type="application/json",
    )
    assert first.status_code == 201
    second = api.post(
        "/api/v1/holds/",
        {"performance": performance.pk, "seats": [a1]},
        content_type="application/json",
    )
    assert second.status_code == 409
    assert second.json()["code"] == "ticketing.seats_unavailable" and second.json()["detail"]


def test_bad_input_gets_400_with_field_errors(api, performance):
    response = api.post(
        "/api/v1/orders/",
        {"performance": performance.pk, "tariff": "plein"},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["field"] == "payment"
    assert response.json()["code"] == "invalid" and "payment" in response.json()["errors"]
    unknown = api.post(
        "/api/v1/orders/",
        {
            "performance": performance.pk,
            "best_available": 2,
            "tariff": "nope",
            "payment": {"method": "offline_test"},
        },
        content_type="application/json",
    )
    assert unknown.status_code == 400 and unknown.json()["field"] == "tariff"
    assert unknown.json()["code"] == "ticketing.cart.unknown_tariff"
    too_many = api.post(
        "/api/v1/holds/",
        {"performance": performance.pk, "best_available": 50},
        content_type="application/json",
    )
    assert too_many.status_code == 400


def test_direct_order_refund_and_exchange(api, venue_a, performance):
    from tests.ticketing.conftest import build_performance

    order = api.post(
        "/api/v1/orders/",
        {
            "performance": performance.pk,
            "best_available": 2,
            "tariff": "plein",
            "payment": {"method": "offline_test"},
        },
        content_type="application/json",
    ).json()
    assert order["status"] == "paid"
    first, second = (t["id"] for t in order["tickets"])
    refunded = api.post(
        f"/api/v1/orders/{order['reference']}/refund/",
        {"tickets": [first], "method": "cash"},
        content_type="application/json",
    )
    assert refunded.json()["status"] == "partially_refunded"
    with in_venue(venue_a):
        other = build_performance(name="Salle B", starts_in_days=40)
    moved = api.post(
        f"/api/v1/orders/{order['reference']}/exchange/",
        {
            "tickets": [second],
            "performance": other.pk,
            "best_available": 1,
            "tariff": "plein",
        },
        content_type="application/json",
    )
    assert moved.status_code == 200, moved.json()
    statuses = sorted(t["status"] for t in moved.json()["tickets"])
    assert statuses == ["exchanged", "refunded", "valid"]


def test_another_venues_objects_are_404(api, venue_b, make_staff, performance):
    user = make_staff(venue_b, User.Role.BOX_OFFICE)
    with in_venue(venue_b):
        _t, key = create_api_token(name="b", user=user, actor=user)
    other = Client(HTTP_HOST=host_for(venue_b), HTTP_AUTHORIZATION=f"Token {key}")
    assert other.get(f"/api/v1/performances/{performance.pk}/availability/").status_code == 404
    order = api.post(
        "/api/v1/orders/",
        {
            "performance": performance.pk,
            "best_available": 1,
            "tariff": "plein",
            "payment": {"method": "offline_test"},
        },
        content_type="application/json",
    ).json()
    assert other.get(f"/api/v1/orders/{order['reference']}/").status_code == 404


def test_read_only_staff_can_read_but_not_sell(venue_a, make_staff, performance):
    user = make_staff(venue_a, User.Role.READ_ONLY)
    with in_venue(venue_a):
        _t, key = create_api_token(name="ro", user=user, actor=user)
    ro = Client(HTTP_HOST=host_for(venue_a), HTTP_AUTHORIZATION=f"Token {key}")
    assert ro.get("/api/v1/performances/").status_code == 200
    assert (
        ro.post(
            "/api/v1/holds/",
            {"performance": performance.pk, "best_available": 1},
            content_type="application/json",
        ).status_code
        == 403
    )


def test_openapi_schema_lists_the_ticketing_endpoints(client, venue_a):
    schema = client.get("/api/schema/", HTTP_HOST=host_for(venue_a)).content.decode()
    for path in ("/api/v1/holds/", "/api/v1/orders/", "/api/v1/performances/{id}/seats/"):
        assert path in schema
    assert "venueToken" in schema


def test_an_exchange_can_keep_a_reduced_price_per_seat(api, venue_a, performance):
    from tests.ticketing.conftest import build_performance

    with in_venue(venue_a):
        a1, a2 = seat_ids(performance, "A1", "A2")
        other = build_performance(name="Salle C", starts_in_days=45)
        b1, b2 = seat_ids(other, "A1", "A2")
    order = api.post(
        "/api/v1/orders/",
        {
            "performance": performance.pk,
            "seats": [a1, a2],
            "tariff": "plein",
            "seat_tariffs": {str(a2): "reduit"},
            "payment": {"method": "offline_test"},
        },
        content_type="application/json",
    ).json()
    assert sorted(t["price_cents"] for t in order["tickets"]) == [1500, 2500]
    moved = api.post(
        f"/api/v1/orders/{order['reference']}/exchange/",
        {
            "tickets": [t["id"] for t in order["tickets"]],
            "performance": other.pk,
            "seats": [b1, b2],
            "tariff": "plein",
            "seat_tariffs": {str(b2): "reduit"},
        },
        content_type="application/json",
    )
    assert moved.status_code == 200, moved.json()
    valid = [t for t in moved.json()["tickets"] if t["status"] == "valid"]
    assert {(t["seat"], t["tariff"], t["price_cents"]) for t in valid} == {
        ("A1", "plein", 2500),
        ("A2", "reduit", 1500),
    }
    assert moved.json()["total_cents"] == order["total_cents"]  # same prices: nothing to pay
    unknown = api.post(
        f"/api/v1/orders/{order['reference']}/exchange/",
        {
            "tickets": [valid[0]["id"]],
            "performance": performance.pk,
            "best_available": 1,
            "tariff": "nope",
        },
        content_type="application/json",
    )
    assert unknown.status_code == 400 and unknown.json()["field"] == "tariff"
