"""The sales ledger: each kind of entry as the real services write it, the chain and its
numbering, the database's refusal to change it, verify_ledger naming what was tampered with,
the signed closings and the archive."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation

from tests.helpers import in_venue
from ticketing.ledger import closings
from ticketing.ledger.archive import build_archive
from ticketing.ledger.chain import entry_hash
from ticketing.ledger.selectors import venue_zone, verify_chain
from ticketing.ledger.services import chain_pending
from ticketing.ledger.signing import ledger_key, verify
from ticketing.models import LedgerClosing, LedgerEntry, LedgerHead, Order
from ticketing.services import orders
from ticketing.services.inventory import HoldRequest
from ticketing.services.orders import Buyer, PaymentSpec, TariffChoice

from .test_sales import seats_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """verify_ledger speaks the venue's language; the messages matched here are English."""
    with translation.override("en"):
        yield


def entries_of(order: Order) -> list[LedgerEntry]:
    """The order's entries, once what the journal holds is chained (after the commit in real
    life; the test's transaction never commits)."""
    chain_pending()
    return list(LedgerEntry.objects.filter(order_id=order.pk).order_by("number"))


def kinds(order: Order) -> list[tuple[str, int]]:
    return [(e.kind, e.total_cents) for e in entries_of(order)]


def sell(performance, plein, *labels, **options) -> Order:
    options.setdefault("payments", [PaymentSpec("cash", None)])
    return orders.sell(
        performance=performance,
        request=HoldRequest(seat_ids=seats_of(performance, *labels)),
        tariffs=TariffChoice(plein.pk),
        **options,
    )


def test_a_counter_sale_writes_the_sale_and_its_payments(venue_a, performance, plein, make_staff):
    clerk = make_staff(venue_a, "box_office")
    with in_venue(venue_a):
        chain_pending()
        head = LedgerHead.objects.filter(singleton=True).values_list("number", flat=True).first()
        order = sell(
            performance,
            plein,
            "A1",
            "A2",
            payments=[PaymentSpec("card_counter", 2000), PaymentSpec("cash", 4000)],
            actor=clerk,
        )
        sale, card, cash = entries_of(order)
        assert sale.number == (head or 0) + 1 and [card.number, cash.number] == [
            sale.number + 1,
            sale.number + 2,
        ]
        assert (sale.kind, sale.total_cents, sale.order_reference) == (
            "sale",
            5000,
            order.reference,
        )
        assert sale.vat_cents == {str(plein.tax_rate_bp): 5000} and sale.fee_cents == 0
        assert sale.data["channel"] == "box_office" and sale.actor_id == clerk.pk
        assert str(clerk) in sale.actor_label
        # Cash first (settle_payments' order), its change recorded.
        assert (card.kind, card.method, card.total_cents) == ("payment", "cash", 3000)
        assert card.data == {"change_cents": 1000}
        assert (cash.method, cash.total_cents) == ("card_counter", 2000)
        assert card.previous_hash == sale.hash and cash.previous_hash == card.hash
        assert LedgerHead.objects.get().hash == cash.hash
        assert verify_chain().ok


def test_a_reservation_paid_later_then_another_cancelled(venue_a, performance, plein):
    with in_venue(venue_a):
        paid_later = sell(performance, plein, "A1", payments=[], allow_pending=True)
        orders.record_payment(order=paid_later, payment=PaymentSpec("cheque", 2500))
        assert kinds(paid_later) == [("sale", 2500), ("payment", 2500)]
        assert entries_of(paid_later)[0].data["status"] == "pending"
        dropped = sell(performance, plein, "A3", payments=[], allow_pending=True)
        orders.cancel_order(order=dropped, reason="délai passé")
        sale, cancellation = entries_of(dropped)
        assert (cancellation.kind, cancellation.total_cents) == ("cancellation", -2500)
        assert cancellation.vat_cents == {k: -v for k, v in sale.vat_cents.items()}
        assert verify_chain().ok


def test_a_partial_then_full_refund(venue_a, performance, plein):
    with in_venue(venue_a):
        order = sell(performance, plein, "A1", "A2", buyer=Buyer(email="r@example.fr"))
        first = order.tickets.get(seat_id=seats_of(performance, "A1")[0])
        orders.refund_order(order=order, ticket_ids=[first.pk], withheld_cents=300)
        orders.refund_order(order=order, method="voucher")
        assert kinds(order) == [
            ("sale", 5000),
            ("payment", 5000),
            ("refund", -2200),
            ("payment", -2200),
            ("refund", -2500),
            ("payment", -2500),
        ]
        partial, full = [e for e in entries_of(order) if e.kind == "refund"]
        assert partial.data["withheld_cents"] == 300 and partial.data["tickets"] == [first.pk]
        assert partial.vat_cents == {str(plein.tax_rate_bp): -2500}
        assert partial.data["whole_order"] is False and full.data["whole_order"] is True
        assert [e.method for e in entries_of(order) if e.kind == "payment"][1:] == [
            "cash",
            "voucher",
        ]


