"""The other triggers: an abandoned cart of a known spectator (the hold's contact, set by the
storefront, carried by `ticketing.hold.expired`), a favourite show's sale opening and last
seats, unused card credit; and the other actions (SMS, tag, staff task)."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from campaigns.journeys import demo
from campaigns.journeys.models import Action, Journey, JourneyRun, StaffTask, Trigger
from campaigns.journeys.services import run_due_journeys
from crm.models import Contact, Favourite, SpectatorAccount
from crm.services import set_consent
from tenants import sms
from tenants.events.models import Event
from tenants.events.services.dispatch import dispatch_pending
from tests.helpers import in_venue
from tests.ticketing.conftest import build_performance
from tests.ticketing.tickets_helpers import sell
from ticketing.models import Hold, Seat
from ticketing.services import inventory
from ticketing.services.inventory import HoldRequest
from ticketing.spectator_session import ACCOUNT_KEY, VERIFIER_KEY, _verifier

pytestmark = pytest.mark.django_db
CART = "Panier abandonné"


def tick(capture):
    with capture(execute=True):
        return run_due_journeys()


def only(name: str) -> Journey:
    Journey.objects.exclude(name=name).update(enabled=False)
    return Journey.objects.get(name=name)


def known_spectator(email="anne.cart@example.fr") -> Contact:
    contact = Contact.objects.create(
        first_name="Anne", email=email, email_normalized=email, language="fr"
    )
    set_consent(contact=contact, channel="email_newsletter", granted=True, source="web")
    return contact


def seats(performance, *labels) -> list[int]:
    return list(
        Seat.objects.filter(section__layout=performance.layout, label__in=labels)
        .order_by("label")
        .values_list("pk", flat=True)
    )


def expire(hold: Hold) -> None:
    with time_machine.travel(hold.expires_at + timedelta(seconds=1), tick=False):
        inventory.release_expired_holds()
        dispatch_pending()


def test_an_expired_cart_of_a_known_spectator_gets_one_reminder(
    venue_a, django_capture_on_commit_callbacks
):
    with in_venue(venue_a):
        performance = build_performance()
        demo.install_journeys(venue=venue_a)
        only(CART)
        contact = known_spectator()
        seat_ids = seats(performance, "A1", "A2")
        hold = inventory.create_hold(
            performance=performance, request=HoldRequest(seat_ids=seat_ids), contact_id=contact.pk
        )
        expire(hold)
        event = Event.objects.filter(code="ticketing.hold.expired", key=f"hold:{hold.pk}").get()
        assert event.data["contact_id"] == contact.pk
        assert event.data["seat_ids"] == sorted(seat_ids)
        run = JourneyRun.objects.get(contact=contact)
        assert run.occurrence == f"cart:perf:{performance.pk}"
        assert run.context["seat_ids"] == sorted(seat_ids)
        # A second cart for the same performance, left too: still one reminder.
        again = inventory.create_hold(
            performance=performance,
            request=HoldRequest(seat_ids=seats(performance, "A5")),
            contact_id=contact.pk,
        )
        expire(again)
        assert JourneyRun.objects.filter(contact=contact).count() == 1
        with time_machine.travel(run.due_at + timedelta(minutes=1), tick=False):
            tick(django_capture_on_commit_callbacks)
            tick(django_capture_on_commit_callbacks)
        assert len(mail.outbox) == 1
        html = mail.outbox[0].alternatives[0][0]
        assert "encore libres" in html
        assert f"/performances/{performance.pk}/" in html  # back to the same performance


def test_an_anonymous_cart_enters_nobody_and_a_bought_one_is_not_reminded(
    venue_a, django_capture_on_commit_callbacks
):
    with in_venue(venue_a):
        performance = build_performance()
        demo.install_journeys(venue=venue_a)
        only(CART)
        anonymous = inventory.create_hold(
            performance=performance, request=HoldRequest(seat_ids=seats(performance, "B1"))
        )
        expire(anonymous)
        assert not JourneyRun.objects.exists()
        contact = known_spectator("marc.achat@example.fr")
        hold = inventory.create_hold(
            performance=performance,
            request=HoldRequest(seat_ids=seats(performance, "B2")),
            contact_id=contact.pk,
        )
        expire(hold)
        sell(performance, "B3", email="marc.achat@example.fr")  # bought after all
        run = JourneyRun.objects.get(contact=contact)
        with time_machine.travel(run.due_at + timedelta(minutes=1), tick=False):
            tick(django_capture_on_commit_callbacks)
        run.refresh_from_db()
        assert (run.status, run.outcome) == (JourneyRun.Status.SKIPPED, "bought_after_all")


def test_the_storefront_knows_a_signed_in_spectators_cart(venue_a, client_for):
    with in_venue(venue_a):
        performance = build_performance()
        contact = known_spectator("signed.in@example.fr")
        account = SpectatorAccount.objects.create(contact=contact)
        a1 = seats(performance, "C1")
    client = client_for(venue_a)
    with in_venue(venue_a):  # signed in (sessions live in the venue's schema)
        session = client.session
        session[ACCOUNT_KEY] = account.pk
        session[VERIFIER_KEY] = _verifier(account)
        session.save()
    response = client.post(f"/performances/{performance.pk}/hold/", {"seats": a1})
    assert response.status_code == 302
    with in_venue(venue_a):
        assert Hold.objects.get(performance=performance).contact_id == contact.pk


def test_the_checkout_email_of_a_known_contact_marks_the_cart(venue_a, client_for):
    with in_venue(venue_a):
        performance = build_performance()
        contact = known_spectator("deja.connue@example.fr")
        category = performance.categories.get(name="Cat. 1")
    client = client_for(venue_a)
    client.post(f"/performances/{performance.pk}/hold/", {"category": category.pk, "quantity": 1})
    with in_venue(venue_a):
        assert Hold.objects.get(performance=performance).contact_id is None
    client.post(
        "/checkout/",
        {
            "email": "Deja.Connue@example.fr",
            "first_name": "Déjà",
            "last_name": "Connue",
            "phone": "",
            "postcode": "",
            "action": "pay",
        },
    )
    with in_venue(venue_a):
        assert Hold.objects.get(performance=performance).contact_id == contact.pk


def test_favourite_show_few_seats_left_and_sale_opening(
    venue_a, django_capture_on_commit_callbacks
):
    with in_venue(venue_a):
        performance = build_performance(rows=1, seats_per_row=8, zone_capacity=0)
        demo.install_journeys(venue=venue_a)
        Journey.objects.exclude(
            name__in=["Favori : dernières places", "Favori : ouverture des ventes"]
        ).update(enabled=False)
        fan = known_spectator("fan@example.fr")
        Favourite.objects.create(contact=fan, show_id=performance.show_id)
        performance.sale_opens_at = timezone.now() - timedelta(minutes=2)
        performance.save(update_fields=["sale_opens_at"])
        tick(django_capture_on_commit_callbacks)
        tick(django_capture_on_commit_callbacks)
        occurrences = sorted(
            JourneyRun.objects.filter(contact=fan).values_list("occurrence", flat=True)
        )
        assert occurrences == [f"perf:{performance.pk}:few", f"show:{performance.show_id}:sale"]
        assert sorted(m.subject for m in mail.outbox) == [
            "Le Misanthrope : la billetterie est ouverte",
            "Le Misanthrope : plus que quelques places",
        ]


def test_unused_credit_after_n_days_email_and_task(venue_a, django_capture_on_commit_callbacks):
    with in_venue(venue_a):
        demo.install_journeys(venue=venue_a)
        Journey.objects.exclude(trigger=Trigger.UNUSED_CREDIT).update(enabled=False)
        holder = known_spectator("carte@example.fr")
        Contact.objects.filter(pk=holder.pk).update(
            unused_credit_cents=3000, last_purchase_at=timezone.now() - timedelta(days=70)
        )
        fresh = known_spectator("carte.neuve@example.fr")
        Contact.objects.filter(pk=fresh.pk).update(
            unused_credit_cents=3000, last_purchase_at=timezone.now() - timedelta(days=10)
        )
        tick(django_capture_on_commit_callbacks)
        tick(django_capture_on_commit_callbacks)
        assert [m.to for m in mail.outbox] == [["carte@example.fr"]]
        assert not StaffTask.objects.exists()  # the call comes at 90 days
        with time_machine.travel(timezone.now() + timedelta(days=21), tick=False):
            tick(django_capture_on_commit_callbacks)
        task = StaffTask.objects.get()
        assert task.contact_id == holder.pk
        assert "crédit de carte" in task.title


def test_sms_and_tag_actions(venue_a, django_capture_on_commit_callbacks):
    with in_venue(venue_a):
        contact = Contact.objects.create(first_name="Sam", phone="+33639980001")
        texting = Journey.objects.create(
            name="SMS",
            enabled=True,
            trigger=Trigger.UNUSED_CREDIT,
            threshold=1,
            action=Action.SMS,
            sms_text="{{first_name}}, votre carte vous attend !",
        )
        Journey.objects.create(
            name="Tag",
            enabled=True,
            trigger=Trigger.UNUSED_CREDIT,
            threshold=1,
            action=Action.ADD_TAG,
            tag="Crédit dormant",
        )
        Contact.objects.filter(pk=contact.pk).update(
            unused_credit_cents=500, last_purchase_at=timezone.now() - timedelta(days=5)
        )
        tick(django_capture_on_commit_callbacks)
        contact.refresh_from_db()
        assert contact.tags == ["Crédit dormant"]
        run = JourneyRun.objects.get(journey=texting)
        assert (run.status, run.outcome) == (JourneyRun.Status.SKIPPED, "no_sms_consent")
        assert sms.outbox == []
        # With SMS consent, on the next occurrence (a later purchase), the text goes.
        set_consent(contact=contact, channel="sms", granted=True, source="web")
        Contact.objects.filter(pk=contact.pk).update(
            last_purchase_at=timezone.now() - timedelta(days=3)
        )
        tick(django_capture_on_commit_callbacks)
        assert [m.body for m in sms.outbox] == ["Sam, votre carte vous attend !"]
