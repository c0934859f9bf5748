"""Writing goals (create, update, archive; each audited) and the monthly digest to the
venue's admins, sent once per month (GoalDigest's unique month)."""

from __future__ import annotations

import logging
import zoneinfo
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.accounts.audit import record_event
from tenants.accounts.digests import send_once, staff_emails
from tenants.accounts.models import User
from tenants.errors import ValidationFailed

from .. import indicators
from . import selectors
from .models import Goal, GoalDigest

logger = logging.getLogger(__name__)
DIGEST_ROLES = (User.Role.ADMIN,)
AMOUNT_LIMIT = Decimal("999999999999")  # the column's 16 digits, 4 of them decimals
FIELDS = ("indicator", "season", "mode", "amount", "start_value", "label", "starts_on", "deadline")


class GoalError(ValidationFailed):
    code = "analytics.goal_invalid"


def _check(
    *,
    indicator: str,
    season: str,
    mode: str,
    amount: Decimal,
    starts_on: date,
    deadline: date,
    label: str,
) -> indicators.Indicator:
    """The one place a goal's fields are judged (the form and any other caller)."""
    found = indicators.get(indicator)
    if found is None:
        raise GoalError(_("Choose one of the key indicators."), field="indicator")
    if not selectors.is_valid_season(season):
        raise GoalError(_("A season looks like 2026-2027."), field="season")
    if mode not in Goal.Mode.values:
        raise GoalError(_("Choose how the target is set."), field="mode")
    if mode != Goal.Mode.ABSOLUTE and not found.per_season:
        raise GoalError(
            _("This indicator has no previous season to compare with: set a value to reach."),
            field="mode",
        )
    if not (-AMOUNT_LIMIT <= amount <= AMOUNT_LIMIT):
        raise GoalError(_("This target is out of range."), field="amount")
    if mode == Goal.Mode.ABSOLUTE and found.kind == "percent" and not (0 <= amount <= 1):
        raise GoalError(_("A share is between 0 and 100 %."), field="amount")
    if mode == Goal.Mode.PERCENT and amount <= -100:
        raise GoalError(_("A decrease cannot exceed 100 %."), field="amount")
    if mode != Goal.Mode.ABSOLUTE and amount == 0:
        raise GoalError(_("A growth of zero is no goal."), field="amount")
    if deadline < starts_on:
        raise GoalError(_("The deadline comes before the start."), field="deadline")
    if len(label) > Goal._meta.get_field("label").max_length:
        raise GoalError(_("This label is too long."), field="label")
    return found


@transaction.atomic
def create_goal(
    *,
    actor: User | None,
    indicator: str,
    season: str,
    mode: str,
    amount: Decimal,
    starts_on: date,
    deadline: date,
    label: str = "",
    start_value: float | None = None,
) -> Goal:
    found = _check(
        indicator=indicator,
        season=season,
        mode=mode,
        amount=amount,
        starts_on=starts_on,
        deadline=deadline,
        label=label,
    )
    if start_value is None and not found.per_season:
        # A rate of the base as it is now: progress runs from where the venue started.
        start_value = indicators.measure(indicator, season)
    goal = Goal.objects.create(
        indicator=indicator,
        season=season,
        mode=mode,
        amount=amount,
        start_value=start_value,
        label=label,
        starts_on=starts_on,
        deadline=deadline,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    record_event(
        code="analytics.goal.created",
        actor=actor,
        obj=goal,
        data={"indicator": indicator, "season": season, "mode": mode, "amount": str(amount)},
    )
    transaction.on_commit(selectors.forget_measures)
    return goal


@transaction.atomic
def update_goal(*, goal: Goal, actor: User | None, **fields) -> Goal:
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown goal fields: {sorted(unknown)}")
    goal = Goal.objects.select_for_update().get(pk=goal.pk)
    merged = {name: fields.get(name, getattr(goal, name)) for name in FIELDS}
    _check(**{k: v for k, v in merged.items() if k != "start_value"})
    changes = {
        name: (getattr(goal, name), value)
        for name, value in merged.items()
        if getattr(goal, name) != value
    }
    if not changes:
        return goal
    for name, (_old, new) in changes.items():
        setattr(goal, name, new)
    goal.save(update_fields=[*changes, "updated_at"])
    record_event(code="analytics.goal.updated", actor=actor, obj=goal, changes=changes)
    transaction.on_commit(selectors.forget_measures)
    return goal


@transaction.atomic
def archive_goal(*, goal: Goal, actor: User | None) -> Goal:
    updated = Goal.objects.filter(pk=goal.pk, archived_at__isnull=True).update(
        archived_at=timezone.now(), updated_at=timezone.now()
    )
    goal.refresh_from_db()
    if updated:
        record_event(code="analytics.goal.archived", actor=actor, obj=goal)
    return goal


# --- The monthly digest -------------------------------------------------------------------
def digest_recipients() -> list[str]:
    return staff_emails(DIGEST_ROLES)


def venue_today(now: datetime) -> date:
    from campaigns.dropoff.services import current_venue

    return now.astimezone(zoneinfo.ZoneInfo(current_venue().timezone)).date()


def send_goal_digest(*, now: datetime | None = None) -> GoalDigest | None:
    """The month's goals email to the venue's admins, once per month (the GoalDigest row,
    claimed before sending, marked sent after: a second run, even concurrent, waits on the
    row and finds it sent). None: no goal, nobody to tell, or already sent this month."""
    from .emails import build_goal_digest

    now = now or timezone.now()
    today = venue_today(now)
    month = today.replace(day=1)
    rows = selectors.goals_progress(today=today)
    recipients = digest_recipients()
    if not rows or not recipients:
        return None
    return send_once(
        model=GoalDigest,
        period={"month": month},
        now=now,
        build=lambda: build_goal_digest(rows=rows, recipients=recipients, month=month),
        counts={"recipients": len(recipients), "goals": len(rows)},
    )
