"""Writes of journeys: runs entered by triggers (once per contact and occurrence, by the
database), moved or cancelled by programme changes, and run by the tick.

The tick (`run_due_journeys`) takes due runs in batches with SELECT … FOR UPDATE SKIP LOCKED,
so two overlapping ticks (or a tick and a restarted one) never take the same run; a run is
marked done in the same transaction as the Delivery row (or tag, or task) its action wrote.
Emails leave after commit through `campaigns.sending.services.deliver`, which claims the
delivery pending → sending: a run's email is sent once even if its after-commit send is
tried again by a later tick (`send_stalled`)."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from crm.models import Contact
from crm.segments.definition import segment_queryset
from tenants.accounts.audit import record_event
from tenants.selectors import venue_url
from tenants.sms import send_sms

from ..models import Campaign, Delivery
from ..rendering import fill
from ..sending.services import deliver
from .models import Action, Journey, JourneyRun, StaffTask, Trigger

log = logging.getLogger(__name__)

BATCH_SIZE = 500
# A trigger whose step is already this late when it fires (a J−3 reminder for a ticket bought
# the day before) enters no run: a late "three days before" message is noise.
LATE_GRACE = timedelta(hours=1)
# An email whose after-commit send did not happen (the worker died) is sent by a later tick.
STALLED_AFTER = timedelta(minutes=5)


# ---------------------------------------------------------------------------------------
# Entering runs (triggers)


@dataclass(frozen=True)
class Entry:
    """A run to write: one contact, one occurrence, anchored at `anchor`."""

    contact_id: int
    occurrence: str
    anchor: datetime
    performance_id: int | None = None
    order_id: int | None = None
    first_time: bool = False
    context: dict = field(default_factory=dict)


def enabled_journeys(trigger: str) -> list[Journey]:
    return list(Journey.objects.filter(enabled=True, trigger=trigger).order_by("id"))


def enter_runs(
    *, journeys: list[Journey], entries: list[Entry], now: datetime | None = None
) -> int:
    """Write a run per (journey, entry) in one INSERT … ON CONFLICT DO NOTHING: a trigger
    that fires twice for the same occurrence (an event redelivered, two ticks) adds nothing.
    Returns the number of runs really written (and counts them as entered)."""
    now = now or timezone.now()
    rows = []
    for journey in journeys:
        offset = timedelta(minutes=journey.offset_minutes)
        for entry in entries:
            due = entry.anchor + offset
            if due < now - LATE_GRACE and journey.trigger in (
                Trigger.BEFORE_PERFORMANCE,
                Trigger.AFTER_ATTENDANCE,
            ):
                continue
            rows.append((journey.pk, entry, max(due, now) if due < now else due))
    if not rows:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO campaigns_journeyrun (journey_id, contact_id, occurrence, due_at, "
            "status, outcome, performance_id, order_id, first_time, context, created_at) "
            "SELECT j, c, o, d, 'scheduled', '', p, r, f, x::jsonb, %s FROM unnest("
            "%s::bigint[], %s::bigint[], %s::text[], %s::timestamptz[], %s::bigint[], "
            "%s::bigint[], %s::boolean[], %s::text[]) AS t(j, c, o, d, p, r, f, x) "
            "ON CONFLICT (journey_id, contact_id, occurrence) DO NOTHING RETURNING journey_id",
            [
                now,
                [journey_id for journey_id, _e, _d in rows],
                [e.contact_id for _j, e, _d in rows],
                [e.occurrence for _j, e, _d in rows],
                [due for _j, _e, due in rows],
                [e.performance_id for _j, e, _d in rows],
                [e.order_id for _j, e, _d in rows],
                [e.first_time for _j, e, _d in rows],
                [json.dumps(e.context) for _j, e, _d in rows],
            ],
        )
        written = [row[0] for row in cursor.fetchall()]
    per_journey: dict[int, int] = defaultdict(int)
    for journey_id in written:
        per_journey[journey_id] += 1
    for journey_id, count in per_journey.items():
        Journey.objects.filter(pk=journey_id).update(entered=F("entered") + count)
    return len(written)


def move_runs(*, performance_id: int, starts_at: datetime) -> int:
    """A rescheduled performance: the pending steps anchored on its start follow it."""
    moved = 0
    for journey in Journey.objects.filter(trigger=Trigger.BEFORE_PERFORMANCE):
        moved += JourneyRun.objects.filter(
            journey=journey, performance_id=performance_id, status=JourneyRun.Status.SCHEDULED
        ).update(due_at=starts_at + timedelta(minutes=journey.offset_minutes))
    return moved


def cancel_runs(*, performance_id: int | None = None, order_id: int | None = None, why: str) -> int:
    runs = JourneyRun.objects.filter(status=JourneyRun.Status.SCHEDULED)
    if performance_id is not None:
        runs = runs.filter(performance_id=performance_id)
    if order_id is not None:
        runs = runs.filter(order_id=order_id)
    return runs.update(status=JourneyRun.Status.CANCELLED, outcome=why[:40], done_at=timezone.now())


# ---------------------------------------------------------------------------------------
# Running due steps (the tick)


@dataclass
class TickReport:
    entered: int = 0  # runs written by time-based triggers
    taken: int = 0  # due runs taken
    done: int = 0
    skipped: int = 0
    failed: int = 0
    emails: int = 0  # emails sent after commit
    resent: int = 0  # stalled emails sent by this tick


@dataclass
class _Outcome:
    status: str
    outcome: str = ""
    delivery: Delivery | None = None
    campaign: Campaign | None = None  # an email to write (in bulk, for the whole batch)


def run_due_journeys(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE, max_batches: int | None = None
) -> TickReport:
    """One tick in the current venue: time-based triggers, then every due run, in batches."""
    from .triggers import fire_time_triggers

    now = now or timezone.now()
    report = TickReport()
    report.entered = fire_time_triggers(now=now)
    report.resent = send_stalled(now=now)
    batches = 0
    while max_batches is None or batches < max_batches:
        batches += 1
        taken = run_batch(now=now, batch_size=batch_size, report=report)
        if taken < batch_size:
            break
    return report


def run_batch(*, now: datetime, batch_size: int, report: TickReport) -> int:
    """Take up to `batch_size` due runs (locked, skipping those another tick holds), act, mark
    them; emails leave after commit."""
    to_send: list[int] = []
    with transaction.atomic():
        runs = list(
            JourneyRun.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("journey", "contact")
            .filter(status=JourneyRun.Status.SCHEDULED, due_at__lte=now, journey__enabled=True)
            .order_by("due_at", "id")[:batch_size]
        )
        if not runs:
            return 0
        report.taken += len(runs)
        members = _members(runs, now=now)
        outcomes: dict[int, _Outcome] = {}
        for run in runs:
            try:
                # Emails write nothing here (their deliveries are written for the whole batch
                # below); other actions get a savepoint: one broken step fails alone.
                if run.journey.action == Action.EMAIL:
                    outcomes[run.pk] = _act(run, in_segment=run.pk in members, now=now)
                else:
                    with transaction.atomic():
                        outcomes[run.pk] = _act(run, in_segment=run.pk in members, now=now)
            except Exception as error:
                log.exception("Journey step %s failed", run.pk)
                outcomes[run.pk] = _Outcome(JourneyRun.Status.FAILED, type(error).__name__[:40])
        _write_deliveries(runs, outcomes)
        _mark(runs, outcomes, now=now, report=report)
        to_send = [
            o.delivery.pk
            for o in outcomes.values()
            if o.delivery is not None and o.status == JourneyRun.Status.DONE
        ]
        if to_send:
            transaction.on_commit(lambda: _send(to_send, report))
    return len(runs)


def _members(runs: list[JourneyRun], *, now: datetime) -> set[int]:
    """The runs whose contact meets their journey's conditions now (one query per journey
    of the batch)."""
    by_journey: dict[int, list[JourneyRun]] = defaultdict(list)
    for run in runs:
        by_journey[run.journey_id].append(run)
    ok: set[int] = set()
    for group in by_journey.values():
        journey = group[0].journey
        definition = journey.segment.definition if journey.segment_id else journey.conditions
        if not definition or not definition.get("rules"):
            ok.update(run.pk for run in group)
            continue
        inside = set(
            segment_queryset(definition, now=now)
            .filter(pk__in=[run.contact_id for run in group])
            .values_list("pk", flat=True)
        )
        ok.update(run.pk for run in group if run.contact_id in inside)
    return ok


def _reachable_by_email(contact: Contact, *, marketing: bool) -> str:
    """Why this contact may not get the email ("" when they may)."""
    if contact.merged_into_id or contact.anonymised_at:
        return "contact_gone"
    if not contact.email or contact.email_bounced_at:
        return "no_email"
    if marketing and contact.email_consent is not True:
        return "no_consent"
    return ""


def is_first_timer(run: JourneyRun) -> bool:
    """Before a performance: the contact never came yet; after one: the check-in said so."""
    if run.journey.trigger == Trigger.BEFORE_PERFORMANCE:
        return run.contact.attendance_count == 0
    return run.first_time


def _act(run: JourneyRun, *, in_segment: bool, now: datetime) -> _Outcome:
    journey = run.journey
    contact = run.contact
    if not in_segment:
        return _Outcome(JourneyRun.Status.SKIPPED, "not_in_segment")
    from .selectors import step_obstacle

    obstacle = step_obstacle(run, now=now)
    if obstacle:
        return _Outcome(JourneyRun.Status.SKIPPED, obstacle)
    if journey.action == Action.EMAIL:
        campaign = journey.campaign
        if journey.first_timer_campaign_id and is_first_timer(run):
            campaign = journey.first_timer_campaign
        if campaign is None:
            return _Outcome(JourneyRun.Status.FAILED, "no_email_chosen")
        why = _reachable_by_email(contact, marketing=campaign.marketing)
        if why:
            return _Outcome(JourneyRun.Status.SKIPPED, why)
        return _Outcome(JourneyRun.Status.DONE, campaign=campaign)
    if journey.action == Action.SMS:
        if contact.sms_consent is not True or not contact.phone:
            return _Outcome(JourneyRun.Status.SKIPPED, "no_sms_consent")
        from .selectors import run_slots

        body = fill(
            journey.sms_text, {"first_name": contact.first_name, **run_slots(run)}, escape=False
        )
        phone = contact.phone
        transaction.on_commit(lambda: send_sms(to=phone, body=body))
        return _Outcome(JourneyRun.Status.DONE)
    if journey.action == Action.ADD_TAG:
        from crm.services import change_tags

        change_tags(contact_id=contact.pk, add=[journey.tag])
        return _Outcome(JourneyRun.Status.DONE)
    if journey.action == Action.CREATE_TASK:
        StaffTask.objects.create(
            title=journey.task_title or journey.name,
            contact=contact,
            assignee_id=journey.task_assignee_id,
            due_on=timezone.localdate(now),
            journey=journey,
        )
        return _Outcome(JourneyRun.Status.DONE)
    return _Outcome(JourneyRun.Status.FAILED, "unknown_action")


def _write_deliveries(runs: list[JourneyRun], outcomes: dict[int, _Outcome]) -> None:
    """The batch's emails as Delivery rows (campaign, contact, the run's occurrence), in two
    statements; a delivery that existed already (the same message for the same occasion,
    sent by another journey) is not sent again: the run is skipped."""
    wanted = {
        (o.campaign.pk, run.contact_id, run.occurrence[:100]): run
        for run in runs
        if (o := outcomes[run.pk]).campaign is not None
    }
    if not wanted:
        return
    key = lambda d: (d.campaign_id, d.contact_id, d.occurrence)  # noqa: E731
    where = {
        "campaign_id__in": {k[0] for k in wanted},
        "contact_id__in": {k[1] for k in wanted},
        "occurrence__in": {k[2] for k in wanted},
    }
    existing = {
        key(d) for d in Delivery.objects.filter(**where).only("campaign", "contact", "occurrence")
    }
    Delivery.objects.bulk_create(
        [
            Delivery(
                campaign_id=k[0],
                contact_id=k[1],
                occurrence=k[2],
                email=run.contact.email,
                language=run.contact.language or "fr",
            )
            for k, run in wanted.items()
            if k not in existing
        ],
        ignore_conflicts=True,
    )
    for delivery in Delivery.objects.filter(**where):
        run = wanted.get(key(delivery))
        if run is None:
            continue
        outcome = outcomes[run.pk]
        outcome.delivery = delivery
        if key(delivery) in existing:
            outcome.status, outcome.outcome = JourneyRun.Status.SKIPPED, "already_sent"


def _mark(
    runs: list[JourneyRun], outcomes: dict[int, _Outcome], *, now: datetime, report: TickReport
) -> None:
    for run in runs:
        outcome = outcomes[run.pk]
        run.status, run.outcome, run.done_at = outcome.status, outcome.outcome, now
        run.delivery = outcome.delivery
    JourneyRun.objects.bulk_update(runs, ["status", "outcome", "done_at", "delivery"])
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for run in runs:
        counts[run.journey_id][run.status] += 1
    for journey_id, by_status in counts.items():
        sent = sum(
            1
            for run in runs
            if run.journey_id == journey_id
            and run.status == JourneyRun.Status.DONE
            and run.journey.action in (Action.EMAIL, Action.SMS)
        )
        Journey.objects.filter(pk=journey_id).update(
            sent=F("sent") + sent,
            skipped=F("skipped") + by_status.get(JourneyRun.Status.SKIPPED, 0),
            failed=F("failed") + by_status.get(JourneyRun.Status.FAILED, 0),
        )
    report.done += sum(1 for r in runs if r.status == JourneyRun.Status.DONE)
    report.skipped += sum(1 for r in runs if r.status == JourneyRun.Status.SKIPPED)
    report.failed += sum(1 for r in runs if r.status == JourneyRun.Status.FAILED)


def _send(delivery_ids: list[int], report: TickReport | None = None) -> int:
    """Send these deliveries now, each with its run's extra slots and attachments."""
    from .selectors import email_parts

    runs = list(
        JourneyRun.objects.select_related("journey", "contact", "delivery").filter(
            delivery_id__in=delivery_ids
        )
    )
    site = venue_url(connection.tenant, "")
    parts = email_parts(runs, site=site)
    sent = 0
    compiled: dict = {}  # each journey email compiled once per language for the whole batch
    mail = get_connection()  # one connection to the mail server for the batch
    try:
        mail.open()
    except Exception:  # the server away: the stalled sends are tried again by a later tick
        log.exception("Journey emails not sent: no connection to the mail server")
        return 0
    with mail:
        for run in runs:
            extra, attachments = parts.get(run.pk, ({}, []))
            try:
                if deliver(
                    delivery_id=run.delivery_id,
                    site=site,
                    extra=extra,
                    attachments=attachments,
                    compiled_cache=compiled,
                    mail_connection=mail,
                ):
                    sent += 1
            except Exception:  # the sweeper of campaigns/sending retries a `sending` row
                log.exception("Journey email %s not sent", run.delivery_id)
    if report is not None:
        report.emails += sent
    return sent


