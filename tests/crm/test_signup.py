"""The embeddable newsletter sign-up: double opt-in, consent proof, single-use links, limits,
iframe-friendly, per venue."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from crm.models import Affinity, Consent, Contact, Source
from crm.services import find_or_create_contact
from crm.signup.services import MAX_EMAILS_PER_DAY, confirm_signup, signup_settings, start_signup
from tenants.accounts.models import AuditEvent, User
from tenants.errors import ValidationFailed
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db(transaction=False)


def _link(message) -> str:
    return re.search(r"https?://\S+/inscription/confirmer/\S+/", message.body).group(0)


def _token(message) -> str:
    return _link(message).rstrip("/").rsplit("/", 1)[1]


def test_nobody_consents_before_following_the_link(
    venue_a, client_for, django_capture_on_commit_callbacks
):
    with in_venue(venue_a):
        row = signup_settings()
        row.interests = "Danse\nThéâtre\nJeune public"
        row.save()
    client = client_for(venue_a)
    page = client.get("/inscription/")
    assert page.status_code == 200
    assert "X-Frame-Options" not in page.headers  # embeddable on the venue's own website
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/inscription/",
            {
                "email": "Ada@Example.org",
                "first_name": "Ada",
                "postcode": "75011",
                "interests": ["Danse"],
                "consent": "on",
            },
            REMOTE_ADDR="203.0.113.9",
        )
    assert response.status_code == 200
    assert len(mail.outbox) == 1
    with in_venue(venue_a):
        assert not Contact.objects.exists()
    confirmed = client.get(
        _link(mail.outbox[0]).split("://", 1)[1].split("/", 1)[1].join(["/", ""])
    )
    assert confirmed.status_code == 200
    with in_venue(venue_a):
        contact = Contact.objects.get()
        assert (contact.email_normalized, contact.first_source, contact.department) == (
            "ada@example.org",
            Source.NEWSLETTER,
            "75",
        )
        assert contact.email_consent is True
        consent = Consent.objects.get(contact=contact)
        assert consent.ip_address == "203.0.113.9"
        assert "newsletter" in consent.wording
        assert consent.confirmed_at is not None and consent.recorded_at < consent.confirmed_at
        assert list(Affinity.objects.values_list("key", flat=True)) == ["Danse"]


def test_a_link_works_once_and_expires(venue_a, django_capture_on_commit_callbacks):
    with in_venue(venue_a):
        with django_capture_on_commit_callbacks(execute=True):
            start_signup(email="ben@example.org")
        token = _token(mail.outbox[0])
        confirm_signup(token=token)
        confirm_signup(token=token)  # a mail scanner following it again changes nothing
        assert Consent.objects.count() == 1
        with django_capture_on_commit_callbacks(execute=True):
            start_signup(email="cy@example.org")
        late = _token(mail.outbox[1])
        with (
            time_machine.travel(timezone.now() + timedelta(days=8)),
            pytest.raises(ValidationFailed) as error,
        ):
            confirm_signup(token=late)
        assert error.value.code == "crm.signup_link_invalid"
        with pytest.raises(ValidationFailed):
            confirm_signup(token="forged")


def test_an_existing_contact_keeps_its_record_and_gains_the_consent(
    venue_a, django_capture_on_commit_callbacks
):
    with in_venue(venue_a):
        known = find_or_create_contact(
            email="dan@example.org", first_name="Dan", source=Source.BOX_OFFICE
        )
        with django_capture_on_commit_callbacks(execute=True):
            start_signup(email="DAN@example.org", first_name="Daniel")
        confirm_signup(token=_token(mail.outbox[0]))
        known.refresh_from_db()
        assert (known.first_name, known.email_consent) == ("Dan", True)
        assert Contact.objects.count() == 1


def test_one_address_gets_a_few_emails_a_day_at_most(venue_a, django_capture_on_commit_callbacks):
    with in_venue(venue_a):
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(MAX_EMAILS_PER_DAY + 2):
                start_signup(email="eve@example.org")
        assert len(mail.outbox) == MAX_EMAILS_PER_DAY


def test_bad_input_and_too_many_posts_are_refused_clearly(venue_a, client_for):
    client = client_for(venue_a)
    response = client.post("/inscription/", {"email": "not-an-email"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Tick the box" in page or "Cochez" in page
    for n in range(10):
        client.post("/inscription/", {"email": f"p{n}@example.org", "consent": "on"})
    assert (
        client.post("/inscription/", {"email": "x@example.org", "consent": "on"}).status_code == 429
    )


def test_staff_set_the_form_and_get_the_snippet(venue_a, venue_b, make_staff, client_for):
    client = client_for(venue_a, make_staff(venue_a, User.Role.COMMUNICATION))
    page = client.get("/backoffice/signup-form/").content.decode()
    assert "&lt;iframe src=" in page and "/inscription/" in page
    response = client.post(
        "/backoffice/signup-form/",
        {
            "intro": "Nos nouvelles, une fois par mois.",
            "interests": "Cirque",
            "ask_postcode": "",
            "accent_colour": "#123456",
        },
    )
    assert response.status_code == 302
    form = client_for(venue_a).get("/inscription/").content.decode()
    assert "Nos nouvelles" in form and "Cirque" in form and 'name="postcode"' not in form
    assert "Cirque" not in client_for(venue_b).get("/inscription/").content.decode()
    bad = client.post("/backoffice/signup-form/", {"accent_colour": "red"})
    assert bad.status_code == 200 and "#8a1538" in bad.content.decode()
    with in_venue(venue_a):
        assert AuditEvent.objects.filter(code="crm.signup.updated").count() == 1
