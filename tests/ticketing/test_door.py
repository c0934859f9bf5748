"""The door's check-in service: every result, attendance, the domain event, companions,
offline sync and its conflict rule."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.models import Contact, TimelineEvent
from tenants.errors import ValidationFailed
from tenants.events.models import Event
from tests.helpers import in_venue
from tests.ticketing.conftest import build_performance
from tests.ticketing.door_helpers import qr, sold_ticket
from ticketing.models import CheckIn, Ticket
from ticketing.selectors import door as door_selectors
from ticketing.selectors.tickets import code_hash, door_bundle
from ticketing.services import door, orders
from ticketing.services.door import OfflineScan
from ticketing.tickets.payload import sign_ticket_payload

pytestmark = pytest.mark.django_db
Result = CheckIn.Result


def scan(performance, text, door_name="Hall", **kwargs):
    return door.check_in_ticket(performance=performance, scanned=text, door=door_name, **kwargs)


def test_a_valid_ticket_enters_once_with_seat_tariff_and_first_time(venue_a, performance):
    with in_venue(venue_a):
        ticket = sold_ticket(performance, "A3")
        first = scan(performance, qr(ticket), device_id="phone-1")
        assert first.result == Result.VALID
        described = door.describe(first)
        assert described["label"] == "Parterre A3"
        assert described["tariff"] == ticket.tariff.name
        assert described["first_time"] is True  # the buyer never came before
        ticket.refresh_from_db()
        assert ticket.checked_in_at == first.check_in.scanned_at
        row = first.check_in
        assert (row.door, row.device_id, row.offline, row.ticket_id) == (
            "Hall",
            "phone-1",
            False,
            ticket.pk,
        )
        # Again, at another door: already scanned, saying when and where.
        again = scan(performance, qr(ticket), door_name="Balcon")
        assert again.result == Result.ALREADY_SCANNED
        previous = door.describe(again)["previous"]
        assert previous["door"] == "Hall"
        assert previous["scanned_at"] == row.scanned_at.isoformat()
        ticket.refresh_from_db()
        assert ticket.checked_in_at == row.scanned_at  # unchanged
        assert CheckIn.objects.filter(ticket=ticket).count() == 2


def test_typed_code_works_like_the_qr(venue_a, performance):
    with in_venue(venue_a):
        ticket = sold_ticket(performance, "A4")
        assert scan(performance, f"  {ticket.code} ").result == Result.VALID
        assert scan(performance, qr(ticket)).result == Result.ALREADY_SCANNED


def test_attendance_goes_to_crm_and_the_event_is_published(venue_a, performance, make_staff):
    staff = make_staff(venue_a, "door")
    with in_venue(venue_a):
        ticket = sold_ticket(performance, "A5")
        contact_id = ticket.order.contact_id
        scan(performance, qr(ticket), actor=staff)
        contact = Contact.objects.get(pk=contact_id)
        assert contact.attendance_count == 1
        assert TimelineEvent.objects.filter(
            contact_id=contact_id, code="ticketing.attendance"
        ).exists()
        event = Event.objects.get(code="ticketing.ticket.checked_in")
        assert event.data["ticket_id"] == ticket.pk
        assert event.data["contact_id"] == contact_id
        assert event.data["door"] == "Hall"
        assert event.data["first_time"] is True
        # A second scan publishes nothing more and counts no second attendance.
        scan(performance, qr(ticket))
        assert Event.objects.filter(code="ticketing.ticket.checked_in").count() == 1
        assert Contact.objects.get(pk=contact_id).attendance_count == 1
        # Next time this contact comes, it is not the first time any more.
        other = build_performance(name="Salle 2")
        second = sold_ticket(other, "B1")
        assert second.order.contact_id == contact_id
        assert door.describe(scan(other, qr(second)))["first_time"] is False


def test_a_companion_with_a_ticket_of_their_own_is_the_one_who_came(venue_a, performance):
    with in_venue(venue_a):
        order = sold_ticket(performance, "B1", zone_places=0).order
        companion = Contact.objects.create(first_name="Paul", last_name="Langevin")
        ticket = order.tickets.get()
        Ticket.objects.filter(pk=ticket.pk).update(holder_contact=companion)
        scan(performance, ticket.code)
        companion.refresh_from_db()
        assert companion.attendance_count == 1
        assert Contact.objects.get(pk=order.contact_id).attendance_count == 0


def test_an_anonymous_sale_enters_without_crm(venue_a, performance):
    with in_venue(venue_a):
        ticket = sold_ticket(performance, "B2", email=None)
        outcome = scan(performance, qr(ticket))
        assert outcome.result == Result.VALID
        assert outcome.check_in.first_time is False
        assert Event.objects.get(code="ticketing.ticket.checked_in").data["contact_id"] is None


def test_wrong_performance_names_the_tickets_date(venue_a, performance):
    with in_venue(venue_a):
        tomorrow = build_performance(name="Salle B", starts_in_days=21)
        ticket = sold_ticket(tomorrow, "A1")
        outcome = scan(performance, qr(ticket))
        assert outcome.result == Result.WRONG_PERFORMANCE
        info = door.describe(outcome)["ticket_performance"]
        assert info["id"] == tomorrow.pk
        assert info["starts_at"] == tomorrow.starts_at.isoformat()
        assert Ticket.objects.get(pk=ticket.pk).checked_in_at is None


@pytest.mark.parametrize("how", ["refund", "cancel", "exchange"])
def test_revoked_tickets_are_refused_with_their_reason(venue_a, performance, how):
    with in_venue(venue_a):
        ticket = sold_ticket(performance, "C1")
        order = ticket.order
        if how == "refund":
            orders.refund_order(order=order)
            expected = "refunded"
        elif how == "cancel":
            Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.CANCELLED)
            expected = "cancelled"
        else:
            Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.EXCHANGED)
            expected = "exchanged"
        outcome = scan(performance, qr(ticket))
        assert (outcome.result, outcome.check_in.reason) == (Result.REVOKED, expected)
        assert Ticket.objects.get(pk=ticket.pk).checked_in_at is None


def test_an_unpaid_reservation_does_not_open_the_door(venue_a, performance):
    with in_venue(venue_a):
        ticket = sold_ticket(performance, "C2")
        type(ticket.order).objects.filter(pk=ticket.order_id).update(status="pending")
        outcome = scan(performance, ticket.code)
        assert (outcome.result, outcome.check_in.reason) == (Result.REVOKED, "not_paid")


def test_unknown_codes_say_why(venue_a, venue_b, performance):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    with in_venue(venue_a):
        ticket = sold_ticket(performance, "C3")
        good = qr(ticket)
        forged = sign_ticket_payload(
            Ed25519PrivateKey.generate(),
            ticket_id=ticket.pk,
            performance_id=performance.pk,
            label="Parterre C3",
            issued_at=ticket.created_at,
        )
        tampered = good[:-4] + ("0000" if good[-4:] != "0000" else "1111")
        cases = {
            "not a ticket": ("hello", "not_found"),
            "PT:###": ("PT:###", "malformed"),
            "forged": (forged, "wrong_key"),
            "tampered": (tampered, "bad_signature"),
            "too long": ("x" * 500, "malformed"),
            "empty": ("   ", "malformed"),
        }
        for name, (text, reason) in cases.items():
            outcome = scan(performance, text)
            assert (outcome.result, outcome.check_in.reason) == (Result.UNKNOWN, reason), name
            assert outcome.check_in.ticket is None
    # The same ticket shown at another venue's door: unknown there (another key).
    with in_venue(venue_b):
        beta = build_performance(name="Salle Beta")
        outcome = scan(beta, good)
        assert (outcome.result, outcome.check_in.reason) == (Result.UNKNOWN, "wrong_key")
        assert scan(beta, ticket.code).result == Result.UNKNOWN


def test_a_door_name_is_required(venue_a, performance):
    with in_venue(venue_a), pytest.raises(ValidationFailed) as error:
        scan(performance, "x", door_name="  ")
    assert error.value.code == "ticketing.door.no_door"


def test_counts_by_door(venue_a, performance):
    with in_venue(venue_a):
        a, b, c = (sold_ticket(performance, label) for label in ("A1", "A2", "A6"))
        scan(performance, qr(a), door_name="Nord")
        scan(performance, qr(b), door_name="Sud")
        scan(performance, qr(b), door_name="Nord")  # already scanned: not counted twice
        counts = door_selectors.door_counts(performance)
        assert counts["scanned"] == 2
        assert counts["sold"] == 3
        assert counts["capacity"] == 50 + 20
        assert counts["by_door"] == [{"door": "Nord", "scanned": 1}, {"door": "Sud", "scanned": 1}]
        assert c.checked_in_at is None


def test_the_bundle_lists_the_tickets_that_open_the_door(venue_a, performance):
    with in_venue(venue_a):
        a = sold_ticket(performance, "A1")
        b = sold_ticket(performance, "A2")
        orders.refund_order(order=b.order)
        scan(performance, a.code)
        bundle = door_bundle(performance.pk)
        assert [t["id"] for t in bundle["tickets"]] == [a.pk]
        entry = bundle["tickets"][0]
        assert entry["code_hash"] == code_hash(a.code)
        assert entry["label"] == "Parterre A1"
        assert entry["checked_in_at"] is not None
        assert a.code not in str(bundle)  # the page's token never leaves the server
        assert bundle["revoked_ticket_ids"] == [b.pk]
        later = door_bundle(performance.pk, timezone.now() + timedelta(minutes=1))
        assert later["tickets"] == []


# --- offline sync ----------------------------------------------------------------------------
def offline(ticket, at, client_id, result=Result.VALID):
    return OfflineScan(client_id=client_id, scanned=qr(ticket), scanned_at=at, local_result=result)


def test_two_offline_devices_the_first_scan_wins_whoever_syncs_first(venue_a, performance):
    with in_venue(venue_a):
        ticket = sold_ticket(performance, "D1")
        now = timezone.now()
        early, late = now - timedelta(minutes=5), now - timedelta(minutes=2)
        # The later scan syncs first: it lets the ticket in…
        [b] = door.sync_check_ins(
            performance=performance,
            scans=[offline(ticket, late, "b1")],
            door="Sud",
            device_id="dev-b",
        )
        assert b.result == Result.VALID
        # …until the earlier one arrives: it becomes the entry, the later one the conflict.
        [a] = door.sync_check_ins(
            performance=performance,
            scans=[offline(ticket, early, "a1")],
            door="Nord",
            device_id="dev-a",
        )
        assert a.result == Result.VALID
        ticket.refresh_from_db()
        assert ticket.checked_in_at == early
        b_row = CheckIn.objects.get(client_id="b1")
        assert (b_row.result, b_row.conflict) == (Result.ALREADY_SCANNED, True)
        assert CheckIn.objects.get(client_id="a1").conflict is False
        assert [c.client_id for c in door_selectors.conflicts(performance)] == ["b1"]
        # One attendance, one event, whatever the order.
        assert Contact.objects.get(pk=ticket.order.contact_id).attendance_count == 1
        assert Event.objects.filter(code="ticketing.ticket.checked_in").count() == 1


def test_a_later_offline_scan_is_a_conflict(venue_a, performance):
    with in_venue(venue_a):
        ticket = sold_ticket(performance, "D2")
        scan(performance, qr(ticket), door_name="Nord")  # online, now
        [late] = door.sync_check_ins(
            performance=performance,
            scans=[offline(ticket, timezone.now() + timedelta(seconds=1), "x1")],
            door="Sud",
            device_id="dev-x",
        )
        assert (late.result, late.check_in.conflict) == (Result.ALREADY_SCANNED, True)
        assert door.describe(late)["previous"]["door"] == "Nord"


def test_sync_is_idempotent_and_keeps_refusals(venue_a, performance):
    with in_venue(venue_a):
        ticket = sold_ticket(performance, "D3")
        at = timezone.now() - timedelta(minutes=1)
        scans = [
            offline(ticket, at, "s1"),
            OfflineScan(
                client_id="s2",
                scanned="junk",
                scanned_at=at,
                local_result=Result.UNKNOWN,
                local_reason="malformed",
            ),
        ]
        first = door.sync_check_ins(performance=performance, scans=scans, door="A", device_id="d")
        again = door.sync_check_ins(performance=performance, scans=scans, door="A", device_id="d")
        assert [o.check_in.pk for o in first] == [o.check_in.pk for o in again]
        assert CheckIn.objects.filter(device_id="d").count() == 2
        assert CheckIn.objects.get(client_id="s2").result == Result.UNKNOWN
        assert not CheckIn.objects.filter(conflict=True).exists()


def test_an_offline_entry_on_a_ticket_revoked_meanwhile_is_a_conflict(venue_a, performance):
    with in_venue(venue_a):
        ticket = sold_ticket(performance, "D4")
        orders.refund_order(order=ticket.order)
        [outcome] = door.sync_check_ins(
            performance=performance,
            scans=[offline(ticket, timezone.now(), "r1")],
            door="A",
            device_id="d",
        )
        assert (outcome.result, outcome.check_in.conflict) == (Result.REVOKED, True)


def test_a_scan_costs_a_bounded_number_of_queries(
    venue_a, performance, django_assert_max_num_queries
):
    """Valid: key, ticket (with what the door shows), the conditional UPDATE, first time,
    crm's attendance (settings twice and one statement), the event, the row. Again: key,
    ticket, UPDATE matching nothing, re-read, the first entry, the row."""
    with in_venue(venue_a):
        first, second = sold_ticket(performance, "E1"), sold_ticket(performance, "E2")
        scan(performance, qr(first))
        text = qr(second)
        with django_assert_max_num_queries(11):  # savepoint and release included
            assert scan(performance, text).result == Result.VALID
        with django_assert_max_num_queries(8):
            assert scan(performance, text).result == Result.ALREADY_SCANNED