def test_an_exchange(venue_a, performance, plein):
    from tests.ticketing.conftest import build_performance

    with in_venue(venue_a):
        other = build_performance(name="Salle 2", starts_in_days=30)
        order = sell(performance, plein, "A1")
        ticket = order.tickets.get()
        (new,) = orders.exchange_tickets(
            order=order,
            ticket_ids=[ticket.pk],
            to_performance=other,
            request=HoldRequest(seat_ids=seats_of(other, "E1")),
            tariffs=TariffChoice(plein.pk),
        )
        exchange, credit = entries_of(order)[2:]
        assert (exchange.kind, exchange.total_cents) == ("exchange", -700)
        assert exchange.data == {"old_tickets": [ticket.pk], "new_tickets": [new.pk]}
        assert (credit.kind, credit.method, credit.total_cents) == ("payment", "voucher", -700)


def test_a_failed_sale_leaves_no_entry_and_no_number(venue_a, performance, plein):
    with in_venue(venue_a):
        sell(performance, plein, "A1")
        chain_pending()
        before = LedgerHead.objects.get().number
        with pytest.raises(Exception):  # noqa: B017 (any refusal)
            sell(performance, plein, "A1")  # sold already
        assert chain_pending() == 0 and LedgerHead.objects.get().number == before
        assert LedgerEntry.objects.filter(number__gt=before).count() == 0


# --- The database refuses changes ----------------------------------------------------------
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ticketing_ledgerentry SET total_cents = 1 WHERE number = %s",
        "DELETE FROM ticketing_ledgerentry WHERE number = %s",
        "TRUNCATE ticketing_ledgerentry",
        "TRUNCATE ticketing_ledgerentry CASCADE",
    ],
)
def test_the_database_refuses_to_change_an_entry(venue_a, performance, plein, statement):
    with in_venue(venue_a):
        order = sell(performance, plein, "A1")
        number = entries_of(order)[0].number
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [number] if "%s" in statement else None)
        assert entries_of(order)[0].total_cents == 2500


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ticketing_ledgerpending SET total_cents = 1",
        "DELETE FROM ticketing_ledgerpending",
        "TRUNCATE ticketing_ledgerpending",
    ],
)
def test_the_journal_is_left_only_through_the_chaining(venue_a, performance, plein, statement):
    with in_venue(venue_a):
        chain_pending()
        order = sell(performance, plein, "A1")  # recorded in the journal, not chained
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
        assert [e.kind for e in entries_of(order)] == ["sale", "payment"]
        assert [e.total_cents for e in entries_of(order)] == [2500, 2500]


