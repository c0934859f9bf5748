"""The journeys' back office: list with switch and stats (constant queries), form (bad input
is a 400 with the field's error, never a 500), a journey's runs, staff tasks with their
"done" button; capability campaigns.manage; two venues never see each other's journeys."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.journeys import demo
from campaigns.journeys.models import Journey, JourneyRun, StaffTask
from campaigns.journeys.services import Entry, enter_runs, run_due_journeys
from campaigns.models import Campaign
from crm.models import Contact, TimelineEvent
from tenants.accounts.models import User
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db


def reads(queries) -> int:
    return sum(1 for q in queries.captured_queries if not q["sql"].startswith("SET "))


@pytest.fixture
def comms(venue_a, make_staff, client_for):
    user = make_staff(venue_a, User.Role.COMMUNICATION)
    client = client_for(venue_a, user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    return client


@pytest.fixture
def journeys_a(venue_a):
    with in_venue(venue_a):
        return demo.install_journeys(venue=venue_a)


def test_the_list_shows_journeys_with_switch_and_stats_in_constant_queries(
    venue_a, comms, journeys_a, django_capture_on_commit_callbacks
):
    response = comms.get("/backoffice/campaigns/journeys/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Rappel trois jours avant" in page and "Panier abandonné" in page
    assert 'role="switch"' in page
    with CaptureQueriesContext(connection) as few:
        comms.get("/backoffice/campaigns/journeys/")
    with in_venue(venue_a):
        # More journeys, runs, a conversion: the same number of queries.
        journey = Journey.objects.get(name="Alors, c'était comment ?")
        contact = Contact.objects.create(
            first_name="Zoé", email="zoe@example.fr", email_normalized="zoe@example.fr"
        )
        Contact.objects.filter(pk=contact.pk).update(email_consent=True)
        enter_runs(
            journeys=[journey],
            entries=[Entry(contact_id=contact.pk, occurrence="perf:1", anchor=timezone.now())],
        )
        with django_capture_on_commit_callbacks(execute=True):
            run_due_journeys(now=timezone.now() + timedelta(days=3, minutes=1))
        run = JourneyRun.objects.get(journey=journey)
        TimelineEvent.objects.create(
            contact=contact,
            code="ticketing.purchase",
            occurred_at=run.done_at + timedelta(days=1),
        )
        Journey.objects.create(name="Encore un", trigger="after_attendance", action="add_tag")
    with CaptureQueriesContext(connection) as more:
        response = comms.get("/backoffice/campaigns/journeys/")
    assert reads(more) == reads(few)
    with in_venue(venue_a):
        from campaigns.journeys.selectors import journey_stats

        stats = journey_stats([journey.pk])[journey.pk]
    assert (stats.entered, stats.sent, stats.converted) == (1, 1, 1)


def test_switching_a_journey_on_and_off(venue_a, comms, journeys_a):
    journey = journeys_a[0]
    response = comms.post(f"/backoffice/campaigns/journeys/{journey.pk}/switch/", {"enabled": "0"})
    assert response.status_code == 302
    with in_venue(venue_a):
        assert Journey.objects.get(pk=journey.pk).enabled is False
    comms.post(f"/backoffice/campaigns/journeys/{journey.pk}/switch/", {"enabled": "1"})
    with in_venue(venue_a):
        assert Journey.objects.get(pk=journey.pk).enabled is True


def test_creating_a_journey_and_bad_input(venue_a, comms, journeys_a):
    with in_venue(venue_a):
        email = Campaign.objects.filter(kind=Campaign.Kind.JOURNEY).first()
    assert comms.get("/backoffice/campaigns/journeys/new/").status_code == 200
    good = {
        "name": "Veille du spectacle",
        "trigger": "before_performance",
        "days": "1",
        "direction": "before",
        "action": "email",
        "campaign": email.pk,
        "threshold": "0",
    }
    response = comms.post("/backoffice/campaigns/journeys/new/", good)
    assert response.status_code == 302
    with in_venue(venue_a):
        journey = Journey.objects.get(name="Veille du spectacle")
    assert journey.offset_minutes == -1440 and journey.enabled is False
    for bad in (
        {"action": "email", "campaign": ""},  # no email chosen
        {"trigger": "after_attendance"},  # "before" an attendance
        {"days": "100000"},
        {"days": "abc"},
        {"trigger": "nonsense"},
        {"name": "x" * 500},
        {"campaign": "999999"},
    ):
        response = comms.post("/backoffice/campaigns/journeys/new/", {**good, **bad})
        assert response.status_code == 400, bad
    edit = comms.get(f"/backoffice/campaigns/journeys/{journey.pk}/edit/")
    assert edit.status_code == 200 and 'value="1"' in edit.content.decode()


def test_a_journeys_page_lists_its_runs(venue_a, comms, journeys_a):
    with in_venue(venue_a):
        journey = journeys_a[1]
        contact = Contact.objects.create(first_name="Inès", last_name="Run")
        enter_runs(
            journeys=[journey],
            entries=[Entry(contact_id=contact.pk, occurrence="perf:7", anchor=timezone.now())],
        )
    response = comms.get(f"/backoffice/campaigns/journeys/{journey.pk}/")
    assert response.status_code == 200
    assert "perf:7" in response.content.decode()
    assert (
        comms.get(f"/backoffice/campaigns/journeys/{journey.pk}/?status=bogus").status_code == 200
    )


def test_staff_tasks_and_their_done_button(venue_a, comms):
    with in_venue(venue_a):
        task = StaffTask.objects.create(title="Appeler Mme Martin")
    page = comms.get("/backoffice/campaigns/tasks/").content.decode()
    assert "Appeler Mme Martin" in page
    assert comms.post(f"/backoffice/campaigns/tasks/{task.pk}/done/").status_code == 302
    with in_venue(venue_a):
        task.refresh_from_db()
        assert task.done_at is not None
    assert "Appeler Mme Martin" not in comms.get("/backoffice/campaigns/tasks/").content.decode()
    assert "Appeler Mme Martin" in comms.get("/backoffice/campaigns/tasks/?done=1").content.decode()


def test_box_office_staff_may_not_open_journeys(venue_a, make_staff, client_for, journeys_a):
    client = client_for(venue_a, make_staff(venue_a, User.Role.BOX_OFFICE))
    assert client.get("/backoffice/campaigns/journeys/").status_code == 403
    assert (
        client.post(f"/backoffice/campaigns/journeys/{journeys_a[0].pk}/switch/").status_code == 403
    )
    assert client.get("/backoffice/campaigns/tasks/").status_code == 403


def test_two_venues_are_isolated(venue_a, venue_b, make_staff, client_for, journeys_a):
    """Venue B's staff sees none of A's journeys, runs or tasks; B's tick runs none of A's
    steps."""
    with in_venue(venue_a):
        journey = journeys_a[0]
        task = StaffTask.objects.create(title="Tâche d'Alpha")
        contact = Contact.objects.create(first_name="Alpha")
        enter_runs(
            journeys=[Journey.objects.get(name="Alors, c'était comment ?")],
            entries=[Entry(contact_id=contact.pk, occurrence="perf:1", anchor=timezone.now())],
        )
    b = client_for(venue_b, make_staff(venue_b, User.Role.ADMIN))
    listing = b.get("/backoffice/campaigns/journeys/").content.decode()
    assert "Rappel trois jours avant" not in listing
    for path in (
        f"/backoffice/campaigns/journeys/{journey.pk}/",
        f"/backoffice/campaigns/journeys/{journey.pk}/edit/",
    ):
        assert b.get(path).status_code == 404
    assert b.post(f"/backoffice/campaigns/journeys/{journey.pk}/switch/").status_code == 404
    assert b.post(f"/backoffice/campaigns/tasks/{task.pk}/done/").status_code == 404
    with in_venue(venue_b):
        report = run_due_journeys(now=timezone.now() + timedelta(days=400))
        assert report.taken == 0
    with in_venue(venue_a):
        assert JourneyRun.objects.get(contact=contact).status == JourneyRun.Status.SCHEDULED


def test_a_journey_page_draws_its_emails_over_time_with_the_table(
    venue_a, comms, journeys_a, django_capture_on_commit_callbacks
):
    with in_venue(venue_a):
        journey = Journey.objects.get(name="Alors, c'était comment ?")
        contact = Contact.objects.create(
            first_name="Zoé", email="zoe@example.fr", email_normalized="zoe@example.fr"
        )
        Contact.objects.filter(pk=contact.pk).update(email_consent=True)
        enter_runs(
            journeys=[journey],
            entries=[Entry(contact_id=contact.pk, occurrence="perf:1", anchor=timezone.now())],
        )
        with django_capture_on_commit_callbacks(execute=True):
            run_due_journeys(now=timezone.now() + timedelta(days=3, minutes=1))
    page = comms.get(f"/backoffice/campaigns/journeys/{journey.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-chart=" in html and "vendor/chart.umd.min.js" in html
    assert [row["sent"] for row in page.context["curve"].rows] == [1]
