"""The CRM's one-statement writes (crm/statements.py) store what the ORM stores."""

import copy
from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest, Least
from django.utils import timezone

from crm import statements
from crm.models import Contact, TimelineEvent
from tenants.events.models import Event
from tenants.events.services import build_event
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db
# Stamped with the time of each write: the only fields allowed to differ.
STAMPS = {"id", "created_at", "updated_at", "recorded_at"}


def _done(reported) -> tuple[bool, bool]:
    """(event inserted, contact found) of a report."""
    return reported.inserted, reported.known


def _row(model, pk, **replace) -> dict:
    obj = model.objects.get(pk=pk)
    values = {
        f.name: getattr(obj, f.attname) for f in model._meta.concrete_fields if f.name not in STAMPS
    }
    return {**values, **replace}


def test_a_contact_created_in_one_statement_is_the_orm_s(venue_a):
    with in_venue(venue_a):
        contact = Contact(
            email="Zoe@Example.org",
            email_normalized="zoe@example.org",
            first_name="Zoé",
            last_name="Duval",
            phone="+33612345678",
            postcode="49100",
        )
        created = TimelineEvent(code="crm.contact.created", data={"source": "web"}, actor_label="x")
        event = build_event(code="crm.contact.created", key="contact:", data={"source": "web"})
        orm = copy.deepcopy((contact, created, event))
        with transaction.atomic():
            o_contact, o_created, o_event = orm
            o_contact.save()
            o_created.contact = o_contact
            o_created.save()
            o_event.key = f"contact:{o_contact.pk}"
            o_event.data = {**o_event.data, "contact_id": o_contact.pk}
            o_event.save()
            expected = (
                _row(Contact, o_contact.pk),
                _row(TimelineEvent, o_created.pk, contact="<new>"),
                _row(Event, o_event.pk, key="contact:<new>", data={"source": "web"}),
            )
            transaction.set_rollback(True)

        assert statements.create_contact(contact, created, event)
        written = (
            _row(Contact, contact.pk),
            _row(TimelineEvent, created.pk, contact="<new>"),
            _row(Event, event.pk, key="contact:<new>", data={"source": "web"}),
        )
        assert written[0] == expected[0]
        assert written[1] == {**expected[1], "contact": "<new>"}
        assert Event.objects.get(pk=event.pk).data == {"source": "web", "contact_id": contact.pk}
        assert written[2] == expected[2]
        # The instances handed back are the rows written.
        assert created.contact_id == contact.pk and event.key == f"contact:{contact.pk}"
        # The same email again: nothing written.
        again = Contact(email="zoe@example.org", email_normalized="zoe@example.org")
        assert not statements.create_contact(again, TimelineEvent(code="crm.contact.created"), None)
        assert Contact.objects.filter(email_normalized="zoe@example.org").count() == 1


def test_a_report_is_recorded_once_with_its_counts(venue_a):
    with in_venue(venue_a):
        contact = Contact.objects.create(last_name="Durand")
        when = timezone.now() - timedelta(days=2)
        counts = {
            "purchase_count": F("purchase_count") + 1,
            "amount_spent_cents": F("amount_spent_cents") + 2450,
            "first_purchase_at": Least(F("first_purchase_at"), when),
            "last_purchase_at": Greatest(F("last_purchase_at"), when),
        }

        def report():
            return statements.report_once(
                TimelineEvent(
                    contact_id=contact.pk,
                    code="ticketing.purchase",
                    dedupe_key="ORDER1",
                    occurred_at=when,
                    data={"order": "ORDER1"},
                ),
                counts,
            )

        assert _done(report()) == (True, True)
        assert _done(report()) == (False, True)  # the same order again: nothing moves
        contact.refresh_from_db()
        assert (contact.purchase_count, contact.amount_spent_cents) == (1, 2450)
        assert contact.first_purchase_at == contact.last_purchase_at == when
        assert TimelineEvent.objects.filter(contact=contact, dedupe_key="ORDER1").count() == 1
        # A contact that does not exist: the event is inserted (its key is checked at
        # commit), nothing is counted, and the caller learns it.
        ghost = TimelineEvent(
            contact_id=contact.pk + 10_000, code="ticketing.purchase", dedupe_key="X"
        )
        assert _done(statements.report_once(ghost, counts)) == (True, False)
        TimelineEvent.objects.filter(pk=ghost.pk).delete()


