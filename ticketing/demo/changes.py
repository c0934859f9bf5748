"""Programme changes: a cancelled performance (its sales stop the day the venue decided, then
refunds and, at the theatre, an exchange to the other date), a rescheduled one, and two
tickets given back by spectators."""

from __future__ import annotations

from datetime import datetime, timedelta

from ticketing.demo.season import Exchange, Perf, Refund, Sale, Season
from ticketing.models import Hold, Order, Payment, Ticket
from ticketing.services import orders, programme
from ticketing.services.inventory import HoldRequest
from ticketing.services.orders import PaymentSpec, TariffChoice


def prepare_changes(season: Season) -> None:
    """Sales of the performance to cancel stop when the venue decided to cancel it."""
    cancel = season.profile.cancel
    season.find(cancel.title, cancel.index).sell_until = season.now - timedelta(
        days=cancel.days_ago
    )


def apply_changes(season: Season) -> None:
    rng = season.rng
    cancel, move = season.profile.cancel, season.profile.reschedule
    cancelled = season.find(cancel.title, cancel.index)
    change = programme.cancel_performance(
        performance=cancelled.performance, reason=cancel.reason, actor=season.admin
    )
    decided = season.now - timedelta(days=cancel.days_ago)
    season.changes.append((change.pk, decided))
    sales = [s for s in season.sales if s.perf is cancelled and s.total > 0]
    rng.shuffle(sales)
    if season.profile.exchange and sales:
        others = [p for p in season.perfs if p.spec is cancelled.spec and p is not cancelled]
        for candidate in [s for s in sales if s.seats][:10] if others else []:
            if _exchange_sale(season, candidate, others[0], decided + timedelta(days=1)):
                sales.remove(candidate)
                break
    for sale in sales[:6]:
        _refund(season, sale, decided + timedelta(hours=rng.uniform(20, 24 * cancel.days_ago - 6)))

    moved = season.find(move.title, move.index)
    new_start = moved.starts_at + timedelta(weeks=move.weeks_later)
    change = programme.reschedule_performance(
        performance=moved.performance, starts_at=new_start, reason=move.reason, actor=season.admin
    )
    season.changes.append((change.pk, season.now - timedelta(days=move.days_ago)))

    # Two more: a ticket given back before a past show, another before an upcoming one.
    for past in (True, False):
        pool = [
            s
            for s in season.sales
            if s.tickets >= 2
            and s.total > 0
            and s.perf is not cancelled
            and (s.perf.starts_at <= season.now) == past
            and min(season.now, s.perf.starts_at) - s.sold_at > timedelta(days=3)
        ]
        if pool:
            sale = rng.choice(pool)
            latest = min(season.now, sale.perf.starts_at) - timedelta(hours=2)
            at = sale.sold_at + (latest - sale.sold_at) * rng.uniform(0.2, 0.9)
            _refund(season, sale, at, partial=True)


def _refund(season: Season, sale: Sale, at: datetime, partial: bool = False) -> None:
    order = Order.objects.get(pk=sale.order_id)
    ticket_ids = None
    if partial:
        ticket_ids = list(
            order.tickets.filter(status=Ticket.Status.VALID)
            .order_by("-id")
            .values_list("id", flat=True)[:1]
        )
    method = sale.method if sale.method != Payment.Method.OFFLINE_TEST else Payment.Method.ONLINE
    before = order.refunded_cents
    order = orders.refund_order(
        order=order,
        ticket_ids=ticket_ids,
        method=method,
        actor=season.cashier,
        reason="Spectacle annulé" if not partial else "Empêchement du spectateur",
    )
    tickets = len(ticket_ids) if ticket_ids else sale.tickets
    season.refunds.append(Refund(sale, at, tickets, order.refunded_cents - before))


def _exchange_sale(season: Season, sale: Sale, target: Perf, at: datetime) -> bool:
    """Move a whole order to the other date, same tariff, same category if possible."""
    old = list(
        Ticket.objects.filter(order_id=sale.order_id, status=Ticket.Status.VALID).values_list(
            "id", "tariff_id", "price_cents"
        )
    )
    if len({t for _i, t, _p in old}) != 1:  # the service applies one tariff to all
        return False
    tariff = old[0][1]
    ranks = {target.picker.by_id[sid].rank for sid in sale.seats}
    wanted = {1} if ranks == {1} else {2, 3}
    seat_ids = target.picker.take(len(old), season.rng, wanted) or target.picker.take(
        len(old), season.rng
    )
    if not seat_ids:
        return False
    order = Order.objects.get(pk=sale.order_id)
    code = next(c for c, i in season.tariffs.items() if i == tariff)
    new_total = sum(target.price(s, code) for s in seat_ids)
    difference = new_total - sum(p for _i, _t, p in old)
    payments_before = set(order.payments.values_list("pk", flat=True))
    new = orders.exchange_tickets(
        order=order,
        ticket_ids=[i for i, _t, _p in old],
        to_performance=target.performance,
        request=HoldRequest(seat_ids=seat_ids),
        tariffs=TariffChoice(default=tariff),
        payment=PaymentSpec(method=Payment.Method.CARD_COUNTER, amount_cents=difference)
        if difference > 0
        else None,
        actor=season.cashier,
    )
    hold = Hold.objects.filter(performance=target.performance, order__isnull=True).latest("pk")
    top_up = set(order.payments.values_list("pk", flat=True)) - payments_before
    season.exchange = Exchange(sale, at, [t.pk for t in new], hold.pk, sorted(top_up))
    return True
