"""The process-local caches of the request path (tenants/generations.py) never answer with
what has changed: in this process (a write bumps the venue's generation) and in any other one
(simulated here by changing rows behind the ORM's back and bumping the generation in Redis, as
the other process's write would have)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tenants import generations
from tenants.accounts.models import ApiToken, User
from tenants.accounts.services import create_api_token, revoke_api_token, set_staff_active
from tenants.services import reactivate_venue, suspend_venue
from tests.helpers import host_for, in_venue
from ticketing.models import Seat
from ticketing.services import halls, programme

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(venue_a, make_staff):
    return make_staff(venue_a, User.Role.BOX_OFFICE)


@pytest.fixture
def key(venue_a, clerk):
    with in_venue(venue_a):
        return create_api_token(name="caches", user=clerk, actor=clerk)[1]


@pytest.fixture
def api(venue_a, key):
    return Client(HTTP_HOST=host_for(venue_a), HTTP_AUTHORIZATION=f"Token {key}")


def _tables(queries) -> str:
    return " ".join(q["sql"] for q in queries.captured_queries)


def _seat(performance, index: int) -> int:
    return (
        Seat.objects.filter(section__layout=performance.layout)
        .order_by("row", "number")
        .values_list("id", flat=True)[index]
    )


def _buy(api, performance, seat_id):
    return api.post(
        "/api/v1/orders/",
        {
            "performance": performance.pk,
            "seats": [seat_id],
            "tariff": "plein",
            "payment": {"method": "offline_test"},
        },
        content_type="application/json",
    )


def test_a_second_request_reads_neither_the_host_nor_the_token(api):
    assert api.get("/api/v1/shows/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/v1/shows/").status_code == 200
    assert "tenants_domain" not in _tables(queries)
    assert "accounts_apitoken" not in _tables(queries)


def test_a_revoked_token_is_refused_at_once(venue_a, api, clerk):
    assert api.get("/api/v1/shows/").status_code == 200
    with in_venue(venue_a):
        revoke_api_token(token=ApiToken.objects.get(user=clerk), actor=clerk)
    assert api.get("/api/v1/shows/").status_code == 401


def test_a_deactivated_user_s_token_is_refused_at_once(venue_a, api, clerk, make_staff):
    admin = make_staff(venue_a, User.Role.ADMIN)
    assert api.get("/api/v1/shows/").status_code == 200
    with in_venue(venue_a):
        set_staff_active(user=clerk, active=False, actor=admin)
    assert api.get("/api/v1/shows/").status_code == 401


def test_another_process_s_revocation_is_seen(venue_a, api, clerk):
    assert api.get("/api/v1/shows/").status_code == 200
    with in_venue(venue_a):
        # Another process revokes: this process's ORM signals never see it…
        ApiToken.objects.filter(user=clerk).update(revoked_at="2026-01-01T00:00Z")
        assert api.get("/api/v1/shows/").status_code == 200  # (nothing said it changed)
        # … but its write bumps the venue's generation in Redis.
        generations._redis().incr(generations._key(venue_a.schema_name))
    assert api.get("/api/v1/shows/").status_code == 401


def test_a_suspended_venue_is_closed_at_once_and_reopened(venue_a, api):
    assert api.get("/api/v1/shows/").status_code == 200
    suspend_venue(venue=venue_a, actor=None)
    assert api.get("/api/v1/shows/").status_code == 503
    reactivate_venue(venue=venue_a, actor=None)
    assert api.get("/api/v1/shows/").status_code == 200


def test_a_cancelled_performance_stops_selling_at_once(venue_a, api, performance):
    with in_venue(venue_a):
        first, second = _seat(performance, 0), _seat(performance, 1)
    assert _buy(api, performance, first).status_code == 201
    with in_venue(venue_a):
        programme.cancel_performance(performance=performance, reason="Tempête")
    response = _buy(api, performance, second)
    assert response.status_code in (400, 409), response.json()


def test_without_redis_nothing_is_cached_and_everything_works(api, monkeypatch, performance):
    def down():
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(generations, "_redis", down)
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/shows/").status_code == 200
        assert "tenants_domain" in _tables(queries) and "accounts_apitoken" in _tables(queries)


def test_a_write_bumps_now_and_again_once_committed(venue_a, django_capture_on_commit_callbacks):
    schema = venue_a.schema_name
    before = generations.read([schema])[schema]
    with django_capture_on_commit_callbacks(execute=True):
        generations.bump(schema)
        assert generations.read([schema])[schema] == before + 1
    assert generations.read([schema])[schema] == before + 2


def test_best_available_follows_a_seat_change_at_once(venue_a, api, performance):
    def best(n: int) -> set[str]:
        response = api.post(
            "/api/v1/orders/",
            {
                "performance": performance.pk,
                "best_available": n,
                "tariff": "plein",
                "payment": {"method": "offline_test"},
            },
            content_type="application/json",
        )
        assert response.status_code == 201, response.json()
        return {t["seat"] for t in response.json()["tickets"]}

    assert best(2) == {"A5", "A6"}  # row A's middle; row B's middle comes next…
    with in_venue(venue_a):
        row_b = list(
            Seat.objects.filter(section__layout=performance.layout, row="B").values_list(
                "id", flat=True
            )
        )
        halls.update_seats(layout=performance.layout, seat_ids=row_b, wheelchair=True)
    assert {label[0] for label in best(2)} == {"A"}  # … unless row B is kept for wheelchairs


def test_a_bump_lost_while_redis_was_away_is_made_when_it_answers(venue_a, monkeypatch):
    schema = venue_a.schema_name
    before = generations.read([schema])[schema]
    real = generations._redis

    def down():
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(generations, "_redis", down)
    generations.bump(schema)  # lost…
    assert generations.read([schema]) == {schema: None}  # (caches off meanwhile)
    monkeypatch.setattr(generations, "_redis", real)
    assert generations.read([schema])[schema] == before + 1  # … and made once Redis answers


def test_an_entry_is_not_served_past_its_age(venue_a, monkeypatch):
    local = generations.LocalCache("test", size=4)
    token = generations.begin_request({venue_a.schema_name: 7})
    try:
        local.set("k", "v", schema=venue_a.schema_name)
        assert local.get("k", schema=venue_a.schema_name) == "v"
        monkeypatch.setattr(generations.LocalCache, "MAX_AGE_S", -1.0)
        local.set("k", "v", schema=venue_a.schema_name)
        assert local.get("k", schema=venue_a.schema_name) is generations.MISSING
    finally:
        generations.end_request(token)
