"""The two hot statements of tracking, hand-written because each does in one round trip what
the ORM would do in three or four (measured by bench_tracking: an open costs one statement,
a click one, plus the timeline's INSERT … ON CONFLICT DO NOTHING when it is news).
tests/campaigns/test_tracking_sql.py compares them with the ORM's reading of the rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

# Counts the open, keeps the first one's time; says which open this was.
OPEN_SQL = """
UPDATE campaigns_delivery
   SET opens = opens + 1, opened_at = COALESCE(opened_at, %s)
 WHERE token = %s
RETURNING id, contact_id, campaign_id, opens,
          (SELECT name FROM campaigns_campaign c WHERE c.id = campaign_id)
"""

# The click counts only when the link belongs to the delivery's campaign: the delivery's
# counters, the link's and the click row move together, or nothing moves.
CLICK_SQL = """
WITH d AS (
    UPDATE campaigns_delivery
       SET clicks = clicks + 1, clicked_at = COALESCE(clicked_at, %(now)s)
     WHERE token = %(token)s
       AND campaign_id = (SELECT campaign_id FROM campaigns_trackedlink WHERE id = %(link)s)
    RETURNING id, contact_id, campaign_id
), l AS (
    UPDATE campaigns_trackedlink SET clicks = clicks + 1
     WHERE id = %(link)s AND EXISTS (SELECT 1 FROM d)
    RETURNING id, url
), c AS (
    INSERT INTO campaigns_linkclick (link_id, delivery_id, contact_id, visitor, occurred_at)
    SELECT l.id, d.id, d.contact_id, %(visitor)s, %(now)s FROM d, l
    RETURNING id
)
SELECT d.id, d.contact_id, d.campaign_id, l.url,
       (SELECT name FROM campaigns_campaign WHERE id = d.campaign_id), (SELECT count(*) FROM c)
  FROM d, l
"""

SHORT_LINK_SQL = """
WITH l AS (
    UPDATE campaigns_trackedlink SET clicks = clicks + 1
     WHERE slug = %(slug)s AND operation_id IS NOT NULL
    RETURNING id, url
), c AS (
    INSERT INTO campaigns_linkclick (link_id, delivery_id, contact_id, visitor, occurred_at)
    SELECT l.id, NULL, NULL, %(visitor)s, %(now)s FROM l
    RETURNING id
)
SELECT l.url, (SELECT count(*) FROM c) FROM l
"""


@dataclass(frozen=True)
class Opened:
    delivery_id: int
    contact_id: int | None
    campaign_id: int
    opens: int
    campaign_name: str


@dataclass(frozen=True)
class Clicked:
    delivery_id: int
    contact_id: int | None
    campaign_id: int
    url: str
    campaign_name: str


def count_open(token: str, now: datetime) -> Opened | None:
    with connection.cursor() as cursor:
        cursor.execute(OPEN_SQL, [now, token])
        row = cursor.fetchone()
    return Opened(*row) if row else None


def count_click(token: str, link_id: int, visitor: str, now: datetime) -> Clicked | None:
    with connection.cursor() as cursor:
        cursor.execute(CLICK_SQL, {"now": now, "token": token, "link": link_id, "visitor": visitor})
        row = cursor.fetchone()
    return Clicked(*row[:5]) if row else None


def count_short_link(slug: str, visitor: str, now: datetime) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(SHORT_LINK_SQL, {"slug": slug, "visitor": visitor, "now": now})
        row = cursor.fetchone()
    return row[0] if row else None
