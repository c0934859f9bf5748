"""The hand-written statements of campaigns/tracking/sql.py against what the ORM reads back,
and under concurrent hits (real connections): every open and click counted, the timeline
told once."""

import pytest
from django.utils import timezone

from campaigns.models import Campaign, Delivery, LinkClick, TrackedLink
from campaigns.tracking import services, sql
from crm.models import Contact, TimelineEvent
from tests.helpers import committed, in_venue, run_together

from .tracking_helpers import sent_campaign

pytestmark = pytest.mark.django_db(transaction=False)


def test_the_statements_write_what_the_orm_reads(venue_a):
    with in_venue(venue_a):
        campaign, link, (delivery,) = sent_campaign()
        now = timezone.now()
        opened = sql.count_open(delivery.token, now)
        assert opened == sql.Opened(delivery.pk, delivery.contact_id, campaign.pk, 1, campaign.name)
        clicked = sql.count_click(delivery.token, link.pk, "v" * 22, now)
        assert clicked == sql.Clicked(
            delivery.pk, delivery.contact_id, campaign.pk, link.url, campaign.name
        )
        delivery.refresh_from_db()
        link.refresh_from_db()
        assert (delivery.opens, delivery.opened_at, delivery.clicks, delivery.clicked_at) == (
            1,
            now,
            1,
            now,
        )
        assert link.clicks == 1
        row = LinkClick.objects.get()
        assert (row.link_id, row.delivery_id, row.contact_id, row.visitor, row.occurred_at) == (
            link.pk,
            delivery.pk,
            delivery.contact_id,
            "v" * 22,
            now,
        )
        assert sql.count_open("nope", now) is None
        assert sql.count_click("nope", link.pk, "", now) is None
        assert sql.count_short_link("nope", "", now) is None


def test_concurrent_opens_and_clicks_are_all_counted_and_told_once(venue_a):
    def setup():
        person = Contact.objects.create(
            email="conc@example.org", email_normalized="conc@example.org"
        )
        campaign = Campaign.objects.create(name="Concurrence", status="sent")
        link = TrackedLink.objects.create(campaign=campaign, url="https://example.org/c")
        delivery = Delivery.objects.create(
            campaign=campaign, contact=person, email=person.email, status="sent"
        )
        return person.pk, campaign.pk, link.pk, delivery.token

    contact_id, campaign_id, link_id, token = committed(venue_a, setup)
    try:
        run_together(venue_a, lambda _i: services.record_open(token=token), threads=8)
        run_together(
            venue_a,
            lambda i: services.record_click(token=token, link_id=link_id, visitor=""),
            threads=8,
        )
        with in_venue(venue_a):
            delivery = Delivery.objects.get(token=token)
            assert (delivery.opens, delivery.clicks) == (8, 8)
            assert TrackedLink.objects.get(pk=link_id).clicks == 8
            codes = list(
                TimelineEvent.objects.filter(contact_id=contact_id)
                .filter(code__startswith="campaigns.email.")
                .values_list("code", flat=True)
            )
            assert sorted(codes) == ["campaigns.email.clicked", "campaigns.email.opened"]
    finally:
        committed(
            venue_a,
            lambda: (
                Campaign.objects.filter(pk=campaign_id).delete(),
                Contact.objects.filter(pk=contact_id).delete(),
            ),
        )
