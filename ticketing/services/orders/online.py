"""The online sale's additions around an order: the referral link or promo code it came
through, the companions the buyer named at checkout, and what a spectator may do with their
own order from their space (cancel or exchange within the venue's rules)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from crm import services as crm
from crm import spectators
from crm.models import Contact, RelationKind, Source
from tenants.accounts.audit import changed_fields, record_event
from tenants.errors import Conflict
from tenants.events.services import publish
from ticketing.errors import InvalidRequest
from ticketing.models import (
    AfterSaleRule,
    Order,
    OrderAttribution,
    Payment,
    Performance,
    PerformanceZone,
    PromoCode,
    Ticket,
)
from ticketing.selectors import space as space_selectors
from ticketing.selectors.promotions import PROMO_ERRORS, normalize_promo_code
from ticketing.specs import Buyer, HoldRequest, PaymentSpec, TariffChoice

from .aftersale import exchange_tickets, refund_order
from .history import order_event
from .sale import confirm_order


@dataclass
class Companion:
    first_name: str
    email: str


@dataclass
class CheckoutExtras:
    """What the storefront's checkout adds to an order. `referral`: (prescriber contact id,
    show id) read from a signed link; `promo_code`: validated already
    (selectors.promotions.validate_promo_code); `consent_url(token)`: the absolute URL of a
    companion's consent page."""

    referral: tuple[int, int] | None = None
    promo_code: str = ""
    companions: list[Companion] = field(default_factory=list)
    consent_url: Callable[[str], str] = lambda token: token

    def __bool__(self) -> bool:
        return bool(self.referral or self.promo_code or self.companions)


@transaction.atomic
def confirm_web_order(
    *,
    hold_token,
    tariffs: TariffChoice,
    buyer: Buyer,
    payments: list[PaymentSpec],
    extras: CheckoutExtras,
) -> Order:
    """The storefront's order: the cart confirmed, then what came with it, in one
    transaction. An order without extras costs nothing more than `confirm_order`."""
    order = confirm_order(
        hold_token=hold_token, tariffs=tariffs, buyer=buyer, payments=payments, channel="web"
    )
    if extras:
        record_checkout_extras(order=order, extras=extras)
    return order


def record_checkout_extras(*, order: Order, extras: CheckoutExtras) -> None:
    tickets = list(order.tickets_in_hand())
    show_id = tickets[0].performance.show_id if tickets else None
    prescriber = None
    if extras.referral is not None:
        prescriber_id, referral_show_id = extras.referral
        # A link for this show, from someone else who still exists: credited.
        if referral_show_id == show_id and prescriber_id != order.contact_id:
            prescriber = Contact.objects.filter(pk=prescriber_id, anonymised_at__isnull=True)
            prescriber = prescriber.values_list("pk", flat=True).first()
    promo = normalize_promo_code(extras.promo_code) if extras.promo_code else ""
    if prescriber or promo:
        OrderAttribution.objects.create(
            order=order,
            referred_by_contact_id=prescriber,
            referral_show_id=show_id if prescriber else None,
            promo_code=promo,
        )
        order_event(
            order, "ticketing.order.attributed", None, referred_by=prescriber, promo_code=promo
        )
        if prescriber and order.contact_id:
            crm.relate_contacts(
                contact_id=order.contact_id,
                other_id=prescriber,
                kind=RelationKind.REFERRED_BY,
                source=Source.REFERRAL,
                data={"order": order.reference, "show": show_id},
            )
    if extras.companions:
        add_companions(
            order=order,
            tickets=tickets,
            companions=extras.companions,
            consent_url=extras.consent_url,
        )


def add_companions(
    *,
    order: Order,
    tickets: list[Ticket],
    companions: list[Companion],
    consent_url: Callable[[str], str],
) -> list[Contact]:
    """Each companion becomes a contact (source companion) who "came with" the buyer, holds
    one of the order's tickets (the buyer keeps the first), and is asked by email whether
    they want the venue's news (only if never asked). `ticketing.companion.added` lets the
    ticket mail send them their own ticket."""
    if order.contact_id is None:
        raise InvalidRequest(_("Companions need a buyer."), field="companions")
    if len(companions) > len(tickets) - 1:
        raise InvalidRequest(
            _("At most one companion per extra ticket."), code="ticketing.too_many_companions"
        )
    buyer = order.contact
    added, assigned = [], []
    for ticket, companion in zip(tickets[1:], companions, strict=False):
        contact = crm.find_or_create_contact(
            email=companion.email, first_name=companion.first_name, source=Source.COMPANION
        )
        if contact.pk == buyer.pk:
            raise InvalidRequest(
                _("A companion's email cannot be your own."),
                field="companions",
                code="ticketing.companion_is_buyer",
            )
        crm.relate_contacts(
            contact_id=contact.pk,
            other_id=buyer.pk,
            kind=RelationKind.CAME_WITH,
            source=Source.COMPANION,
            data={"order": order.reference},
        )
        ticket.holder_contact = contact
        assigned.append(ticket)
        added.append(contact)
        if contact.email_consent is None:
            spectators.send_consent_invitation(
                contact=contact,
                inviter_name=buyer.first_name or buyer.display_name,
                url=consent_url(spectators.consent_invitation_token(contact.pk)),
            )
        publish(
            code="ticketing.companion.added",
            key=f"order:{order.reference}",
            data={
                "order_id": order.pk,
                "reference": order.reference,
                "contact_id": contact.pk,
                "buyer_contact_id": buyer.pk,
                "ticket_id": ticket.pk,
            },
        )
    Ticket.objects.bulk_update(assigned, ["holder_contact"])
    order_event(
        order,
        "ticketing.order.companions_added",
        None,
        companions=[c.pk for c in added],
        tickets=[t.pk for t in assigned],
    )
    return added


def promo_error_message(code: str) -> str:
    return str(PROMO_ERRORS.get(code, code))


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
