"""Drop-off alerts: the weekly detection, the staff's answers to an alert, the settings and the
weekly digest. The method itself is campaigns.dropoff.method (pure functions)."""

from __future__ import annotations

import logging
import zoneinfo
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import TimelineEvent
from tenants.accounts.digests import send_once, staff_emails
from tenants.accounts.models import User
from tenants.errors import Conflict, ValidationFailed
from tenants.models import Venue

from . import method
from .models import DropoffAlert, DropoffDigest, DropoffRun, DropoffSettings

logger = logging.getLogger(__name__)
ATTENDANCE = "ticketing.attendance"
# A venue needs this much attendance history before anyone is judged: a first season has no
# "usual" to fall below (docs/dropoff.md, "Minimum history").
MIN_VENUE_HISTORY_DAYS = 365
DIGEST_ROLES = (User.Role.COMMUNICATION, User.Role.ADMIN)


class AlertClosed(Conflict):
    code = "campaigns.dropoff_closed"


def current_venue() -> Venue:
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Venue):
        return tenant
    return Venue.objects.get(schema_name=connection.schema_name)


def venue_today(now: datetime) -> date:
    return now.astimezone(zoneinfo.ZoneInfo(current_venue().timezone)).date()


def week_of(day: date) -> date:
    """The week's Monday: an alert list per venue and week."""
    return day - timedelta(days=day.weekday())


def thresholds_of(settings: DropoffSettings) -> method.Thresholds:
    return method.Thresholds(
        min_history_quarters=settings.min_history_quarters,
        min_history_visits=settings.min_history_visits,
        lookback_days=settings.lookback_days,
        significance=settings.significance,
        min_drop=settings.min_drop_percent / 100,
    )


def _attendance_days(tz: zoneinfo.ZoneInfo, before: datetime) -> dict[int, list[date]]:
    """Every live contact's attendance days, in one query (the timeline's (code, occurred_at)
    index covers it): crm keeps attendance, campaigns reads it there, never in ticketing."""
    rows = (
        TimelineEvent.objects.filter(
            code=ATTENDANCE,
            occurred_at__lt=before,
            contact__merged_into__isnull=True,
            contact__anonymised_at__isnull=True,
        )
        .values_list("contact_id", "occurred_at")
        .iterator(chunk_size=5000)
    )
    days: dict[int, set[date]] = defaultdict(set)
    for contact_id, occurred_at in rows:
        days[contact_id].add(occurred_at.astimezone(tz).date())
    return {cid: sorted(found) for cid, found in days.items()}


def detect_dropoffs(*, now: datetime | None = None) -> DropoffRun | None:
    """The week's alerts of the venue whose schema is in use. Idempotent per week (the
    DropoffRun row); None when the venue switched the detection off. Alerts already raised
    for the same fact (kind + last visit) are never raised again, whatever their state; an
    open alert whose contact came back is resolved."""
    now = now or timezone.now()
    settings = DropoffSettings.current()
    if not settings.enabled:
        return None
    tz = zoneinfo.ZoneInfo(current_venue().timezone)
    today = now.astimezone(tz).date()
    week = week_of(today)
    # One transaction: a concurrent run waits on the week's row and then finds it; a run
    # that fails leaves no row, so the next tick tries the week again.
    with transaction.atomic():
        try:
            with transaction.atomic():
                run = DropoffRun.objects.create(week=week, started_at=now)
        except IntegrityError:
            return DropoffRun.objects.get(week=week)  # this week's run happened
        _detect(run=run, settings=settings, tz=tz, today=today, now=now)
    return run