def test_the_database_refuses_to_change_a_closing(venue_a):
    with in_venue(venue_a):
        with time_machine.travel(timezone.now() + timedelta(days=3)):
            closing = closings.close_period(
                period="day", day=timezone.now().date() - timedelta(days=1)
            )
        for statement in (
            "UPDATE ticketing_ledgerclosing SET totals = '{}' WHERE id = %s",
            "DELETE FROM ticketing_ledgerclosing WHERE id = %s",
        ):
            with (
                pytest.raises(DatabaseError, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(statement, [closing.pk])


# --- verify_ledger names the first broken entry --------------------------------------------
def _tamper(sql: str, params=()) -> None:
    """Raw SQL with the ledger's trigger out of the way (as a DBA could), for this test's
    transaction only."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET LOCAL session_replication_role = origin")


def _verify() -> str:
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    return out.getvalue()


@pytest.fixture
def three_sales(venue_a, performance, plein):
    with in_venue(venue_a):
        sold = [sell(performance, plein, label) for label in ("A1", "A2", "A3")]
        assert "OK" in _verify()
        yield [entries_of(order) for order in sold]


def test_verify_ledger_names_an_altered_entry(three_sales):
    sale = three_sales[1][0]
    _tamper("UPDATE ticketing_ledgerentry SET total_cents = 100 WHERE number = %s", [sale.number])
    with pytest.raises(CommandError, match=f"entry {sale.number}: its content does not match"):
        _verify()


def test_verify_ledger_names_an_entry_whose_hash_was_recomputed(three_sales):
    """Altered and re-hashed: the next entry's previous hash gives it away."""
    sale = three_sales[1][0]
    sale.total_cents = 100
    from ticketing.ledger.chain import hash_of

    _tamper(
        "UPDATE ticketing_ledgerentry SET total_cents = 100, hash = %s WHERE number = %s",
        [hash_of(sale), sale.number],
    )
    with pytest.raises(CommandError, match=f"entry {sale.number + 1}: its previous hash"):
        _verify()


def test_verify_ledger_names_a_deleted_entry(three_sales):
    payment = three_sales[1][1]
    _tamper("DELETE FROM ticketing_ledgerentry WHERE number = %s", [payment.number])
    with pytest.raises(CommandError, match=f"entry {payment.number} is missing"):
        _verify()


def test_verify_ledger_names_the_deleted_last_entry(three_sales):
    last = three_sales[2][-1]
    _tamper("DELETE FROM ticketing_ledgerentry WHERE number = %s", [last.number])
    with pytest.raises(CommandError, match=f"entry {last.number} is missing: the chain head"):
        _verify()


def test_verify_ledger_names_an_inserted_entry(three_sales):
    """A row slipped in at the end, even well chained, is beyond the chain head; one slipped
    in the middle (numbers shifted up) breaks the next entry's previous hash."""
    last = three_sales[2][-1]
    fields = {
        "number": last.number + 1,
        "previous_hash": last.hash,
        "hash": entry_hash(last.number + 1, last.hash, "{}"),
    }
    _tamper(
        "INSERT INTO ticketing_ledgerentry (number, kind, order_id, order_reference, payment_id,"
        " method, currency, total_cents, vat_cents, fee_cents, actor_id, actor_label, data,"
        " created_at, previous_hash, hash) VALUES (%(number)s, 'refund', NULL, '', NULL, 'cash',"
        " 'EUR', -5000, '{}', 0, NULL, '', '{}', now(), %(previous_hash)s, %(hash)s)",
        fields,
    )
    with pytest.raises(CommandError, match=f"entry {last.number + 1}: "):
        _verify()


def test_verify_ledger_names_an_entry_inserted_in_the_middle(three_sales):
    second = three_sales[1][0]
    _tamper(
        "UPDATE ticketing_ledgerentry SET number = number + 1000000 WHERE number >= %s",
        [second.number],
    )
    _tamper(
        "INSERT INTO ticketing_ledgerentry (number, kind, order_reference, method, currency,"
        " total_cents, vat_cents, fee_cents, actor_label, data, created_at, previous_hash,"
        " hash) VALUES (%s, 'refund', '', 'cash', 'EUR', -5000, '{}', 0, '', '{}', now(), %s,"
        " %s)",
        [second.number, second.previous_hash, "f" * 64],
    )
    with pytest.raises(CommandError, match=f"entry {second.number}: its content"):
        _verify()


# --- Closings ------------------------------------------------------------------------------
def test_closings_are_signed_idempotent_and_chained(venue_a, performance, plein):
    with in_venue(venue_a):
        zone = venue_zone()
        today = timezone.now().astimezone(zone).date()
        day = today + timedelta(days=2)
        with time_machine.travel(datetime(day.year, day.month, day.day, 11, tzinfo=zone)):
            sold = sell(performance, plein, "A1", "A2")
            orders.refund_order(order=sold, ticket_ids=[sold.tickets.first().pk])
            with pytest.raises(closings.PeriodNotOver):
                closings.close_period(period="day", day=day)
        with time_machine.travel(datetime(day.year, day.month, day.day, 23, 59, tzinfo=zone)):
            sell(performance, plein, "A3", payments=[PaymentSpec("card_counter", None)])
        after = day + timedelta(days=1)
        with time_machine.travel(datetime(after.year, after.month, after.day, 0, 5, tzinfo=zone)):
            first = closings.close_due_periods()
            count = LedgerClosing.objects.count()
            again = closings.close_due_periods()
            assert closings.close_period(period="day", day=day) in first
        assert {c.pk for c in again} <= {c.pk for c in first}  # idempotent
        assert LedgerClosing.objects.count() == count
        closing = LedgerClosing.objects.get(period="day", start=day)
        assert closing.end == after
        totals = closing.totals
        assert totals["takings_cents"] == 5000 - 2500 + 2500
        assert totals["payments_cents"] == {"card_counter": 2500, "cash": 2500}
        assert totals["by_kind"]["sale"] == {"count": 2, "total_cents": 7500}
        assert totals["vat_cents"] == {str(plein.tax_rate_bp): 5000}
        assert totals["perpetual"]["takings_cents"] >= 5000
        assert verify(closing.payload, closing.signature, ledger_key().public_key)
        entry = LedgerEntry.objects.get(number=closing.entry_number)
        assert entry.kind == "closing" and entry.data["signature"] == closing.signature
        assert json.loads(closing.payload)["chain_hash"] == closing.chain_hash
        assert LedgerClosing.objects.filter(period="day", start=day).count() == 1
        assert "OK" in _verify()

        archive = zipfile.ZipFile(io.BytesIO(build_archive(closing)))
        assert set(archive.namelist()) == {
            "entries.csv",
            "closing.json",
            "manifest.json",
            "manifest.sig",
        }
        manifest = archive.read("manifest.json").decode()
        assert verify(manifest, archive.read("manifest.sig").decode(), ledger_key().public_key)
        data = archive.read("entries.csv")
        assert json.loads(manifest)["entries_csv_sha256"] == hashlib.sha256(data).hexdigest()
        import csv

        rows = list(csv.DictReader(io.StringIO(data.decode())))
        assert [r["kind"] for r in rows] == [
            "sale",
            "payment",
            "refund",
            "payment",
            "sale",
            "payment",
        ]
        for row in rows:  # an auditor's recomputation, from the CSV alone
            assert entry_hash(int(row["number"]), row["previous_hash"], row["body"]) == row["hash"]

        # A closing whose signed figures were changed is named.
        _tamper("UPDATE ticketing_ledgerclosing SET totals = '{}' WHERE id = %s", [closing.pk])
        with pytest.raises(CommandError, match="differs from what was signed"):
            _verify()
