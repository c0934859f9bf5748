"""The issue's "done when", in one walk: a communication person builds a segmented newsletter
with a show card, sees how many the periodicity cap leaves out, sends it to a local SMTP sink,
then a recipient opens it and clicks the show card, and the contact's record shows both."""

import email
import email.policy
import re

import pytest

from campaigns.models import Campaign, CommunicationSettings, Delivery
from campaigns.sending import engine
from campaigns.sending.sink import SinkThread
from crm.models import Segment, TimelineEvent
from tenants.accounts.models import User
from tests.crm.factories import ContactFactory
from tests.helpers import in_venue
from tests.ticketing.conftest import build_performance

pytestmark = pytest.mark.django_db

SITE = "http://alpha.parterre.localhost"


def _html_of(raw: bytes) -> str:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    return message.get_body(preferencelist=("html",)).get_content()


def test_segmented_newsletter_from_composer_to_timeline(venue_a, make_staff, client_for, settings):
    comms = client_for(venue_a, make_staff(venue_a, User.Role.COMMUNICATION))
    with in_venue(venue_a):
        performance = build_performance()
        CommunicationSettings.objects.create(cap_count=2, cap_days=30)
        segment = Segment.objects.create(
            name="Habitués",
            definition={
                "version": 1,
                "op": "and",
                "rules": [{"type": "tag", "values": ["habitué"]}],
            },
        )
        lea = ContactFactory(first_name="Léa", email_consent=True, tags=["habitué"])
        ContactFactory(email_consent=True, tags=["habitué"])
        ContactFactory(email_consent=True)  # not in the segment
        tired = ContactFactory(email_consent=True, tags=["habitué"])
        for n in range(2):
            earlier = Campaign.objects.create(name=f"Avant {n}")
            Delivery.objects.create(campaign=earlier, contact=tired, email=tired.email)

    # Build it in the composer: a heading and the show card, for the saved segment.
    assert (
        comms.post(
            "/backoffice/campaigns/new/", {"name": "Lettre", "kind": "newsletter"}
        ).status_code
        == 302
    )
    with in_venue(venue_a):
        campaign = Campaign.objects.get(name="Lettre")
    url = f"/backoffice/campaigns/{campaign.pk}/"
    form = {
        "name": "Lettre",
        "kind": "newsletter",
        "audience": "segment",
        "segment": segment.pk,
        "subject": "Ce mois-ci",
        "b-0-type": "heading",
        "b-0-text": "Bonjour {{first_name}},",
        "b-1-type": "show",
        "b-1-show_id": str(performance.show_id),
        "action": "save",
    }
    assert comms.post(url, form).status_code == 302

    # The audience panel says who the cap leaves out before anything is sent.
    preview = comms.get(url).context["audience"]["preview"]
    assert (preview.selected, preview.capped, preview.recipients) == (3, 1, 2)

    # Send now, into a local SMTP sink.
    with SinkThread(keep=True) as sink:
        settings.PARTERRE_BULK_EMAIL_URL = sink.url
        response = comms.post(f"{url}send/", {"action": "now"})
        assert response.status_code == 302
        with in_venue(venue_a):
            engine.send_batches(campaign_id=campaign.pk, site=SITE)
            campaign.refresh_from_db()
            assert (campaign.status, campaign.recipients, campaign.excluded_cap) == ("sent", 2, 1)
            delivery = Delivery.objects.get(campaign=campaign, contact=lea)
        assert sink.handler.received == 2
    raw = next(m for m in sink.handler.messages if delivery.token.encode() in m)
    html = _html_of(raw)
    assert "Bonjour Léa," in html and performance.show.title in html

    # Léa opens it (the pixel) and clicks the show card (a signed redirect to its page).
    visitor = client_for(venue_a)
    pixel = re.search(r'src="' + re.escape(SITE) + r'(/m/o/[^"]+)"', html).group(1)
    assert visitor.get(pixel).status_code == 200
    click = re.search(re.escape(SITE) + r'(/m/c/[^"]+)"', html).group(1)
    redirect = visitor.get(click)
    assert redirect.status_code == 302
    assert redirect["Location"].endswith(f"/shows/{performance.show.slug}/")

    with in_venue(venue_a):
        codes = set(
            TimelineEvent.objects.filter(contact=lea, campaign_id=campaign.pk).values_list(
                "code", flat=True
            )
        )
        assert codes == {"campaigns.email.opened", "campaigns.email.clicked"}
    record = comms.get(f"/backoffice/contacts/{lea.pk}/").content.decode()
    assert "E-mail ouvert" in record and "Lettre" in record
