"""The sender's parts: the raw message equals build_message()'s, concurrent claimers never
share a row, the venue's rate holds, and venues stay apart."""

import threading
import time
from email import message_from_bytes, policy

import pytest
from django.core import mail
from django.db import connection

from campaigns.models import Campaign, Delivery
from campaigns.rendering import build_message, compile_campaign
from campaigns.sending import engine, services
from campaigns.sending.ratelimit import RateLimiter, rate_key
from campaigns.sending.rawmail import RawTemplate
from campaigns.sending.sink import SinkThread
from tests.crm.factories import ContactFactory
from tests.helpers import committed, in_venue, run_together

from .sending_helpers import bulk_contacts, make_campaign, wipe

SITE = "https://alpha.test"


def _parts(message) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_content().replace("\r\n", "\n")
        for part in message.walk()
        if not part.is_multipart()
    }


@pytest.mark.django_db
def test_raw_message_is_the_same_message_as_build_message(venue_a):
    headers = ("Subject", "From", "To", "Reply-To", "Message-ID", "List-Unsubscribe")
    headers += ("List-Unsubscribe-Post", "X-Parterre-Venue")
    with in_venue(venue_a):
        contact = ContactFactory(first_name='Zoé <b>"&', email="zoe@example.fr")
        campaign = make_campaign()
        delivery = Delivery.objects.create(campaign=campaign, contact=contact, email=contact.email)
        compiled = compile_campaign(campaign, language="fr")
        sender = "Théâtre Alpha <news@alpha.test>"
        reference = build_message(
            delivery,
            compiled,
            site=SITE,
            first_name=contact.first_name,
            from_email=sender,
            reply_to="public@alpha.test",
        ).message()
        template = RawTemplate(
            compiled,
            site=SITE,
            schema=connection.schema_name,
            from_email=sender,
            reply_to="public@alpha.test",
        )
        raw = template.build(token=delivery.token, email=delivery.email, first_name='Zoé <b>"&')
    expected = message_from_bytes(reference.as_bytes(linesep="\r\n"), policy=policy.default)
    got = message_from_bytes(raw, policy=policy.default)
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    for name in headers:
        assert str(got[name]) == str(expected[name]), name
    assert got["Subject"] == "Bonjour Zoé <b>\"&, la saison s'ouvre"
    assert got.get_content_type() == "multipart/alternative"
    assert _parts(got) == _parts(expected)
    assert "Zoé &lt;b&gt;&quot;&amp;" in _parts(got)["text/html"]


@pytest.mark.django_db
def test_long_lines_go_base64_and_long_subjects_fold(venue_a):
    with in_venue(venue_a):
        campaign = make_campaign()
        campaign.content["fr"]["blocks"].append({"type": "text", "text": "é" * 1500})
        campaign.content["fr"]["subject"] = "Œuvres à découvrir " * 8
        compiled = compile_campaign(campaign, language="fr")
        raw = RawTemplate(compiled, site=SITE, schema="v").build(token="t" * 22, email="a@b.fr")
    message = message_from_bytes(raw, policy=policy.default)
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert "é" * 1500 in _parts(message)["text/plain"]
    assert message["Subject"] == "Œuvres à découvrir " * 8
    words = [line for line in raw.split(b"\r\n") if b"=?utf-8?b?" in line]
    assert len(words) > 1 and all(len(line) <= 78 for line in words)


@pytest.mark.django_db
def test_two_claimers_at_once_never_share_a_row(venue_a):
    def setup() -> int:
        wipe()
        bulk_contacts(150)
        campaign = make_campaign()
        services.start_campaign(campaign_id=campaign.pk, actor=None)
        return campaign.pk

    campaign_id = committed(venue_a, setup)
    try:

        def claim(_i: int) -> list[int]:
            return [row.id for row in engine.claim_batch(campaign_id=campaign_id, limit=20)]

        ids = []
        for _round in range(3):  # three rounds of four claimers released together
            batches = run_together(venue_a, claim, threads=4)
            ids += [i for batch in batches for i in batch]
        assert len(ids) == len(set(ids)) == 150
        claimed = committed(venue_a, lambda: Delivery.objects.filter(status="sending").count())
        assert claimed == 150  # 3 × 80 asked, 150 there: every row once, none twice
        counts = committed(
            venue_a,
            lambda: list(Delivery.objects.values_list("attempts", flat=True).distinct()),
        )
        assert counts == [1]
    finally:
        committed(venue_a, wipe)


@pytest.mark.django_db
def test_the_rate_is_held_across_senders(venue_a):
    """Two senders sharing a venue's 3,000 emails a minute (50/s): 200 messages take 4 s."""
    redis_key = rate_key(venue_a.schema_name)
    from django_redis import get_redis_connection

    get_redis_connection("default").delete(redis_key)
    stamps: list[float] = []
    lock = threading.Lock()

    def sender():
        limiter = RateLimiter(3000, schema=venue_a.schema_name)
        for _ in range(100):
            limiter.take()
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stamps.sort()
    rate = (len(stamps) - 1) / (stamps[-1] - stamps[0])
    assert 50 * 0.95 <= rate <= 50 * 1.05, rate
    # Another venue has its own bucket.
    assert rate_key("v_beta") != redis_key and "v_beta" in rate_key("v_beta")
    get_redis_connection("default").delete(redis_key)


def test_no_rate_means_no_wait():
    limiter = RateLimiter(0, schema="v_x", sleep=lambda s: pytest.fail("slept"))
    for _ in range(1000):
        limiter.take()


@pytest.mark.django_db
def test_a_send_stays_in_its_venue(venue_a, venue_b, settings):
    with SinkThread(keep=True) as sink:
        settings.PARTERRE_BULK_EMAIL_URL = sink.url
        with in_venue(venue_b):
            bulk_contacts(2, prefix="beta")
            other = make_campaign(name="Beta")
        with in_venue(venue_a):
            bulk_contacts(3, prefix="alpha")
            campaign = make_campaign()
            services.start_campaign(campaign_id=campaign.pk, actor=None)
            # The sender of venue A knows nothing of B's campaign (same ids may exist there).
            assert engine.send_batches(campaign_id=campaign.pk, site=SITE).sent == 3
        with in_venue(venue_b):
            assert Delivery.objects.count() == 0
            assert Campaign.objects.get(pk=other.pk).status == Campaign.Status.DRAFT
    messages = [message_from_bytes(m, policy=policy.default) for m in sink.handler.messages]
    assert {m["X-Parterre-Venue"] for m in messages} == {venue_a.schema_name}
    assert all(m["To"].startswith("alpha") for m in messages)
    assert mail.outbox == []
    assert engine.slot_key("v_alpha", 1, 0) != engine.slot_key("v_beta", 1, 0)
