"""The contact base's statistics page: figures cross-checked against the contacts made here,
who may open it, its cost in queries, and that a venue sees only its own base."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from analytics.contacts import contact_base
from crm.dedup.models import DuplicateCandidate
from crm.integrity.models import IntegritySnapshot
from crm.models import Contact
from tenants.accounts.models import User
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db
URL = "/backoffice/statistics/contacts/"


def make_base():
    now = timezone.now()
    a = Contact.objects.create(
        last_name="A",
        email="a@example.fr",
        phone="+33600000001",
        postcode="75011",
        first_source="web",
    )
    Contact.objects.filter(pk=a.pk).update(email_consent=True, sms_consent=False)
    b = Contact.objects.create(last_name="B", email="b@example.fr", first_source="box_office")
    Contact.objects.filter(pk=b.pk).update(email_consent=False)
    c = Contact.objects.create(last_name="C", postcode="69001", first_source="web")
    Contact.objects.filter(pk=c.pk).update(sms_consent=True, first_seen_at=now - timedelta(days=62))
    # Not counted: merged into A, anonymised, or seen before the last 12 months.
    merged = Contact.objects.create(last_name="M", email="m@example.fr", first_source="web")
    Contact.objects.filter(pk=merged.pk).update(merged_into=a)
    gone = Contact.objects.create(last_name="G", email="g@example.fr", first_source="web")
    Contact.objects.filter(pk=gone.pk).update(anonymised_at=now)
    old = Contact.objects.create(last_name="O", first_source="import")
    Contact.objects.filter(pk=old.pk).update(first_seen_at=now - timedelta(days=800))
    DuplicateCandidate.objects.create(contact_low=a, contact_high=b, score=0.9)
    DuplicateCandidate.objects.create(
        contact_low=b, contact_high=c, score=0.8, status=DuplicateCandidate.Status.DISMISSED
    )
    today = timezone.localdate()
    IntegritySnapshot.objects.create(
        day=today - timedelta(days=1), contacts=4, complete=1, average_score=50
    )
    IntegritySnapshot.objects.create(day=today, contacts=4, complete=2, average_score=60)


def test_the_figures_match_the_contacts(venue_a):
    with in_venue(venue_a):
        make_base()
        base = contact_base()
    assert base.contacts == 4  # A, B, C, O
    assert (base.with_email, base.with_phone, base.with_postcode) == (2, 1, 2)
    assert base.share(base.with_email) == pytest.approx(0.5)
    assert base.email_consent == {"granted": 1, "refused": 1, "unknown": 2}
    assert base.sms_consent == {"granted": 1, "refused": 1, "unknown": 2}
    assert base.integrity_rate == pytest.approx(0.5)
    assert [r["rate"] for r in base.tables["integrity"].rows] == [0.25, 0.5]
    assert base.duplicates_pending == 1
    rows = base.tables["growth"].rows
    assert len(rows) == 12 and rows[-1]["month"] == timezone.localdate().replace(day=1)
    assert sum(r["total"] for r in rows) == 3  # O is older than 12 months
    assert sum(r["web"] for r in rows) == 2 and sum(r["box_office"] for r in rows) == 1
    assert rows[-1]["total"] + sum(r["total"] for r in rows[:-1]) == 3
    assert "import" not in rows[0]


def test_an_empty_base_shows_without_error(venue_a, make_staff, client_for):
    client = client_for(venue_a, make_staff(venue_a, User.Role.COMMUNICATION))
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["board"].integrity_rate is None


def test_the_page_over_http(venue_a, make_staff, client_for):
    with in_venue(venue_a):
        make_base()
    client = client_for(venue_a, make_staff(venue_a, User.Role.COMMUNICATION))
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["board"].contacts == 4
    assert "/backoffice/contacts/duplicates/" in page
    assert 'id="analytics-charts"' in page and 'data-chart="growth"' in page
    assert "/backoffice/statistics/" in page  # the tab back to the sales page
    export = client.get(URL, {"export": "growth", "format": "csv"})
    assert export.status_code == 200 and "text/csv" in export["Content-Type"]
    assert client.get(URL, {"export": "nope"}).status_code == 404


def test_who_may_open_it(venue_a, make_staff, client_for):
    assert client_for(venue_a).get(URL).status_code == 302
    assert client_for(venue_a, make_staff(venue_a, User.Role.DOOR)).get(URL).status_code == 403


def test_the_page_costs_a_fixed_number_of_queries(
    venue_a, make_staff, client_for, django_assert_max_num_queries
):
    with in_venue(venue_a):
        make_base()
    client = client_for(venue_a, make_staff(venue_a, User.Role.COMMUNICATION))
    client.get(URL)
    with django_assert_max_num_queries(15):
        assert client.get(URL).status_code == 200


def test_a_venue_sees_only_its_own_base(venue_a, venue_b, make_staff, client_for):
    with in_venue(venue_a):
        make_base()
    response = client_for(venue_b, make_staff(venue_b, User.Role.COMMUNICATION)).get(URL)
    assert response.status_code == 200
    board = response.context["board"]
    assert board.contacts == 0 and board.duplicates_pending == 0
    assert board.tables["integrity"].rows == [] and board.tables["growth"].rows == []
    assert date.today() and "75011" not in response.content.decode()
