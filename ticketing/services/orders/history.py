"""What is written about an order besides the order itself: its audit history (who did what,
when, with which amounts) and the domain events other apps react to."""

from __future__ import annotations

from ticketing.models import Order, OrderEvent


def actor_label(actor) -> str:
    return str(actor) if actor is not None and getattr(actor, "pk", None) else "spectator"


def new_order_event(order: Order, code: str, actor, **data) -> OrderEvent:
    """The history row of `order`, unsaved (the sale writes it with the order)."""
    return OrderEvent(
        order=order,
        code=code,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=actor_label(actor),
        data=data,
    )


def order_event(order: Order, code: str, actor, **data) -> None:
    new_order_event(order, code, actor, **data).save()
