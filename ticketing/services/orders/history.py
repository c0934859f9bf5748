"""What is written about an order besides the order itself: its entries in the audit trail (who
did what, when, with which amounts: tenants.accounts.audit) and the domain events other apps
react to (the outbox: tenants.events). Both join the caller's transaction."""

from __future__ import annotations

from crm.behaviour import season_of
from tenants.accounts.audit import new_event, record_event
from tenants.accounts.models import AuditEvent
from tenants.events.services import build_event, publish
from ticketing.models import Order, OrderAttribution

OBJECT_TYPE = "ticketing.order"


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def new_order_event(order: Order, code: str, actor, **data) -> AuditEvent:
    """The audit entry of `order`, unsaved (the sale writes it with the order; its
    `object_id` is filled then)."""
    return new_event(
        code=code, actor=_user(actor), object_type=OBJECT_TYPE, object_id=order.pk, data=data
    )


def crm_references(performance, *, order_id: int | None = None) -> dict:
    """What crm's timeline names a sale, refund or exchange by (crm keeps ids, never reads
    ticketing): the show and performance ids, the order id, the show's genres and the
    performance's season in the venue's seasons. `performance.show` must be loaded."""
    return {
        "show_id": performance.show_id,
        "performance_id": performance.pk,
        "order_id": order_id,
        "genres": list(performance.show.genres or []),
        "season": season_of(performance.starts_at),
    }


def order_performance(order: Order):
    """The performance of the order's first ticket, with its show (None without tickets)."""
    ticket = order.tickets.select_related("performance__show").order_by("pk").first()
    return ticket.performance if ticket is not None else None


def order_history(order: Order):
    """The order's audit entries (a queryset)."""
    return AuditEvent.objects.filter(object_type=OBJECT_TYPE, object_id=order.pk)


def order_event(order: Order, code: str, actor, **data) -> None:
    record_event(code=code, actor=_user(actor), obj=order, object_type=OBJECT_TYPE, data=data)


def _event_key(order: Order) -> str:
    # The reference, known before the order is written: its events keep their order.
    return f"order:{order.reference}"


def new_confirmed_event(
    order: Order,
    *,
    performance_ids: list[int],
    tickets: int,
    actor,
    promo_codes: list[str] | None = None,
):
    """`ticketing.order.confirmed`, unsaved (the sale writes it with the order, `order_id`
    added then)."""
    return build_event(
        code="ticketing.order.confirmed",
        key=_event_key(order),
        data=_confirmed_data(
            order, performance_ids=performance_ids, tickets=tickets, promo_codes=promo_codes
        ),
        actor=_user(actor),
    )


def _confirmed_data(
    order: Order, *, performance_ids: list[int], tickets: int, promo_codes: list[str] | None
) -> dict:
    return {
        "order_id": order.pk,
        "reference": order.reference,
        "performance_ids": performance_ids,
        "contact_id": order.contact_id,
        "tickets": tickets,
        "total_cents": order.total_cents,
        "currency": order.currency,
        "channel": order.channel,
        "marketing_ref": order.marketing_ref,
        "promo_codes": sorted(promo_codes or []),
    }


def publish_confirmed(order: Order, *, actor) -> None:
    """An order paid after it was written (a pending order's last payment)."""
    performances = list(order.tickets.values_list("performance_id", flat=True))
    publish(
        code="ticketing.order.confirmed",
        key=_event_key(order),
        data=_confirmed_data(
            order,
            performance_ids=sorted(set(performances)),
            tickets=len(performances),
            promo_codes=list(
                OrderAttribution.objects.filter(order=order)
                .exclude(promo_code="")
                .values_list("promo_code", flat=True)
            ),
        ),
        actor=_user(actor),
    )


def publish_order_event(order: Order, code: str, actor, **data) -> None:
    """A later change of an order (refunded, exchanged, cancelled) for the outbox."""
    publish(
        code=code,
        key=_event_key(order),
        data={"order_id": order.pk, "reference": order.reference, **data},
        actor=_user(actor),
    )
