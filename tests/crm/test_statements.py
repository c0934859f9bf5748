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

        assert report() == (True, True)
        assert report() == (False, True)  # the same order again: nothing moves
        contact.refresh_from_db()
        assert (contact.purchase_count, contact.amount_spent_cents) == (1, 2450)
        assert contact.first_purchase_at == contact.last_purchase_at == when
        assert TimelineEvent.objects.filter(contact=contact, dedupe_key="ORDER1").count() == 1
        # A contact that does not exist: the event is inserted (its key is checked at
        # commit), nothing is counted, and the caller learns it.
        ghost = TimelineEvent(
            contact_id=contact.pk + 10_000, code="ticketing.purchase", dedupe_key="X"
        )
        assert statements.report_once(ghost, counts) == (True, False)
        TimelineEvent.objects.filter(pk=ghost.pk).delete()
