"""The benchmark's communication history: newsletters sent over the seasons to the bench's
contacts, with opens, clicks, bounces, complaints and unsubscribes, and a journey's steps —
written with a few SQL statements, as analytics.history writes the sales."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection

from campaigns.journeys.models import Journey
from campaigns.models import Campaign


def build_communication(
    *, contacts: tuple[int, int], campaigns: int, per_campaign: int, runs: int, now: datetime
) -> int:
    """`campaigns` sent newsletters (one every ~18 days back from now, every third one
    targeted) of `per_campaign` deliveries each, and `runs` done steps of one journey with
    their deliveries. Returns the number of deliveries written."""
    low, high = contacts
    span = high - low + 1
    rows = Campaign.objects.bulk_create(
        [
            Campaign(
                name=f"Lettre {i + 1}",
                kind=Campaign.Kind.NEWSLETTER,
                status=Campaign.Status.SENT,
                audience_definition={"all": []} if i % 3 == 0 else None,
                started_at=now - timedelta(days=18 * (campaigns - i)),
                finished_at=now - timedelta(days=18 * (campaigns - i), hours=-1),
                recipients=per_campaign,
            )
            for i in range(campaigns)
        ]
    )
    journey_campaign = Campaign.objects.create(
        name="Après le spectacle", kind=Campaign.Kind.JOURNEY, status=Campaign.Status.SENT
    )
    journey = Journey.objects.create(
        name="J+3", trigger="after_attendance", action="email", campaign=journey_campaign
    )
    with connection.cursor() as cursor:
        for c in rows:
            params = {"c": c.pk, "t": c.started_at, "low": low, "span": span, "n": per_campaign}
            cursor.execute(_DELIVERIES, params)
        cursor.execute(
            _DELIVERIES,
            {
                "c": journey_campaign.pk,
                "t": now - timedelta(days=60),
                "low": low,
                "span": span,
                "n": runs,
            },
        )
        cursor.execute(_RUNS, {"j": journey.pk, "c": journey_campaign.pk})
        cursor.execute(
            "UPDATE campaigns_journey SET entered = %s, sent = %s WHERE id = %s",
            [runs, runs, journey.pk],
        )
        cursor.execute("SELECT count(*) FROM campaigns_delivery")
        return cursor.fetchone()[0]


# Contact of row g: a stride through the contacts (no repeat within a campaign while
# per_campaign ≤ span); outcomes drawn from a hash of (campaign, g): ~35 % opened, a seventh
# of those clicked, 1 % bounced, 0.3 % unsubscribed, 0.05 % complained.
_DELIVERIES = """
    INSERT INTO campaigns_delivery (campaign_id, contact_id, occurrence, token, email, language,
        status, attempts, sent_at, error, opened_at, opens, clicked_at, clicks, bounced_at,
        complained_at, unsubscribed_at, created_at)
    SELECT %(c)s, c, '', md5(%(c)s || ':' || g), 'c' || c || '@bench.example', 'fr',
           CASE WHEN h < 100 THEN 'bounced' ELSE 'sent' END, 1, t, '',
           CASE WHEN h BETWEEN 100 AND 3599 THEN t + interval '3 hours' END,
           CASE WHEN h BETWEEN 100 AND 3599 THEN 1 ELSE 0 END,
           CASE WHEN h BETWEEN 100 AND 599 THEN t + interval '4 hours' END,
           CASE WHEN h BETWEEN 100 AND 599 THEN 1 ELSE 0 END,
           CASE WHEN h < 100 THEN t + interval '1 minute' END,
           CASE WHEN h BETWEEN 9000 AND 9004 THEN t + interval '1 day' END,
           CASE WHEN h BETWEEN 9100 AND 9129 THEN t + interval '1 day' END,
           t
    FROM (SELECT g, %(low)s + ((g * 7919 + %(c)s * 104729) %% %(span)s) AS c,
                 abs(hashtext(%(c)s || ':' || g)) %% 10000 AS h, %(t)s::timestamptz AS t
          FROM generate_series(1, %(n)s) g) s
    ON CONFLICT DO NOTHING
"""

# The journey's steps: one done run per delivery of its campaign.
_RUNS = """
    INSERT INTO campaigns_journeyrun (journey_id, contact_id, occurrence, due_at, status,
        outcome, done_at, delivery_id, first_time, context, created_at)
    SELECT %(j)s, contact_id, 'perf:' || id, sent_at, 'done', '', sent_at, id, false, '{}',
           sent_at
    FROM campaigns_delivery WHERE campaign_id = %(c)s
"""
