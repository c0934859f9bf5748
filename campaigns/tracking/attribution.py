"""Which campaign, link, operation or promo code an order is credited to: decided here, in
`attribute_order`, and nowhere else.

The rule, last touch within the venue's window (CommunicationSettings.attribution_days):

1. a promo code the buyer typed that an operation lists → that operation (channel
   `promo_code`): the buyer said it themselves;
2. else the latest click, within the window before the order, among the buyer's email clicks
   (their contact id) and the clicks of their browser (Order.marketing_ref, the visitor
   cookie a tracked link or QR code set) → its campaign and/or operation (channel `email`
   when the click came from an email, `link` otherwise);
3. else nothing (no row).

At most one row per order (unique order_id): the consumer runs exactly once per event, and
a replay finds the row there."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from campaigns.models import Campaign, CommunicationSettings, LinkClick, Operation

from .models import Attribution


def communication_settings() -> CommunicationSettings:
    found = CommunicationSettings.objects.first()
    return found if found is not None else CommunicationSettings()


def _operation_for_code(codes: list[str]) -> tuple[Operation, str] | None:
    wanted = {c.strip().upper() for c in codes if c and c.strip()}
    if not wanted:
        return None
    for operation in Operation.objects.exclude(promo_codes=[]).order_by("-created_at"):
        for code in operation.promo_codes or []:
            if str(code).strip().upper() in wanted:
                return operation, str(code).strip().upper()
    return None


def latest_click(
    *, contact_id: int | None, visitor: str, ordered_at: datetime, days: int
) -> LinkClick | None:
    """The latest click of this buyer (by contact or by browser) within `days` before
    `ordered_at`."""
    who = Q()
    if contact_id:
        who |= Q(contact_id=contact_id)
    if visitor:
        who |= Q(visitor=visitor)
    if not who:
        return None
    return (
        LinkClick.objects.filter(
            who,
            occurred_at__lte=ordered_at,
            occurred_at__gte=ordered_at - timedelta(days=days),
        )
        .select_related("link", "delivery")
        .order_by("-occurred_at", "-pk")
        .first()
    )


@transaction.atomic
def attribute_order(
    *,
    order_id: int,
    reference: str = "",
    contact_id: int | None,
    amount_cents: int,
    currency: str = "EUR",
    ordered_at: datetime,
    marketing_ref: str = "",
    promo_codes: list[str] | None = None,
) -> Attribution | None:
    """Credit the order (see the module's rule); None when nothing brought it."""
    row = Attribution(
        order_id=order_id,
        order_reference=reference[:40],
        contact_id=contact_id,
        amount_cents=amount_cents,
        currency=currency or "EUR",
        ordered_at=ordered_at,
    )
    coded = _operation_for_code(promo_codes or [])
    if coded is not None:
        row.channel = Attribution.Channel.PROMO_CODE
        row.operation, row.promo_code = coded
    else:
        days = communication_settings().attribution_days
        click = latest_click(
            contact_id=contact_id, visitor=marketing_ref, ordered_at=ordered_at, days=days
        )
        if click is None:
            return None
        link = click.link
        row.link, row.delivery, row.clicked_at = link, click.delivery, click.occurred_at
        if click.delivery_id:
            row.channel = Attribution.Channel.EMAIL
            row.campaign_id = click.delivery.campaign_id
        else:
            row.channel = Attribution.Channel.LINK
            row.campaign_id = link.campaign_id
        row.operation_id = link.operation_id
        if row.operation_id is None and row.campaign_id:
            row.operation_id = (
                Campaign.objects.filter(pk=row.campaign_id)
                .values_list("operation_id", flat=True)
                .first()
            )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # credited already (a replayed event)
        return Attribution.objects.get(order_id=order_id)
    return row


def on_order_confirmed(event) -> None:
    """Consumer of `ticketing.order.confirmed` (registered in campaigns/apps.py)."""
    data = event.data or {}
    if not data.get("order_id"):
        return
    occurred = event.occurred_at
    attribute_order(
        order_id=int(data["order_id"]),
        reference=str(data.get("reference") or ""),
        contact_id=data.get("contact_id"),
        amount_cents=int(data.get("total_cents") or 0),
        currency=str(data.get("currency") or "EUR"),
        ordered_at=occurred or timezone.now(),
        marketing_ref=str(data.get("marketing_ref") or "")[:32],
        promo_codes=[str(c) for c in data.get("promo_codes") or []],
    )