def _detect(*, run, settings, tz, today: date, now: datetime) -> None:
    days = _attendance_days(tz, now)
    first_ever = min((d[0] for d in days.values()), default=None)
    if first_ever is None or (today - first_ever).days < MIN_VENUE_HISTORY_DAYS:
        run.data = {"skipped": "venue_history", "first_visit": str(first_ever or "")}
        run.finished_at = now
        run.save(update_fields=["data", "finished_at"])
        return
    summaries = [s for d in days.values() if (s := method.summarise(d, today)) is not None]
    model = method.fit_bgnbd(summaries)
    thresholds = thresholds_of(settings)
    flagged: dict[int, method.Assessment] = {}
    judged = 0
    for contact_id, visit_days in days.items():
        assessment = method.assess(visit_days, today, model=model, thresholds=thresholds)
        judged += assessment.eligible
        if assessment.kind:
            flagged[contact_id] = assessment
    known = set(
        DropoffAlert.objects.filter(contact_id__in=list(flagged)).values_list(
            "contact_id", "fingerprint"
        )
    )
    new_alerts = []
    for contact_id, a in flagged.items():
        fingerprint = f"{a.kind}:{a.last_visit.isoformat()}"
        if (contact_id, fingerprint) in known:
            continue
        new_alerts.append(
            DropoffAlert(
                contact_id=contact_id,
                kind=a.kind,
                week=run.week,
                score=a.score,
                p_alive=a.p_alive,
                p_no_return=a.p_no_return,
                historical_rate=a.historical_rate,
                recent_rate=a.recent_rate,
                history_start=a.history_start,
                history_end=a.history_end,
                last_visit=a.last_visit,
                reason=a.reason,
                fingerprint=fingerprint,
                created_at=now,
            )
        )
    # Older open alerts of these contacts are replaced; those of contacts no longer flagged
    # (they came back, or their pace recovered) are resolved.
    replaced = {alert.contact_id for alert in new_alerts}
    DropoffAlert.objects.filter(state=DropoffAlert.State.OPEN).filter(
        contact_id__in=replaced
    ).update(state=DropoffAlert.State.RESOLVED, closed_at=now, closed_by_label="system")
    DropoffAlert.objects.filter(state=DropoffAlert.State.OPEN).exclude(
        contact_id__in=list(flagged)
    ).update(state=DropoffAlert.State.RESOLVED, closed_at=now, closed_by_label="system")
    DropoffAlert.objects.bulk_create(new_alerts, ignore_conflicts=True)
    run.contacts_judged = judged
    run.alerts_created = len(new_alerts)
    run.finished_at = now
    run.data = {
        "contacts": len(days),
        "model": (
            {"r": model.r, "alpha": model.alpha, "a": model.a, "b": model.b, "n": model.n}
            if model
            else None
        ),
    }
    run.save(update_fields=["contacts_judged", "alerts_created", "finished_at", "data"])


def _close(*, alert_id: int, state: str, actor: User | None, code: str) -> DropoffAlert:
    from tenants.accounts.audit import record_event

    alert = DropoffAlert.objects.select_for_update().get(pk=alert_id)
    if alert.state != DropoffAlert.State.OPEN:
        raise AlertClosed(_("This alert is already closed."), code="campaigns.dropoff_closed")
    alert.state = state
    alert.closed_at = timezone.now()
    alert.closed_by_label = str(actor) if actor else "system"
    alert.save(update_fields=["state", "closed_at", "closed_by_label"])
    record_event(code=code, actor=actor, obj=alert, data={"contact_id": alert.contact_id})
    TimelineEvent.objects.create(
        contact_id=alert.contact_id,
        code=code,
        data={"kind": alert.kind},
        actor_label=alert.closed_by_label,
    )
    return alert


@transaction.atomic
def dismiss_alert(*, alert_id: int, actor: User | None = None) -> DropoffAlert:
    """Not a drop-off (or nothing to do): closed, never raised again for the same fact."""
    return _close(
        alert_id=alert_id,
        state=DropoffAlert.State.DISMISSED,
        actor=actor,
        code="campaigns.dropoff.dismissed",
    )


@transaction.atomic
def mark_acted(*, alert_id: int, actor: User | None = None) -> DropoffAlert:
    """Someone called, wrote or invited them: closed as done."""
    return _close(
        alert_id=alert_id,
        state=DropoffAlert.State.ACTED,
        actor=actor,
        code="campaigns.dropoff.acted",
    )


SETTING_FIELDS = (
    "enabled",
    "min_history_quarters",
    "min_history_visits",
    "lookback_days",
    "significance",
    "min_drop_percent",
    "journey_id",
)


@transaction.atomic
def update_dropoff_settings(*, actor: User | None = None, **values) -> DropoffSettings:
    from tenants.accounts.audit import record_event

    unknown = set(values) - set(SETTING_FIELDS)
    if unknown:
        raise ValidationFailed(
            _("Unknown setting."), code="campaigns.dropoff_setting_unknown", field=None
        )
    settings = DropoffSettings.objects.select_for_update().get_or_create(singleton=True)[0]
    changes = {
        name: (getattr(settings, name), value)
        for name, value in values.items()
        if getattr(settings, name) != value
    }
    if not changes:
        return settings
    for name, (_old, new) in changes.items():
        setattr(settings, name, new)
    settings.full_clean()
    settings.save()
    record_event(
        code="campaigns.dropoff.settings_updated", actor=actor, obj=settings, changes=changes
    )
    return settings


def digest_recipients() -> list[str]:
    return staff_emails(DIGEST_ROLES)


def send_dropoff_digest(*, now: datetime | None = None) -> DropoffDigest | None:
    """The week's digest to the communication and admin staff, once per week (the
    DropoffDigest row, claimed before sending, marked sent after). None: nothing to say
    (no open alert) or already sent this week."""
    from .emails import build_digest
    from .selectors import open_alerts

    now = now or timezone.now()
    week = week_of(venue_today(now))
    alerts = list(open_alerts())
    recipients = digest_recipients()
    if not alerts or not recipients:
        return None
    return send_once(
        model=DropoffDigest,
        period={"week": week},
        now=now,
        build=lambda: build_digest(alerts=alerts, recipients=recipients, week=week),
        counts={"recipients": len(recipients), "alerts": len(alerts)},
    )
