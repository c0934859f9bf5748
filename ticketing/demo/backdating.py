"""Demo-only fix-ups once everything is sold, as plain queryset updates: past performances go
back to their real date, and the sales (tickets, payments, carts, history), refunds, the
exchange and programme changes get their dates in the season instead of today's."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import DateTimeField, ExpressionWrapper, OuterRef, Subquery

from tenants.accounts.models import AuditEvent
from ticketing.demo.season import Season
from ticketing.models import Hold, Order, Payment, Performance, ProgrammeChange, Ticket


def _order_events(order_ids: list[int], code: str):
    """The audit events `code` of these orders (a list of querysets updated alike)."""
    return [
        AuditEvent.objects.filter(object_type="ticketing.order", object_id__in=order_ids, code=code)
    ]


def move_back(season: Season) -> None:
    """Demo data only: put past performances back at their real date (see Season.schedule())."""
    for perf in season.perfs:
        if perf.performance.starts_at != perf.starts_at:
            Performance.objects.filter(pk=perf.performance.pk).update(
                starts_at=perf.starts_at,
                doors_open_at=perf.starts_at - timedelta(minutes=season.profile.doors_minutes),
            )
            perf.performance.refresh_from_db(fields=["starts_at", "doors_open_at"])


def date_sales(season: Season) -> None:
    """Demo data only: the services stamp everything with the current time; spread the
    orders (and their tickets, payments, carts and history) over the season instead."""
    rng = season.rng
    ids = [s.order_id for s in season.sales]
    Order.objects.bulk_update(
        [
            Order(
                pk=s.order_id,
                created_at=s.sold_at,
                paid_at=s.sold_at + timedelta(seconds=rng.randint(15, 150)),
            )
            for s in season.sales
        ],
        ["created_at", "paid_at"],
        batch_size=500,
    )
    order = Order.objects.filter(pk=OuterRef("order_id"))
    paid_at = Subquery(order.values("paid_at")[:1])
    Ticket.objects.filter(order_id__in=ids).update(created_at=paid_at)
    Payment.objects.filter(order_id__in=ids, amount_cents__gt=0).update(created_at=paid_at)
    for events in _order_events(ids, "ticketing.order.created"):
        key = "object_id" if events.model is AuditEvent else "order_id"
        paid = Subquery(Order.objects.filter(pk=OuterRef(key)).values("paid_at")[:1])
        events.update(created_at=paid)
    cart = Subquery(Order.objects.filter(hold_id=OuterRef("pk")).values("created_at")[:1])
    Hold.objects.filter(order__id__in=ids).update(
        created_at=cart,
        expires_at=ExpressionWrapper(
            cart + timedelta(minutes=season.settings.hold_minutes),
            output_field=DateTimeField(),
        ),
    )
    for refund in season.refunds:
        Payment.objects.filter(order_id=refund.sale.order_id, amount_cents__lt=0).update(
            created_at=refund.at
        )
        for events in _order_events([refund.sale.order_id], "ticketing.order.refunded"):
            events.update(created_at=refund.at)
    if season.exchange:
        at = season.exchange.at
        Ticket.objects.filter(pk__in=season.exchange.tickets).update(created_at=at)
        for events in _order_events([season.exchange.sale.order_id], "ticketing.order.exchanged"):
            events.update(created_at=at)
        Payment.objects.filter(pk__in=season.exchange.payments).update(created_at=at)
        Hold.objects.filter(pk=season.exchange.hold).update(
            created_at=at, expires_at=at + timedelta(minutes=season.settings.hold_minutes)
        )
    for change_id, decided in season.changes:
        ProgrammeChange.objects.filter(pk=change_id).update(created_at=decided)
        performance_id, kind = ProgrammeChange.objects.values_list("performance_id", "kind").get(
            pk=change_id
        )
        AuditEvent.objects.filter(
            object_type="ticketing.performance",
            object_id=performance_id,
            code=f"ticketing.performance.{kind}",
        ).update(created_at=decided)
