"""A communication officer looks after the venue's journeys in a real browser: the list with
its figures, switching a journey off and on, a journey's page with its steps, the form, the
staff tasks and their "done" button; at phone and desktop sizes. With
PARTERRE_SCREENSHOTS=<dir> the pages are saved there as images (journeys-*.png)."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from campaigns.journeys import demo
from campaigns.journeys.models import Journey, JourneyRun, StaffTask
from campaigns.journeys.services import Entry, enter_runs, run_due_journeys
from campaigns.models import Campaign, Delivery
from crm.models import Contact, Segment
from tenants.accounts.models import User
from tests.helpers import PASSWORD, committed

pytestmark = [pytest.mark.django_db, pytest.mark.browser]
EMAIL = "browser-journeys@alpha.test"


@pytest.fixture
def officer(venue_a):
    def setup():
        demo.install_journeys(venue=venue_a)
        journey = Journey.objects.get(name="Alors, c'était comment ?")
        contacts = [
            Contact.objects.create(
                first_name=first,
                last_name=last,
                email=f"{first.lower()}.journeys@exemple.fr",
                email_normalized=f"{first.lower()}.journeys@exemple.fr",
                email_consent=True,
            )
            for first, last in [("Léa", "Martin"), ("Paul", "Roux"), ("Inès", "Benali")]
        ]
        past = timezone.now() - timedelta(days=3, hours=2)
        enter_runs(
            journeys=[journey],
            entries=[Entry(contact_id=c.pk, occurrence="perf:12", anchor=past) for c in contacts],
            now=past,
        )
        enter_runs(
            journeys=[journey],
            entries=[
                Entry(contact_id=c.pk, occurrence="perf:14", anchor=timezone.now())
                for c in contacts[:2]
            ],
        )
        run_due_journeys()
        Delivery.objects.filter(contact=contacts[0]).update(opened_at=timezone.now(), opens=1)
        StaffTask.objects.create(
            title="Appeler pour proposer un spectacle (crédit de carte inutilisé)",
            contact=contacts[1],
            due_on=timezone.localdate(),
            journey=Journey.objects.get(name="Crédit inutilisé : un appel"),
        )
        return User.objects.create_user(
            EMAIL, PASSWORD, role=User.Role.COMMUNICATION, full_name="Colette Com"
        )

    user = committed(venue_a, setup)
    yield user

    def clean():
        JourneyRun.objects.all().delete()
        StaffTask.objects.all().delete()
        Journey.objects.all().delete()
        Delivery.objects.filter(campaign__kind=Campaign.Kind.JOURNEY).delete()
        Campaign.objects.filter(kind=Campaign.Kind.JOURNEY).delete()
        Segment.objects.filter(name=demo.FORTY_DAYS_SEGMENT).delete()
        Contact.objects.filter(email_normalized__endswith=".journeys@exemple.fr").delete()
        User.objects.filter(email=EMAIL).delete()

    committed(venue_a, clean)


def _shot(page, name: str) -> None:
    folder = os.environ.get("PARTERRE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_officer_looks_after_the_journeys(size, page, phone, url, venue_a, officer):
    tab = page if size == "desktop" else phone
    width = 1280 if size == "desktop" else 390
    if size == "desktop":
        tab.set_viewport_size({"width": 1280, "height": 800})
    tab.goto(url(venue_a, "/backoffice/campaigns/journeys/"))
    tab.locator("#id_username, input[name=username]").first.fill(officer.email)
    tab.locator("input[type=password]").fill(PASSWORD)
    tab.locator("button.btn-primary.btn-block").click()
    tab.wait_for_selector(".journeys-table")
    row = tab.locator("tr", has_text="Alors, c'était comment ?")
    assert "3" in row.locator("td").nth(3).inner_text()  # sent
    _shot(tab, f"journeys-list-{width}")

    # Switch the J−3 reminder off, then on again.
    reminder = tab.locator("tr", has_text="Rappel trois jours avant")
    reminder.locator("button[role=switch]").click()
    tab.wait_for_selector("tr:has-text('Rappel trois jours avant') [aria-checked=false]")
    assert (
        committed(venue_a, lambda: Journey.objects.get(name="Rappel trois jours avant").enabled)
        is False
    )
    tab.locator("tr", has_text="Rappel trois jours avant").locator("button[role=switch]").click()
    tab.wait_for_selector("tr:has-text('Rappel trois jours avant') [aria-checked=true]")

    tab.locator("a", has_text="Alors, c'était comment ?").click()
    tab.wait_for_selector(".journey-stats")
    assert tab.locator("#journey-steps tbody tr").count() == 5
    _shot(tab, f"journeys-detail-{width}")

    tab.locator("a.btn", has_text="Modifier").click()
    tab.wait_for_selector(".journey-form")
    _shot(tab, f"journeys-form-{width}")

    tab.goto(url(venue_a, "/backoffice/campaigns/tasks/"))
    tab.wait_for_selector("text=crédit de carte inutilisé")
    _shot(tab, f"journeys-tasks-{width}")
    tab.locator("button", has_text="Marquer comme faite").click()
    tab.wait_for_selector("text=Rien à faire.")
    assert committed(venue_a, lambda: StaffTask.objects.get().done_at) is not None
