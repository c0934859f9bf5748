"""A spectator unsubscribes in one tap and sets their preferences on a phone; a communication
officer reads an operation's return and a campaign's statistics with its chart. With
PARTERRE_SCREENSHOTS=<dir> the pages are saved there as tracking-*.png."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from campaigns import addresses
from campaigns.models import Campaign, Delivery, LinkClick, Operation, TrackedLink
from campaigns.tracking.models import Attribution
from crm.models import Contact
from tenants.accounts.models import User
from tests.helpers import PASSWORD, committed

pytestmark = [pytest.mark.django_db, pytest.mark.browser]
EMAIL = "browser-tracking@alpha.test"


@pytest.fixture
def data(venue_a):
    def setup():
        now = timezone.now()
        operation = Operation.objects.create(
            name="Lancement de saison 26",
            kind="season_launch",
            cost_cents=120000,
            promo_codes=["AMIS26"],
            starts_on=now.date(),
        )
        campaign = Campaign.objects.create(
            name="Newsletter de septembre",
            status=Campaign.Status.SENT,
            started_at=now - timedelta(hours=30),
            operation=operation,
        )
        links = [
            TrackedLink.objects.create(campaign=campaign, url=u, label=label)
            for u, label in (
                ("https://example.org/saison", "Programme de la saison"),
                ("https://example.org/misanthrope", "Le Misanthrope — réserver"),
            )
        ]
        poster = TrackedLink.objects.create(
            operation=operation,
            url="https://example.org/",
            slug="affiche26",
            kind="print",
            label="Affiches métro",
        )
        people = []
        for i in range(40):
            contact = Contact.objects.create(
                first_name=f"Trk{i}",
                last_name="Suivi",
                email=f"trk{i}@exemple.fr",
                email_normalized=f"trk{i}@exemple.fr",
                email_consent=True,
            )
            sent = now - timedelta(hours=30)
            delivery = Delivery.objects.create(
                campaign=campaign,
                contact=contact,
                email=contact.email,
                status="sent",
                sent_at=sent,
            )
            if i % 3 == 0:
                delivery.opened_at, delivery.opens = sent + timedelta(hours=i % 24), 1
                delivery.save()
            if i % 6 == 0:
                LinkClick.objects.create(
                    link=links[i % 2],
                    delivery=delivery,
                    contact_id=contact.pk,
                    occurred_at=sent + timedelta(hours=i % 24, minutes=5),
                )
                links[i % 2].clicks += 1
                links[i % 2].save()
                delivery.clicks, delivery.clicked_at = 1, sent + timedelta(hours=i % 24)
                delivery.save()
            people.append(delivery)
        for n, delivery in enumerate(people[:12:6]):
            Attribution.objects.create(
                order_id=900000 + n,
                campaign=campaign,
                link=links[0],
                delivery=delivery,
                operation=operation,
                channel="email",
                amount_cents=5400,
                ordered_at=now - timedelta(hours=10 - n),
            )
        poster.clicks = 17
        poster.save()
        Attribution.objects.create(
            order_id=900010,
            operation=operation,
            link=poster,
            channel="link",
            amount_cents=7200,
        )
        Attribution.objects.create(
            order_id=900011,
            operation=operation,
            channel="promo_code",
            promo_code="AMIS26",
            amount_cents=3600,
        )
        User.objects.create_user(
            EMAIL, PASSWORD, role=User.Role.COMMUNICATION, full_name="Colette Com"
        )
        return operation.pk, campaign.pk, people[1].token

    ids = committed(venue_a, setup)
    yield ids

    def clean():
        Attribution.objects.filter(order_id__gte=900000).delete()
        Operation.objects.filter(name="Lancement de saison 26").delete()
        Campaign.objects.filter(name="Newsletter de septembre").delete()
        Contact.objects.filter(last_name="Suivi").delete()
        User.objects.filter(email=EMAIL).delete()

    committed(venue_a, clean)


def _shot(page, name: str) -> None:
    folder = os.environ.get("PARTERRE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_tracking_pages(venue_a, data, url, page, phone, size):
    operation_id, campaign_id, token = data
    tab = page if size == "desktop" else phone
    width = "1280" if size == "desktop" else "390"
    tab.goto(url(venue_a, addresses.preferences_path(token)))
    assert tab.locator("input[name=newsletter]").is_checked()
    _shot(tab, f"tracking-preferences-{width}")
    tab.goto(url(venue_a, addresses.unsubscribe_path(token)))
    _shot(tab, f"tracking-unsubscribe-{width}")
    tab.locator("form.mail-form button").click()
    tab.wait_for_selector(".alert-success")
    _shot(tab, f"tracking-unsubscribed-{width}")

    tab.goto(url(venue_a, f"/backoffice/campaigns/operations/{operation_id}/"))
    tab.locator("#id_username, input[name=username]").first.fill(EMAIL)
    tab.locator("input[type=password]").fill(PASSWORD)
    tab.locator("button.btn-primary.btn-block").click()
    tab.wait_for_selector(".stat-grid")
    assert "AMIS26" in tab.content()
    _shot(tab, f"tracking-operation-{width}")
    tab.goto(url(venue_a, "/backoffice/campaigns/operations/"))
    _shot(tab, f"tracking-operations-{width}")
    tab.goto(url(venue_a, f"/backoffice/campaigns/{campaign_id}/stats/"))
    tab.wait_for_function("() => window.Chart && Object.keys(window.Chart.instances).length > 0")
    _shot(tab, f"tracking-stats-{width}")
    tab.goto(url(venue_a, "/backoffice/campaigns/reports/targeting/"))
    _shot(tab, f"tracking-targeting-{width}")
