"""The storefront's checkout funnel: which steps (show → seats → cart → payment →
confirmation) each visit reached, per show, so the venue sees where buyers give up. A visit
is a random id in a browser-session cookie; nothing about the person is kept."""

from __future__ import annotations

from django.utils import timezone

from ticketing.models import CheckoutStep

Step = CheckoutStep.Step


def record_checkout_step(*, visit: str, step: int, show_id: int) -> None:
    """Once per visit, show and step: one INSERT … ON CONFLICT DO NOTHING, no read."""
    if not visit or not show_id:
        return
    CheckoutStep.objects.bulk_create(
        [CheckoutStep(visit=visit[:32], step=step, show_id=show_id, day=timezone.localdate())],
        ignore_conflicts=True,
    )
