"""The progress fragment and its buttons, through HTTP: counts in one query, polling while
sending, pause/resume/cancel for who may manage campaigns, nothing across venues."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import Campaign, Delivery
from campaigns.sending import services
from tenants.accounts.models import User
from tests.helpers import in_venue

from .sending_helpers import bulk_contacts, make_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def sending(venue_a):
    with in_venue(venue_a):
        bulk_contacts(5)
        campaign = make_campaign()
        services.start_campaign(campaign_id=campaign.pk, actor=None)
        Delivery.objects.filter(pk__in=Delivery.objects.order_by("id").values("pk")[:2]).update(
            status="sent"
        )
        return campaign


def test_progress_fragment_polls_while_sending(venue_a, sending, make_staff, client_for):
    client = client_for(venue_a, make_staff(venue_a, User.Role.COMMUNICATION))
    url = reverse("campaigns:campaign_progress", args=[sending.pk])
    assert url == f"/backoffice/campaigns/{sending.pk}/progress/"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # the fragment alone
    assert 'hx-trigger="every 2s"' in html
    assert 'value="2"' in html and 'max="5"' in html
    counts = [q for q in queries if "campaigns_delivery" in q["sql"]]
    assert len(counts) == 1
    assert reverse("campaigns:campaign_pause", args=[sending.pk]) in html
    full = client.get(url)
    assert "<html" in full.content.decode() and sending.name in full.content.decode()


def test_pause_resume_cancel_buttons(venue_a, sending, make_staff, client_for):
    client = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN))
    pause = reverse("campaigns:campaign_pause", args=[sending.pk])
    response = client.post(pause, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "every 2s" not in response.content.decode()  # paused: no more polling
    with in_venue(venue_a):
        assert Campaign.objects.get(pk=sending.pk).status == "paused"
    # Pausing twice says why, in place.
    again = client.post(pause, HTTP_HX_REQUEST="true")
    assert again.status_code == 200 and "alert" in again.content.decode()
    resume = reverse("campaigns:campaign_resume", args=[sending.pk])
    assert client.post(resume).status_code == 302  # without JavaScript: back to the page
    with in_venue(venue_a):
        assert Campaign.objects.get(pk=sending.pk).status == "sending"
    client.post(reverse("campaigns:campaign_cancel", args=[sending.pk]))
    with in_venue(venue_a):
        assert Campaign.objects.get(pk=sending.pk).status == "cancelled"
        assert Delivery.objects.filter(status="skipped").count() == 3


def test_only_who_manages_campaigns(venue_a, sending, make_staff, client_for):
    url = reverse("campaigns:campaign_progress", args=[sending.pk])
    assert client_for(venue_a).get(url).status_code == 302  # to the login page
    box_office = client_for(venue_a, make_staff(venue_a, User.Role.BOX_OFFICE))
    assert box_office.get(url).status_code == 403
    pause = reverse("campaigns:campaign_pause", args=[sending.pk])
    assert box_office.post(pause).status_code == 403
    communication = client_for(venue_a, make_staff(venue_a, User.Role.COMMUNICATION))
    assert communication.get(pause).status_code == 405  # POST only
    with in_venue(venue_a):
        assert Campaign.objects.get(pk=sending.pk).status == "sending"


def test_another_venue_sees_nothing(venue_a, venue_b, sending, make_staff, client_for):
    other = client_for(venue_b, make_staff(venue_b, User.Role.ADMIN))
    assert other.get(reverse("campaigns:campaign_progress", args=[sending.pk])).status_code == 404
    assert other.post(reverse("campaigns:campaign_pause", args=[sending.pk])).status_code == 404
    with in_venue(venue_a):
        assert Campaign.objects.get(pk=sending.pk).status == "sending"