def test_a_purchase_s_behaviour_rows_are_the_orm_s(venue_a):
    """The season, genre and affinity upserts of one report store what get_or_create and F()
    updates would (written again with the ORM here, rolled back, compared row by row)."""
    from crm.behaviour import PURCHASE_WEIGHT
    from crm.models import Affinity, GenreStats, SeasonStats
    from crm.services import record_purchase

    with in_venue(venue_a):
        when = timezone.now() - timedelta(days=1)
        contact = Contact.objects.create(last_name="Durand")

        def orm_purchase(n: int) -> None:
            season, _ = SeasonStats.objects.get_or_create(contact=contact, season="2026-2027")
            SeasonStats.objects.filter(pk=season.pk).update(
                purchases=F("purchases") + 1,
                tickets=F("tickets") + 2,
                spend_cents=F("spend_cents") + 3000,
            )
            for genre in ("cirque", "danse"):
                row, _ = GenreStats.objects.get_or_create(contact=contact, genre=genre)
                GenreStats.objects.filter(pk=row.pk).update(
                    purchases=F("purchases") + 1,
                    last_purchased_at=Greatest(F("last_purchased_at"), when),
                )
                aff, _ = Affinity.objects.get_or_create(contact=contact, kind="genre", key=genre)
                Affinity.objects.filter(pk=aff.pk).update(weight=F("weight") + PURCHASE_WEIGHT)

        def rows():
            return (
                [
                    _row(SeasonStats, r.pk, contact=0)
                    for r in SeasonStats.objects.order_by("season")
                ],
                [_row(GenreStats, r.pk, contact=0) for r in GenreStats.objects.order_by("genre")],
                [_row(Affinity, r.pk, contact=0) for r in Affinity.objects.order_by("key")],
            )

        with transaction.atomic():
            orm_purchase(1)
            orm_purchase(2)
            expected = rows()
            transaction.set_rollback(True)
        for n in (1, 2):
            record_purchase(
                contact_id=contact.pk,
                order_reference=f"ORD{n}",
                tickets=2,
                amount_cents=3000,
                occurred_at=when,
                genres=["danse", "cirque"],
                season="2026-2027",
            )
        assert rows() == expected
        assert expected[0][0]["purchases"] == 2 and len(expected[1]) == 2


@pytest.mark.parametrize("days", [0, 1, 89, 90, 91, 180, 181, 365, 366, 730, 731, 2000])
def test_recency_in_sql_is_recency_in_python(venue_a, days):
    from django.db import connection

    from crm.behaviour import recency_score, recency_sql

    now = timezone.now()
    last = now - timedelta(days=days, hours=3)
    with in_venue(venue_a):
        contact = Contact.objects.create(last_name="Durand", last_purchase_at=last)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {recency_sql('p.now')} FROM crm_contact, "
                "(SELECT %s::timestamptz AS now) AS p WHERE id = %s",
                [now, contact.pk],
            )
            assert cursor.fetchone()[0] == recency_score(last, now)


def test_criteria_set_in_one_statement_are_the_orm_s(venue_a):
    from tenants.events.services import build_event

    with in_venue(venue_a):
        contact = Contact.objects.create(last_name="Durand")
        values = {"criteria": ["regular"], "rfm_recency": 5, "rfm_frequency": 3}
        at = timezone.now()

        def fresh():
            event = TimelineEvent(
                contact_id=contact.pk,
                code="crm.criteria.changed",
                occurred_at=at,
                data={"added": ["regular"]},
            )
            outbox = build_event(
                code="crm.contact.criteria_changed",
                key=f"contact:{contact.pk}",
                data={"contact_id": contact.pk},
            )
            outbox.occurred_at = at
            return event, outbox

        with transaction.atomic():
            event, outbox = fresh()
            Contact.objects.filter(pk=contact.pk).update(**values)
            event.save()
            outbox.save()
            expected = (
                _row(Contact, contact.pk),
                _row(TimelineEvent, event.pk),
                _row(Event, outbox.pk),
            )
            transaction.set_rollback(True)
        event, outbox = fresh()
        statements.set_criteria(contact.pk, values, event, outbox)
        assert (
            _row(Contact, contact.pk),
            _row(TimelineEvent, event.pk),
            _row(Event, outbox.pk),
        ) == expected
