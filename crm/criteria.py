"""Keeping each contact's automatic criteria and RFM scores current (the rules themselves are
crm.behaviour's `decide_criteria` and `rfm_scores`).

- On an event (purchase, attendance, refund, exchange): `apply_report` decides from the row
  the report's statement returned, and writes only when something changed (one statement,
  with a "criteria changed" timeline event when the criteria did).
- On a relation, or any change outside a report: `refresh_criteria(contact_ids=…)`.
- With time alone (a season ends, months pass): `refresh_time_based`, run per venue by the
  periodic task crm.refresh_time_based. It does not look at every contact: recency is one
  UPDATE of the rows whose bucket the calendar changed; "lapsed" is re-decided only for the
  contacts whose last visit crossed the cutoff (either way) since the criterion was set; the
  season's criteria (first-timer, regular, big spender) only once per new season, for the
  contacts that hold one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import connection, transaction
from django.db.models import FilteredRelation, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from tenants.events.models import Event
from tenants.events.services import after_publish, build_event

from . import statements, windows
from .behaviour import (
    BIG_SPENDER,
    FACT_COLUMNS,
    FIRST_TIMER,
    LAPSED,
    REGULAR,
    Facts,
    behaviour_settings,
    current_season,
    decide_criteria,
    lapsed_cutoff,
    recency_sql,
    rfm_scores,
)
from .models import BehaviourSettings, Contact, TimelineEvent

DERIVED = ("criteria", "rfm_recency", "rfm_frequency", "rfm_monetary")
BATCH = 1000


def _changes(
    facts: Facts, old: dict, *, settings: BehaviourSettings, now: datetime
) -> tuple[dict, TimelineEvent | None]:
    """(columns to write, the timeline event if the criteria changed) for one contact."""
    criteria = decide_criteria(facts, settings=settings, now=now)
    rfm = rfm_scores(
        last_purchase_at=facts.last_purchase_at,
        purchase_count=facts.purchase_count,
        amount_spent_cents=facts.amount_spent_cents,
        now=now,
    )
    values = {}
    old_criteria = sorted(old["criteria"] or [])
    if criteria != old_criteria:
        values["criteria"] = criteria
    for name, score in zip(DERIVED[1:], rfm, strict=True):
        if old[name] != score:
            values[name] = score
    event = None
    if "criteria" in values:
        event = TimelineEvent(
            code="crm.criteria.changed",
            occurred_at=now,
            actor_label="system",
            data={
                "added": sorted(set(criteria) - set(old_criteria)),
                "removed": sorted(set(old_criteria) - set(criteria)),
            },
        )
    return values, event


def _outbox(contact_id: int, criteria: list[str], event: TimelineEvent):
    """The domain event other apps (journeys: welcome a first-timer) react to."""
    return build_event(
        code="crm.contact.criteria_changed",
        key=f"contact:{contact_id}",
        data={"contact_id": contact_id, "criteria": criteria, **event.data},
    )


def apply_report(
    contact_id: int,
    reported: statements.Reported,
    *,
    now: datetime,
    settings: BehaviourSettings | None = None,
) -> None:
    """After a report that was inserted: decide from what its statement returned."""
    if not reported.inserted or reported.contact is None:
        return
    settings = settings or behaviour_settings()
    season = current_season(now=now, start_month=settings.season_start_month)
    row = reported.season if reported.season and reported.season["season"] == season else None
    row = row or reported.current or {}
    facts = Facts(
        **{name: reported.contact[name] for name in FACT_COLUMNS},
        season_purchases=row.get("purchases") or 0,
        season_attendances=row.get("attendances") or 0,
        season_spend_cents=row.get("spend_cents") or 0,
    )
    values, event = _changes(facts, reported.contact, settings=settings, now=now)
    if values:
        outbox = None
        if event is not None:
            event.contact_id = contact_id
            outbox = _outbox(contact_id, values["criteria"], event)
        statements.set_criteria(contact_id, values, event, outbox)
        if outbox is not None:
            after_publish()


def _facts_rows(contacts, *, season: str):
    """Each contact's facts and derived columns, with its row of `season` (one LEFT JOIN)."""
    return (
        contacts.annotate(
            current=FilteredRelation("season_stats", condition=Q(season_stats__season=season))
        )
        .values(
            "pk",
            *FACT_COLUMNS,
            *DERIVED,
            "current__purchases",
            "current__attendances",
            "current__spend_cents",
        )
        .order_by("pk")
    )


