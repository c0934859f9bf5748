"""What a spectator may do with their own order from their space (cancel or exchange within
the venue's rules), and the back office's settings of it: the rules and promo codes."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from tenants.accounts.audit import changed_fields, record_event
from tenants.errors import Conflict
from ticketing.errors import InvalidRequest
from ticketing.models import (
    AfterSaleRule,
    Order,
    Payment,
    Performance,
    PerformanceZone,
    PromoCode,
    Ticket,
)
from ticketing.selectors import space as space_selectors
from ticketing.selectors.promotions import normalize_promo_code
from ticketing.specs import HoldRequest, TariffChoice

from .aftersale import exchange_tickets, refund_order


# --- The spectator's own changes --------------------------------------------------------------
def _order_performance(order: Order) -> Performance:
    ticket = order.tickets.filter(status=Ticket.Status.VALID).select_related("performance")
    ticket = ticket.order_by("id").first()
    if ticket is None:
        raise InvalidRequest(
            _("This booking has no valid ticket left."), code="ticketing.nothing_to_change"
        )
    return ticket.performance


def _refund_method(order: Order) -> str:
    """Money goes back the way it came: the order's first payment's method."""
    paid = order.payments.filter(amount_cents__gt=0, status=Payment.Status.SUCCEEDED)
    return paid.values_list("method", flat=True).first() or Payment.Method.VOUCHER


@transaction.atomic
def cancel_own_booking(*, order: Order) -> Order:
    """A spectator cancels their booking from their space, if the venue's rule for the
    performance allows it now: every valid ticket refunded, minus the rule's fee per
    ticket."""
    performance = _order_performance(order)
    options = space_selectors.aftersale_options(
        performance, space_selectors.aftersale_rule(performance)
    )
    if not options.can_cancel:
        raise InvalidRequest(
            options.reason or _("This booking cannot be cancelled online."),
            code="ticketing.aftersale_closed",
        )
    ids = list(order.tickets.filter(status=Ticket.Status.VALID).values_list("id", flat=True))
    return refund_order(
        order=order,
        ticket_ids=ids,
        method=_refund_method(order),
        withheld_cents=options.fee_cents * len(ids),
        reason="spectator space",
    )


@transaction.atomic
def exchange_own_booking(*, order: Order, to_performance: Performance) -> list[Ticket]:
    """A spectator moves their booking to another date of the same show, if the rule allows
    it now: the best seats available at the same tariff (standing places in the same zone).
    A cheaper date is credited as a voucher; a dearer one is refused (the box office takes
    the difference)."""
    performance = _order_performance(order)
    options = space_selectors.aftersale_options(
        performance, space_selectors.aftersale_rule(performance)
    )
    if not options.can_exchange:
        raise InvalidRequest(
            options.reason or _("This booking cannot be exchanged online."),
            code="ticketing.aftersale_closed",
        )
    if to_performance.pk not in {p.pk for p in space_selectors.other_dates(performance)}:
        raise InvalidRequest(_("Choose another date of the same show."), field="performance")
    tickets = list(order.tickets.filter(status=Ticket.Status.VALID, performance=performance))
    seated = [t for t in tickets if t.seat_id]
    zones: dict[int, int] = {}
    if len(seated) != len(tickets):
        by_zone = dict(
            PerformanceZone.objects.filter(performance=to_performance).values_list("zone_id", "pk")
        )
        for ticket in tickets:
            if not ticket.seat_id:
                old_zone = PerformanceZone.objects.get(pk=ticket.performance_zone_id).zone_id
                if old_zone not in by_zone:
                    raise InvalidRequest(
                        _("This date has no such standing area."), field="performance"
                    )
                zones[by_zone[old_zone]] = zones.get(by_zone[old_zone], 0) + 1
    return exchange_tickets(
        order=order,
        ticket_ids=[t.pk for t in tickets],
        to_performance=to_performance,
        request=HoldRequest(best_available=len(seated), zones=zones),
        tariffs=TariffChoice(default=tickets[0].tariff_id),
        payment=None,
        refund_method=Payment.Method.VOUCHER,
        box_office=False,
    )


@transaction.atomic
def set_aftersale_rule(
    *,
    performance: Performance | None = None,
    cancel_allowed: bool,
    exchange_allowed: bool,
    until_hours_before: int,
    cancel_fee_cents: int,
    actor=None,
) -> AfterSaleRule:
    """The venue's rule (no performance) or a performance's own."""
    if until_hours_before < 0 or cancel_fee_cents < 0:
        raise InvalidRequest(_("Hours and fee cannot be negative."))
    values = {
        "cancel_allowed": cancel_allowed,
        "exchange_allowed": exchange_allowed,
        "until_hours_before": until_hours_before,
        "cancel_fee_cents": cancel_fee_cents,
    }
    rule = AfterSaleRule.objects.select_for_update().filter(performance=performance).first()
    if rule is None:
        rule = AfterSaleRule(performance=performance)
        changes = {name: (None, value) for name, value in values.items()}
    else:
        changes = changed_fields(rule, values)
    for name, value in values.items():
        setattr(rule, name, value)
    rule.save()
    record_event(
        code="ticketing.aftersale_rule.updated",
        actor=actor,
        obj=rule,
        changes=changes,
        data={"performance": str(performance) if performance else ""},
    )
    return rule


@transaction.atomic
def create_promo_code(
    *, code: str, label: str = "", valid_until=None, show=None, actor=None
) -> PromoCode:
    normalized = normalize_promo_code(code)
    if PromoCode.objects.filter(code=normalized).exists():
        raise Conflict(_("This code exists already."), code="ticketing.promo_exists", field="code")
    promo = PromoCode.objects.create(
        code=normalized, label=label.strip(), valid_until=valid_until, show=show
    )
    record_event(
        code="ticketing.promo_code.created",
        actor=actor,
        obj=promo,
        data={"code": normalized, "label": promo.label},
    )
    return promo


@transaction.atomic
def set_promo_code_active(*, promo: PromoCode, active: bool, actor=None) -> PromoCode:
    promo = PromoCode.objects.select_for_update().get(pk=promo.pk)
    if promo.is_active != active:
        promo.is_active = active
        promo.save(update_fields=["is_active"])
        record_event(
            code="ticketing.promo_code.updated",
            actor=actor,
            obj=promo,
            changes={"is_active": (not active, active)},
            data={"code": promo.code},
        )
    return promo
