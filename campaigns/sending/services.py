"""Sending deliveries: claim, send, mark — exactly once per delivery row.

`deliver(delivery_id=…)` is the one way a delivery leaves (newsletters in batches, journeys
one by one). A first, unbatched version; campaigns/sending grows batches, the rate limit and
retries around it without changing its contract:

- claims the row with a conditional UPDATE (pending → sending): of two workers, one wins;
- builds the message (campaigns/rendering.py) and sends it;
- marks it sent. A worker that dies between send and mark leaves `sending`: the sweeper
  re-sends it with the same Message-ID (at least once to the server, once in the inbox)."""

from __future__ import annotations

from django.db.models import F
from django.utils import timezone

from tenants.selectors import venue_url

from ..models import Delivery
from ..rendering import build_message, compile_campaign


def claim(delivery_id: int) -> bool:
    return bool(
        Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING).update(
            status=Delivery.Status.SENDING,
            claimed_at=timezone.now(),
            attempts=F("attempts") + 1,
        )
    )


def deliver(
    *,
    delivery_id: int,
    site: str | None = None,
    extra: dict[str, str] | None = None,
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> bool:
    """Send one pending delivery now; False if another worker had it or it was not pending.
    `extra`: slots of this occurrence (a journey's performance details, survey link);
    `attachments`: (filename, content, mimetype), e.g. a reminder's .ics."""
    from django.db import connection

    if not claim(delivery_id):
        return False
    delivery = Delivery.objects.select_related("campaign", "contact").get(pk=delivery_id)
    compiled = compile_campaign(delivery.campaign, language=delivery.language)
    site = site if site is not None else venue_url(connection.tenant, "")
    first_name = delivery.contact.first_name if delivery.contact_id else ""
    message = build_message(delivery, compiled, site=site, first_name=first_name, extra=extra)
    for attachment in attachments or ():
        message.attach(*attachment)
    message.send()
    Delivery.objects.filter(pk=delivery_id).update(
        status=Delivery.Status.SENT, sent_at=timezone.now()
    )
    return True
