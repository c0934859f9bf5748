"""Reservations and invitations through the order API: one more way of POST /orders/, in the
OpenAPI schema, with a 4xx and a code on bad input."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.models import Contact
from tests.helpers import host_for, in_venue
from tests.ticketing.test_api_bad_input import assert_error, nothing_changed, order_body, post
from ticketing.models import Order

pytestmark = pytest.mark.django_db

GUEST = {"email": "critique@example.fr", "last_name": "Critique"}


def body(performance, **extra):
    data = order_body(performance, buyer=GUEST, **extra)
    data.pop("payment")
    data.update(extra)
    return data


def test_a_reservation_is_a_pending_order_with_its_deadline(api, venue_a, performance):
    with in_venue(venue_a):
        wanted = timezone.now() + timedelta(hours=30)
        data = body(performance, reservation={"pay_by": wanted.isoformat()})
    response = post(api, "/api/v1/orders/", data)
    assert response.status_code == 201, response.content[:500]
    order = response.json()
    assert order["status"] == "pending" and order["channel"] == "api"
    assert order["pay_by"] and order["invitation_reason"] == ""
    assert order["total_cents"] == 2500 and len(order["tickets"]) == 1
    with in_venue(venue_a):
        saved = Order.objects.get(reference=order["reference"])
        assert abs((saved.pay_by - wanted).total_seconds()) < 1
    # The venue's usual deadline when none is given.
    with in_venue(venue_a):
        data = body(performance, reservation={})
    response = post(api, "/api/v1/orders/", data)
    assert response.status_code == 201 and response.json()["pay_by"]


def test_an_invitation_is_free_with_its_reason(api, venue_a, performance):
    with in_venue(venue_a):
        inviter = Contact.objects.create(first_name="Ariane", last_name="Artiste")
        data = body(performance, invitation={"reason": "artist", "invited_by": inviter.pk})
    response = post(api, "/api/v1/orders/", data)
    assert response.status_code == 201, response.content[:500]
    order = response.json()
    assert order["status"] == "paid" and order["total_cents"] == 0
    assert order["invitation_reason"] == "artist" and order["invited_by"] == inviter.pk
    assert {t["price_cents"] for t in order["tickets"]} == {0}


@pytest.mark.parametrize(
    ("extra", "status", "code", "field"),
    [
        ({}, 400, "invalid", "payment"),  # none of the three
        (
            {"payment": {"method": "cash"}, "reservation": {}},
            400,
            "invalid",
            "payment",
        ),
        ({"invitation": {"reason": "friends"}}, 400, "invalid", "invitation.reason"),
        ({"invitation": {"reason": "press", "invited_by": 2**31}}, 400, "invalid", None),
        ({"invitation": {"reason": "press", "invited_by": 999999}}, 400, None, "invited_by"),
        ({"reservation": {"pay_by": "yesterday"}}, 400, "invalid", "reservation.pay_by"),
        ({"reservation": {"pay_by": "2020-01-01T10:00:00Z"}}, 400, None, "pay_by"),
    ],
)
def test_bad_input_is_a_400_with_a_code(extra, status, code, field, api, venue_a, performance):
    with in_venue(venue_a):
        data = body(performance, **extra)
    response = post(api, "/api/v1/orders/", data)
    assert response.status_code == status, response.content[:500]
    answer = response.json()
    assert answer["code"] and answer["detail"]
    if code:
        assert answer["code"] == code, answer
    if field:
        assert answer.get("field") == field, answer
    nothing_changed(venue_a, performance)


def test_a_reservation_needs_a_buyer(api, venue_a, performance):
    with in_venue(venue_a):
        data = order_body(performance, reservation={})
        data.pop("payment")
    assert_error(post(api, "/api/v1/orders/", data), 400, "ticketing.reservation_needs_buyer")
    nothing_changed(venue_a, performance)


def test_the_schema_describes_reservations_and_invitations(client, venue_a):
    schema = client.get("/api/schema/", HTTP_HOST=host_for(venue_a)).content.decode()
    for name in ("ReservationInput", "InvitationInput", "pay_by", "invitation_reason"):
        assert name in schema
