"""Reads about reservations (orders to pay later), phone sales waiting for their payment link
and invitations: their deadline rule, the open list of the back office, the reminders due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from ticketing.models import (
    InvitationReason,
    Order,
    OrderEmail,
    PaymentLink,
    Performance,
    Ticket,
)
from ticketing.selectors.prices import sales_settings


def reservation_deadline(
    performance: Performance, *, hours: int | None = None, phone: bool = False, now=None
) -> datetime:
    """When a reservation made now must be paid: `hours` from now (the venue's default for
    a reservation, or for a phone sale's link), never later than the venue's cut-off before
    the performance. May be in the past (too late to reserve: the caller refuses)."""
    settings = sales_settings()
    now = now or timezone.now()
    if hours is None:
        hours = settings.phone_payment_hours if phone else settings.reservation_hours
    latest = performance.starts_at - timedelta(hours=settings.reservation_cutoff_hours)
    return min(now + timedelta(hours=hours), latest)


def latest_deadline(performance: Performance) -> datetime:
    return performance.starts_at - timedelta(hours=sales_settings().reservation_cutoff_hours)


@dataclass
class OpenReservation:
    order: Order
    performance: Performance | None
    tickets: int
    overdue: bool
    link: bool  # a payment link was sent (a phone sale)


def open_reservations(*, performance_id: int | None = None, query: str = "", limit: int = 200):
    """Pending orders with a deadline (reservations and phone sales), soonest deadline first,
    in three queries whatever their number: the orders with buyer, the first ticket's
    performance per order, the performances."""
    now = timezone.now()
    orders = (
        Order.objects.filter(status=Order.Status.PENDING, pay_by__isnull=False)
        .select_related("contact", "sold_by")
        .annotate(
            ticket_count=Count("tickets", filter=Q(tickets__status=Ticket.Status.VALID)),
            has_link=Exists(PaymentLink.objects.filter(order=OuterRef("pk"))),
        )
        .order_by("pay_by", "pk")
    )
    if performance_id:
        orders = orders.filter(tickets__performance_id=performance_id).distinct()
    query = query.strip()
    if query:
        orders = orders.filter(
            Q(reference__iexact=query)
            | Q(contact__last_name__icontains=query)
            | Q(contact__email__icontains=query)
            | Q(contact__phone__icontains=query)
        )
    rows = list(orders[:limit])
    firsts = dict(
        Ticket.objects.filter(order_id__in=[o.pk for o in rows])
        .order_by("order_id", "pk")
        .distinct("order_id")
        .values_list("order_id", "performance_id")
    )
    performances = Performance.objects.select_related("show").in_bulk(set(firsts.values()))
    return [
        OpenReservation(
            order=o,
            performance=performances.get(firsts.get(o.pk)),
            tickets=o.ticket_count,
            overdue=o.pay_by <= now,
            link=o.has_link,
        )
        for o in rows
    ]


def reminders_due(*, now=None, limit: int = 200) -> list[int]:
    """Reservations whose reminder is due: pending, deadline ahead within the venue's
    reminder time, made long enough before it to deserve one, a buyer with an email, and
    no reminder yet (the row's unique constraint settles a race)."""
    now = now or timezone.now()
    before = timedelta(hours=sales_settings().reservation_reminder_hours)
    reminded = OrderEmail.objects.filter(
        order=OuterRef("pk"), kind=OrderEmail.Kind.RESERVATION_REMINDER
    )
    return list(
        Order.objects.filter(
            status=Order.Status.PENDING,
            pay_by__gt=now,
            pay_by__lte=now + before,
            created_at__lte=F("pay_by") - before,
        )
        .exclude(contact__email="")
        .exclude(contact__email__isnull=True)
        .exclude(Exists(reminded))
        .order_by("pay_by")
        .values_list("pk", flat=True)[:limit]
    )


def expired_reservation_ids(*, now=None, limit: int = 100) -> list[int]:
    now = now or timezone.now()
    return list(
        Order.objects.filter(status=Order.Status.PENDING, pay_by__lte=now)
        .order_by("pay_by", "pk")
        .values_list("pk", flat=True)[:limit]
    )


@dataclass
class CountedApart:
    """A performance's tickets that are not plain sales: invitations by reason, and
    reservations (and phone sales) still waiting for their payment."""

    invitations: list[tuple[str, int]]
    invited: int
    reserved: int
    reserved_orders: int


def counted_apart(performance_id: int) -> CountedApart:
    valid = Ticket.objects.filter(performance_id=performance_id, status=Ticket.Status.VALID)
    labels = dict(InvitationReason.choices)
    by_reason = (
        valid.filter(order__status=Order.Status.PAID)
        .exclude(order__invitation_reason="")
        .values_list("order__invitation_reason")
        .annotate(n=Count("id"))
        .order_by("order__invitation_reason")
    )
    invitations = [(labels.get(reason, reason), n) for reason, n in by_reason]
    pending = valid.filter(order__status=Order.Status.PENDING, order__pay_by__isnull=False)
    figures = pending.aggregate(n=Count("id"), orders=Count("order_id", distinct=True))
    return CountedApart(
        invitations=invitations,
        invited=sum(n for _label, n in invitations),
        reserved=figures["n"],
        reserved_orders=figures["orders"],
    )
