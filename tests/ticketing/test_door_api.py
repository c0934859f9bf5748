"""The door's API: scan, live counter, offline sync, the bundle's tickets; who may use it, per
venue; bad input answers 4xx with a code."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tenants.accounts.models import User
from tenants.accounts.services import create_api_token
from tests.helpers import host_for, in_venue
from tests.ticketing.conftest import build_performance
from tests.ticketing.door_helpers import qr, sold_ticket
from ticketing.models import CheckIn

pytestmark = pytest.mark.django_db


def token_client(venue, user) -> Client:
    with in_venue(venue):
        _token, key = create_api_token(name="door", user=user, actor=user)
    return Client(HTTP_HOST=host_for(venue), HTTP_AUTHORIZATION=f"Token {key}")


@pytest.fixture
def doorman(venue_a, make_staff):
    return token_client(venue_a, make_staff(venue_a, User.Role.DOOR))


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def test_scan_then_scan_again(doorman, venue_a, performance):
    with in_venue(venue_a):
        ticket = sold_ticket(performance, "A1")
        text = qr(ticket)
    url = f"/api/v1/performances/{performance.pk}/check-ins/"
    first = post(doorman, url, {"scanned": text, "door": "Nord", "device_id": "p-1"})
    assert first.status_code == 200
    body = first.json()
    assert (body["result"], body["label"], body["first_time"]) == ("valid", "Parterre A1", True)
    again = post(doorman, url, {"scanned": ticket.code, "door": "Sud"}).json()
    assert again["result"] == "already_scanned"
    assert again["previous"]["door"] == "Nord"
    counts = doorman.get(f"/api/v1/performances/{performance.pk}/door-counts/").json()
    assert counts["scanned"] == 1
    assert counts["by_door"] == [{"door": "Nord", "scanned": 1}]
    with in_venue(venue_a):
        assert CheckIn.objects.get(result="valid").staff.role == User.Role.DOOR


def test_who_may_scan(venue_a, make_staff, performance):
    url = f"/api/v1/performances/{performance.pk}/check-ins/"
    reader = token_client(venue_a, make_staff(venue_a, User.Role.READ_ONLY))
    assert post(reader, url, {"scanned": "x", "door": "A"}).status_code == 403
    anonymous = Client(HTTP_HOST=host_for(venue_a))
    assert post(anonymous, url, {"scanned": "x", "door": "A"}).status_code in (401, 403)
    # A door token reads the bundle (sales.view) but sells nothing.
    door_token = token_client(venue_a, make_staff(venue_a, User.Role.DOOR))
    bundle = door_token.get(f"/api/v1/performances/{performance.pk}/door-bundle/")
    assert bundle.status_code == 200
    assert "tickets" in bundle.json()
    assert post(door_token, "/api/v1/holds/", {}).status_code == 403


def test_another_venue_cannot_see_or_scan_our_tickets(venue_a, venue_b, make_staff, performance):
    with in_venue(venue_a):
        ticket = sold_ticket(performance, "A2")
        text = qr(ticket)
    with in_venue(venue_b):
        beta_performance = build_performance(name="Salle Beta")
    beta = token_client(venue_b, make_staff(venue_b, User.Role.DOOR))
    # Venue A's performance id on venue B's host: not found (whatever B has under that id).
    if performance.pk != beta_performance.pk:
        assert (
            post(
                beta,
                f"/api/v1/performances/{performance.pk}/check-ins/",
                {"scanned": text, "door": "A"},
            ).status_code
            == 404
        )
    # Venue A's ticket at venue B's door: unknown, and A's ticket is untouched.
    answer = post(
        beta,
        f"/api/v1/performances/{beta_performance.pk}/check-ins/",
        {"scanned": text, "door": "A"},
    ).json()
    assert (answer["result"], answer["reason"], answer["ticket_id"]) == (
        "unknown",
        "wrong_key",
        None,
    )
    by_code = post(
        beta,
        f"/api/v1/performances/{beta_performance.pk}/check-ins/",
        {"scanned": ticket.code, "door": "A"},
    ).json()
    assert (by_code["result"], by_code["label"]) == ("unknown", "")
    with in_venue(venue_a):
        ticket.refresh_from_db()
        assert ticket.checked_in_at is None
    # B's token on A's host: refused.
    beta.defaults["HTTP_HOST"] = host_for(venue_a)
    assert post(
        beta, f"/api/v1/performances/{performance.pk}/check-ins/", {"scanned": text, "door": "A"}
    ).status_code in (401, 403)


@pytest.mark.parametrize(
    "body,field",
    [
        ({"door": "A"}, "scanned"),
        ({"scanned": "x"}, "door"),
        ({"scanned": "x" * 401, "door": "A"}, "scanned"),
        ({"scanned": "x", "door": "A" * 41}, "door"),
        ({"scanned": "x", "door": "A", "device_id": "<script>"}, "device_id"),
        ({"scanned": ["x"], "door": "A"}, "scanned"),
    ],
)
def test_bad_scans_are_400_with_a_code(doorman, performance, body, field):
    response = post(doorman, f"/api/v1/performances/{performance.pk}/check-ins/", body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["field"] == field


def test_blank_door_is_a_domain_error(doorman, performance):
    response = post(
        doorman, f"/api/v1/performances/{performance.pk}/check-ins/", {"scanned": "x", "door": " "}
    )
    assert response.status_code == 400


def test_unknown_performance_is_404(doorman):
    for pk in (99999999, 2**63):
        response = post(
            doorman, f"/api/v1/performances/{pk}/check-ins/", {"scanned": "x", "door": "A"}
        )
        assert response.status_code == 404
        assert doorman.get(f"/api/v1/performances/{pk}/door-counts/").status_code == 404


def test_sync_reports_the_conflict(doorman, venue_a, performance):
    with in_venue(venue_a):
        ticket = sold_ticket(performance, "A3")
        text = qr(ticket)
    url = f"/api/v1/performances/{performance.pk}/check-ins/sync/"
    now = timezone.now()
    scan = {"scanned": text, "local_result": "valid"}
    later = post(
        doorman,
        url,
        {
            "door": "Sud",
            "device_id": "dev-b",
            "scans": [{**scan, "client_id": "b-1", "scanned_at": now.isoformat()}],
        },
    )
    assert later.status_code == 200
    assert later.json()["results"]["b-1"]["result"] == "valid"
    earlier = post(
        doorman,
        url,
        {
            "door": "Nord",
            "device_id": "dev-a",
            "scans": [
                {
                    **scan,
                    "client_id": "a-1",
                    "scanned_at": (now - timedelta(seconds=30)).isoformat(),
                }
            ],
        },
    ).json()
    assert earlier["results"]["a-1"]["result"] == "valid"
    counts = doorman.get(f"/api/v1/performances/{performance.pk}/door-counts/").json()
    assert counts["conflicts"] == 1
    assert counts["scanned"] == 1
    # The same batch again: nothing new.
    again = post(
        doorman,
        url,
        {
            "door": "Sud",
            "device_id": "dev-b",
            "scans": [{**scan, "client_id": "b-1", "scanned_at": now.isoformat()}],
        },
    ).json()
    assert again["results"]["b-1"]["conflict"] is True


@pytest.mark.parametrize(
    "change",
    [
        {"scans": []},
        {"device_id": ""},
        {"device_id": "x" * 65},
        {"scans": [{"client_id": "a", "scanned": "x", "local_result": "valid"}]},
        {
            "scans": [
                {
                    "client_id": "a b",
                    "scanned": "x",
                    "scanned_at": "2026-01-01T00:00:00Z",
                    "local_result": "valid",
                }
            ]
        },
        {
            "scans": [
                {
                    "client_id": "a",
                    "scanned": "x",
                    "scanned_at": "2026-01-01T00:00:00Z",
                    "local_result": "maybe",
                }
            ]
        },
        {
            "scans": [
                {
                    "client_id": "a",
                    "scanned": "x",
                    "scanned_at": "2999-01-01T00:00:00Z",
                    "local_result": "valid",
                }
            ]
        },
        {
            "scans": [
                {
                    "client_id": "a",
                    "scanned": "x",
                    "scanned_at": "2026-01-01T00:00:00Z",
                    "local_result": "valid",
                }
            ]
            * 2
        },
        {
            "scans": [
                {
                    "client_id": f"a{i}",
                    "scanned": "x",
                    "scanned_at": "2026-01-01T00:00:00Z",
                    "local_result": "valid",
                }
                for i in range(501)
            ]
        },
        {"scans": "nope"},
    ],
)
def test_bad_syncs_are_400(doorman, performance, change):
    body = {"door": "A", "device_id": "dev", "scans": [], **change}
    response = post(doorman, f"/api/v1/performances/{performance.pk}/check-ins/sync/", body)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"


def test_the_door_endpoints_are_in_the_schema(client_for, venue_a):
    schema = client_for(venue_a).get("/api/schema/").content.decode()
    for path in ("check-ins/", "check-ins/sync/", "door-counts/", "door-bundle/", "code_hash"):
        assert path in schema