def send_stalled(*, now: datetime) -> int:
    """Emails of done runs still pending a while after their run (the after-commit send was
    lost with its worker): sent now. `deliver` claims them, so never twice."""
    ids = list(
        JourneyRun.objects.filter(
            status=JourneyRun.Status.DONE,
            done_at__lte=now - STALLED_AFTER,
            delivery__status=Delivery.Status.PENDING,
        ).values_list("delivery_id", flat=True)[:BATCH_SIZE]
    )
    return _send(ids) if ids else 0


# ---------------------------------------------------------------------------------------
# The back office's writes


JOURNEY_FIELDS = [
    "name",
    "description",
    "trigger",
    "offset_minutes",
    "segment",
    "action",
    "campaign",
    "first_timer_campaign",
    "sms_text",
    "tag",
    "task_title",
    "task_assignee",
    "performance",
    "threshold",
]


@transaction.atomic
def save_journey(*, journey: Journey, actor=None) -> Journey:
    """Create or change a journey (the form filled it)."""
    created = journey.pk is None
    journey.save()
    record_event(
        code="campaigns.journey.created" if created else "campaigns.journey.updated",
        actor=actor,
        obj=journey,
        data={"name": journey.name},
    )
    return journey


@transaction.atomic
def switch_journey(*, journey: Journey, enabled: bool, actor=None) -> Journey:
    """Switch a journey on or off. Off: its scheduled steps stay and wait (they run if it is
    switched on again before they are too old; the tick only takes enabled journeys)."""
    Journey.objects.filter(pk=journey.pk).update(enabled=enabled, updated_at=timezone.now())
    journey.enabled = enabled
    record_event(
        code="campaigns.journey.switched",
        actor=actor,
        obj=journey,
        data={"name": journey.name, "enabled": enabled},
    )
    return journey


@transaction.atomic
def complete_task(*, task: StaffTask, actor=None) -> StaffTask:
    if StaffTask.objects.filter(pk=task.pk, done_at__isnull=True).update(
        done_at=timezone.now(), done_by=actor if getattr(actor, "pk", None) else None
    ):
        record_event(code="campaigns.task.done", actor=actor, obj=task, data={"title": task.title})
    task.refresh_from_db()
    return task