def _refresh(contacts, *, now: datetime, settings: BehaviourSettings) -> int:
    """Re-decide these contacts (a queryset), by batches; returns how many changed."""
    season = current_season(now=now, start_month=settings.season_start_month)
    changed = 0
    last = 0
    while True:
        batch = list(_facts_rows(contacts.filter(pk__gt=last), season=season)[:BATCH])
        if not batch:
            return changed
        updates, events, outbox = [], [], []
        for row in batch:
            facts = Facts(
                **{name: row[name] for name in FACT_COLUMNS},
                season_purchases=row["current__purchases"] or 0,
                season_attendances=row["current__attendances"] or 0,
                season_spend_cents=row["current__spend_cents"] or 0,
            )
            values, event = _changes(facts, row, settings=settings, now=now)
            if values:
                updates.append(Contact(pk=row["pk"], **{**{n: row[n] for n in DERIVED}, **values}))
                if event is not None:
                    event.contact_id = row["pk"]
                    events.append(event)
                    outbox.append(_outbox(row["pk"], values["criteria"], event))
        if updates:
            Contact.objects.bulk_update(updates, list(DERIVED), batch_size=BATCH)
            TimelineEvent.objects.bulk_create(events, batch_size=BATCH)
            Event.objects.bulk_create(outbox, batch_size=BATCH)
            if outbox:
                after_publish()
        changed += len(updates)
        last = batch[-1]["pk"]


@transaction.atomic
def refresh_criteria(*, contact_ids: Iterable[int], now: datetime | None = None) -> int:
    """Re-decide these contacts' criteria and scores from their stored behaviour (after a
    relation, a merge, a settings change). Returns how many changed."""
    ids = sorted(set(contact_ids))
    if not ids:
        return 0
    now = now or timezone.now()
    return _refresh(Contact.objects.filter(pk__in=ids), now=now, settings=behaviour_settings())


@transaction.atomic
def refresh_all_criteria(*, now: datetime | None = None) -> int:
    """Every contact of the venue (after its thresholds changed)."""
    now = now or timezone.now()
    return _refresh(Contact.objects.all(), now=now, settings=BehaviourSettings.current())


def refresh_time_based(*, now: datetime | None = None) -> dict[str, int]:
    """What the calendar alone changes (see the module), and the segments' recent window
    moved on (crm/windows.py, its own short transaction: it read-locks out attendance
    reports). Idempotent: a second run at the same time finds nothing to change."""
    now = now or timezone.now()
    result = _refresh_calendar(now=now)
    result["windows"] = windows.advance_windows(now=now)
    return result


@transaction.atomic
def _refresh_calendar(*, now: datetime) -> dict[str, int]:
    # FOR NO KEY UPDATE: attendance reports read-lock the row FOR KEY SHARE (crm/windows.py)
    # and must not wait for this long transaction.
    BehaviourSettings.objects.get_or_create(singleton=True)
    settings = BehaviourSettings.objects.select_for_update(no_key=True).get(singleton=True)
    with connection.cursor() as cursor:
        recency = recency_sql("p.now")
        cursor.execute(
            f"UPDATE crm_contact SET rfm_recency = {recency} "  # noqa: S608
            "FROM (SELECT %s::timestamptz AS now) AS p "
            f"WHERE last_purchase_at IS NOT NULL AND rfm_recency IS DISTINCT FROM {recency}",
            [now],
        )
        recency_changed = cursor.rowcount
    cutoff = lapsed_cutoff(settings=settings, now=now)
    last_seen = Greatest("last_attended_at", "last_purchase_at")
    active = Contact.objects.filter(
        Q(last_attended_at__isnull=False) | Q(last_purchase_at__isnull=False)
    )
    # Contacts whose "lapsed" no longer says what their last visit does, either way.
    lapsed = active.alias(last_seen=last_seen).filter(
        (Q(last_seen__lt=cutoff) & ~Q(criteria__contains=[LAPSED]))
        | (Q(last_seen__gte=cutoff) & Q(criteria__contains=[LAPSED]))
    )
    changed = _refresh(lapsed, now=now, settings=settings)
    season = current_season(now=now, start_month=settings.season_start_month)
    if settings.swept_season != season:
        seasonal = Contact.objects.filter(criteria__overlap=[FIRST_TIMER, REGULAR, BIG_SPENDER])
        changed += _refresh(seasonal, now=now, settings=settings)
        settings.swept_season = season
        settings.save(update_fields=["swept_season"])
    return {"recency": recency_changed, "criteria": changed}
