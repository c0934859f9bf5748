"""Keeping the checkout funnel's aggregate (FunnelDay): the days that are over, grouped from
ticketing's CheckoutStep rows. A step is written with the day it happens on, so a day that
is over no longer changes; the last two aggregated days are grouped again anyway (a request
that started before midnight may write just after it). Idempotent: each day's rows are
replaced whole."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from ticketing.models import CheckoutStep

from .models import FunnelDay


@transaction.atomic
def refresh_funnel_days(*, today: date | None = None) -> int:
    """Aggregate every day before `today` not aggregated yet (and the last two again).
    Returns the number of FunnelDay rows written."""
    today = today or timezone.localdate()
    done = FunnelDay.objects.aggregate(last=Max("day"))["last"]
    if done is not None:
        start = done - timedelta(days=1)
    else:
        start = CheckoutStep.objects.aggregate(first=Min("day"))["first"]
        if start is None:
            return 0
    if start >= today:
        return 0
    FunnelDay.objects.filter(day__gte=start, day__lt=today).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {FunnelDay._meta.db_table} (day, show_id, step, visits)
            SELECT day, show_id, step, count(*) FROM {CheckoutStep._meta.db_table}
            WHERE day >= %s AND day < %s GROUP BY day, show_id, step
            """,  # noqa: S608 (table names from the models, values as parameters)
            [start, today],
        )
        return cursor.rowcount
