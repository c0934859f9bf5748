"""Round trips to PostgreSQL for one API order (hold and confirm in one call): the on-sale
rush (`manage.py bench_onsale`) is bound by them, so each one added must be a decision.

Counted as the server sees them, middleware included. Inside the test's transaction the
order's own transaction shows as SAVEPOINT … RELEASE SAVEPOINT, the same two round trips as
BEGIN … COMMIT in production. Each test places one order first to fill the local caches.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.helpers import in_venue
from ticketing.models import Seat

pytestmark = pytest.mark.django_db

# BEGIN, the seats (one conditional UPDATE), the cart (recorded confirmed), order, tickets,
# payment, audit entry and outbox event (one INSERT), COMMIT. What every request needs and
# almost never changes comes from the process's local caches, checked against Redis
# (tenants/generations.py): the venue of the host name, the API token and its user, the
# performance with the prices of the tariffs asked for, the sales settings; and the
# connection keeps its search_path. Then the sales ledger's entries into its journal (one
# INSERT, no shared row); after the commit, their numbering (one statement, by one sale at a
# time for all that are waiting: ticketing/ledger/services.py), not counted here since the
# test's transaction never commits.
MAX_CHOSEN_SEATS = 5
# … plus the free seats to choose from.
MAX_BEST_AVAILABLE = 6
# … plus the CRM (crm.services, crm/statements.py): the buyer's contact looked up, then
# created with its timeline and outbox events in one statement; the purchase recorded once
# (timeline event, counters, season/genre/affinity rows) in one statement, after the order's
# (its id is on the timeline); then the buyer's criteria and RFM scores, which a first
# purchase always changes, with their timeline and outbox events (crm/criteria.py: only
# written when they change).
MAX_WITH_A_NEW_BUYER = 9


@pytest.fixture
def seat_ids(venue_a, performance):
    with in_venue(venue_a):
        return list(
            Seat.objects.filter(section__layout=performance.layout)
            .order_by("row", "number")
            .values_list("id", flat=True)
        )


def _order(api, performance, **places):
    body = {"performance": performance.pk, "tariff": "plein", "payment": {"method": "offline_test"}}
    with CaptureQueriesContext(connection) as queries:
        response = api.post("/api/v1/orders/", {**body, **places}, content_type="application/json")
    assert response.status_code == 201, response.json()
    return response.json(), [q["sql"] for q in queries.captured_queries]


def summary(sql: str) -> str:
    """`INSERT ticketing_order`, `UPDATE ticketing_performanceseat`, `SAVEPOINT` …"""
    words = re.sub(r'["(]', " ", sql).split()
    verb = words[0].upper()
    if verb in ("SAVEPOINT", "RELEASE", "SET"):
        return " ".join(words[:2]) if verb == "SET" else verb
    if verb == "WITH" and "SKIP LOCKED" in sql:  # best available: WITH free AS (…) UPDATE
        return "UPDATE ticketing_performanceseat (skip locked)"
    if verb == "WITH":  # several INSERTs (and UPDATEs) in one statement
        tables = re.findall(r'INSERT INTO "?(\w+)', sql)
        updates = re.findall(r'(?<!DO )UPDATE "?(\w+)', sql)
        also = f" (+ UPDATE {' '.join(updates)})" if updates else ""
        return "INSERT " + " ".join(tables) + also
    table = next(
        (w for w in words[1:] if w.startswith(("ticketing_", "crm_", "accounts_", "tenants_"))),
        "?",
    )
    return f"{verb} {table}"


def _listing(queries: list[str]) -> str:
    return "\n".join(f"{n:>2}. {summary(q)}" for n, q in enumerate(queries, 1))


def test_an_order_for_chosen_seats(api, performance, seat_ids):
    _order(api, performance, seats=seat_ids[:1])  # fills the local caches, touches the token
    body, queries = _order(api, performance, seats=seat_ids[1:3])
    assert len(queries) <= MAX_CHOSEN_SEATS, _listing(queries)
    assert [summary(q) for q in queries] == [
        "SAVEPOINT",
        "UPDATE ticketing_performanceseat",
        "INSERT ticketing_hold ticketing_order ticketing_ticket ticketing_payment "
        "accounts_auditevent events_event",
        "INSERT ticketing_ledgerpending",
        "RELEASE",
    ], _listing(queries)
    # The answer is built from the rows just written: seat labels and tariffs included.
    assert sorted(t["seat"] for t in body["tickets"]) == ["A2", "A3"]
    assert {t["tariff"] for t in body["tickets"]} == {"plein"} and body["status"] == "paid"


def test_an_order_for_standing_places(api, venue_a, performance, seat_ids):
    """Standing places take the same lean path as seats: the zone's counter (shared by
    every standing buyer, so its row lock is their queue) in one statement, just before the
    order is written."""
    from ticketing.models import PerformanceZone

    with in_venue(venue_a):
        zone = PerformanceZone.objects.get(performance=performance)
    _order(api, performance, zones={str(zone.pk): 1})
    body, queries = _order(api, performance, zones={str(zone.pk): 2})
    assert [summary(q) for q in queries] == [
        "SAVEPOINT",
        "UPDATE ticketing_performancezone",
        "INSERT ticketing_hold ticketing_order ticketing_ticket ticketing_payment "
        "accounts_auditevent events_event",
        "INSERT ticketing_ledgerpending",
        "RELEASE",
    ], _listing(queries)
    assert len(body["tickets"]) == 2


def test_an_order_for_best_available_seats(api, performance, seat_ids):
    _order(api, performance, best_available=1)  # … and where the seats are
    body, queries = _order(api, performance, best_available=3)
    assert len(queries) <= MAX_BEST_AVAILABLE, _listing(queries)
    assert len(body["tickets"]) == 3


def test_an_order_with_a_buyer(api, performance, seat_ids):
    # With a buyer first, so crm's settings (its seasons) are in the local caches too.
    _order(api, performance, seats=seat_ids[:1], buyer={"email": "ada@example.fr"})
    body, queries = _order(
        api,
        performance,
        seats=seat_ids[1:3],
        buyer={"email": "lea@example.fr", "first_name": "Léa", "last_name": "Martin"},
    )
    assert len(queries) <= MAX_WITH_A_NEW_BUYER, _listing(queries)
    assert [summary(q) for q in queries] == [
        "SAVEPOINT",
        "SELECT crm_contact",
        "INSERT crm_contact crm_timelineevent events_event",
        "UPDATE ticketing_performanceseat",
        "INSERT ticketing_hold ticketing_order ticketing_ticket ticketing_payment "
        "accounts_auditevent events_event",
        "INSERT crm_timelineevent crm_seasonstats crm_genrestats crm_affinity "
        "(+ UPDATE crm_contact)",
        "INSERT crm_timelineevent events_event (+ UPDATE crm_contact)",
        "INSERT ticketing_ledgerpending",
        "RELEASE",
    ], _listing(queries)
    assert body["contact"] is not None


def test_no_row_shared_by_every_order_is_written(api, performance, seat_ids):
    """A counter per performance (or any row every order updates) would make the orders of
    a rush wait for each other: an order updates its seats and nothing else. (The sales
    ledger's entries go into its journal, an INSERT; their numbering takes the chain head
    after the commit, for many sales at once.)"""
    _order(api, performance, seats=seat_ids[:1])
    for places in ({"seats": seat_ids[1:3]}, {"best_available": 2}):
        _body, queries = _order(api, performance, **places)
        updates = [summary(q) for q in queries if summary(q).startswith("UPDATE")]
        assert updates == [
            "UPDATE ticketing_performanceseat"
            + (" (skip locked)" if "best_available" in places else "")
        ], _listing(queries)
        assert [summary(q) for q in queries][-2:] == [
            "INSERT ticketing_ledgerpending",
            "RELEASE",
        ], _listing(queries)
