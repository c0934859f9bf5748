"""Analytics' consumer of ticketing's events (registered by AnalyticsConfig.ready): each sale,
invitation, refund and exchange is added to the aggregates once (the dispatcher's receipt),
in the dispatcher's transaction."""

from tenants.events.models import Event

from . import services


def update_sales_aggregates(event: Event) -> None:
    services.apply_event(event=event)
