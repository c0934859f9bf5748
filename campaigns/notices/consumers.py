"""The notices' consumer of programme changes (registered by CampaignsConfig.ready)."""

from tenants.events.models import Event

from .services import notify_programme_change

CODES = ("ticketing.performance.cancelled", "ticketing.performance.rescheduled")


def on_programme_change(event: Event) -> None:
    data = event.data or {}
    performance_id = data.get("performance_id")
    if not isinstance(performance_id, int):
        return
    notify_programme_change(
        event_id=event.pk,
        kind=event.code.rsplit(".", 1)[-1],
        performance_id=performance_id,
        starts_at=str(data.get("starts_at") or ""),
        old_starts_at=str(data.get("old_starts_at") or ""),
    )
