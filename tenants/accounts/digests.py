"""Staff digests (the drop-off alerts' weekly email, the goals' monthly one): who gets them,
and sending one exactly once per period.

A digest's period row (a model with `sent_at` and `created_at`, unique on its period field)
is claimed with SELECT … FOR UPDATE before the email leaves and marked sent after, in one
transaction: a second run, even a concurrent one, waits on the row and finds it sent."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .models import User


def staff_emails(roles: Iterable[str]) -> list[str]:
    """The addresses of the venue's active staff of these roles."""
    return sorted(
        User.objects.filter(role__in=list(roles), is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def send_once(*, model, period: dict, now: datetime, build: Callable, counts: dict):
    """Send build()'s email unless this period's row says it was sent; returns the row, or
    None when it had been sent already. `counts` are written on the row with `sent_at`."""
    with transaction.atomic():
        row, _created = model.objects.select_for_update().get_or_create(
            **period, defaults={"created_at": now}
        )
        if row.sent_at is not None:
            return None
        build().send()
        row.sent_at = timezone.now()
        for name, value in counts.items():
            setattr(row, name, value)
        row.save(update_fields=["sent_at", *counts])
    return row
