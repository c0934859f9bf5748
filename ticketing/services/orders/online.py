"""Online payment of a storefront cart, with the venue's provider (ticketing.payments).

The design: the cart (a Hold) keeps the places while the buyer pays; it is extended once,
when the payment starts, by PARTERRE_PAYMENT_MINUTES (card entry, 3-D Secure). The payment
attempt (`OnlinePayment`) records exactly the amount quoted, the tariffs and the buyer. The
order is written only when the provider itself says the money is there (a server-side
`retrieve` or a signed webhook): `confirm_order` claims the cart and writes the order paid,
with its `ticketing.order.confirmed` event, as a counter sale does. So there is never an
unpaid or half-paid web order, and the cart's clock stays the one thing that decides when
places go back on sale (`inventory.claim_hold`, `release_expired_holds`).

A declined card leaves the cart as it is: the buyer may try another card until its time is
up; then the places go back on sale and the intent is cancelled (`cancel_abandoned_payments`).
A payment that succeeds after its cart expired is honoured if the same places are still
free (`sell`), otherwise refunded at once through the provider and the buyer told
(`ticketing.payment.refunded_unfulfilled`, for the email consumer).
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.selectors import known_contact_id
from tenants.accounts.audit import record_event
from tenants.errors import Conflict, ParterreError
from tenants.events.services import publish
from ticketing.errors import HoldExpired, HoldNotActive, InvalidRequest
from ticketing.models import (
    Hold,
    OnlinePayment,
    Order,
    Payment,
    PaymentCustomer,
    Performance,
    ProviderEvent,
)
from ticketing.payments import IntentState, PaymentProvider, WebhookEvent, provider_by_name
from ticketing.payments.base import CANCELED
from ticketing.selectors.extras import asked_extras
from ticketing.selectors.payments import held_places
from ticketing.selectors.prices import sales_settings
from ticketing.services import inventory
from ticketing.specs import Buyer, HoldRequest, PaymentSpec, TariffChoice

from .history import order_event, publish_order_event
from .payments import record_payment
from .referrals import CheckoutAdditions, record_checkout_additions
from .sale import confirm_order, price_sale, sell

logger = logging.getLogger(__name__)
OBJECT_TYPE = "ticketing.payment"


class PriceChanged(Conflict):
    code = "ticketing.price_changed"


def _money(cents: int, currency: str) -> str:
    return f"{cents / 100:.2f} {currency}"


def _event(payment: OnlinePayment, code: str, **data) -> None:
    record_event(code=code, obj=payment, object_type=OBJECT_TYPE, data=data)


# --- Specs kept on the payment row (JSON) ------------------------------------------------
def _tariffs_json(tariffs: TariffChoice) -> dict:
    return {
        "default": tariffs.default,
        "seats": {str(k): v for k, v in tariffs.seats.items()},
        "zones": {
            str(zone): {str(t): n for t, n in split.items()}
            for zone, split in tariffs.zones.items()
        },
    }


def _tariffs_of(data: dict) -> TariffChoice:
    return TariffChoice(
        default=data["default"],
        seats={int(k): v for k, v in data.get("seats", {}).items()},
        zones={
            int(z): {int(t): n for t, n in split.items()}
            for z, split in data.get("zones", {}).items()
        },
    )


def _request_of(places: dict) -> HoldRequest:
    return HoldRequest(
        seat_ids=list(places.get("seat_ids", [])),
        zones={int(z): q for z, q in places.get("zones", {}).items()},
    )


# --- Starting a payment --------------------------------------------------------------------
@transaction.atomic
def start_online_payment(
    *,
    hold_token,
    tariffs: TariffChoice,
    buyer: Buyer,
    shown_total_cents: int,
    provider: PaymentProvider,
    save_card: bool = False,
    customer_id: str = "",
    saved_card_id: str = "",
    extras: dict[int, int] | None = None,
    additions: dict | None = None,
) -> OnlinePayment:
    """A payment for exactly what this cart costs now, which must be what the buyer was
    shown (`shown_total_cents`; otherwise PriceChanged: nothing is charged). The cart is
    kept for the payment's time. With the offline test provider the payment has succeeded
    already and the order is written here (`payment.order`). `additions`: what the checkout
    added (spectators.CheckoutAdditions.as_json()), recorded with the order."""
    hold = inventory.lock_active_hold(hold_token)
    if inventory.hold_status(hold) != Hold.Status.ACTIVE:
        raise HoldExpired()
    if hold.contact_id is None:
        # The checkout's email step: a cart left unpaid by a known spectator can be followed
        # up (journeys' abandoned cart); nobody is created here.
        known = known_contact_id(buyer.email)
        if known is not None:
            Hold.objects.filter(pk=hold.pk).update(contact_id=known)
            hold.contact_id = known
    performance = hold.performance
    seats, zones = held_places(hold)
    fees = sales_settings()
    extra_lines = asked_extras(performance.pk, extras or {}, public_only=True)
    priced = price_sale(
        performance=performance,
        seats=seats,
        zones=zones,
        tariffs=tariffs,
        fees=fees,
        extras=extra_lines,
        channel=hold.channel or "web",
    )
    extras_json = {str(extra.pk): quantity for extra, quantity in extra_lines}
    if priced.total_cents != shown_total_cents:
        raise PriceChanged(
            _(
                "The price changed since it was shown to you: the total is now %(now)s "
                "(it was %(was)s). Nothing was charged; check the new total and pay again."
            )
            % {
                "now": _money(priced.total_cents, fees.currency),
                "was": _money(shown_total_cents, fees.currency),
            }
        )
    # An earlier attempt for this cart (a second click, a return to the checkout): its intent
    # is reused when nothing changed, cancelled otherwise.
    earlier = list(
        OnlinePayment.objects.select_for_update()
        .filter(hold=hold, status__in=[OnlinePayment.Status.PENDING, OnlinePayment.Status.FAILED])
        .order_by("pk")
    )
    for attempt in earlier:
        reusable = (
            attempt.provider == provider.name
            and attempt.amount_cents == priced.total_cents
            and not saved_card_id
            and attempt.save_card == save_card
        )
        if reusable:
            attempt.tariffs, attempt.buyer = _tariffs_json(tariffs), asdict(buyer)
            attempt.extras = extras_json
            attempt.additions = additions or {}
            attempt.save(update_fields=["tariffs", "buyer", "extras", "additions", "updated_at"])
            return attempt
        _cancel_at_provider(attempt)
    if save_card or saved_card_id:
        customer_id = provider.ensure_customer(
            customer_id=customer_id,
            email=buyer.email,
            name=f"{buyer.first_name} {buyer.last_name}".strip(),
        )
    when = timezone.localtime(performance.starts_at)
    attempts = OnlinePayment.objects.filter(hold=hold).count()
    state = provider.create_intent(
        amount_cents=priced.total_cents,
        currency=fees.currency,
        description=f"{performance.show.title} — {when:%d/%m/%Y %H:%M}",
        metadata={"venue": connection.schema_name, "cart": str(hold.token)},
        customer_id=customer_id,
        save_card=save_card,
        payment_method_id=saved_card_id,
        # One key per attempt of this cart: a retried request never makes a second intent.
        idempotency_key=f"{connection.schema_name}:{hold.token}:{attempts}",
    )
    payment = OnlinePayment.objects.create(
        provider=provider.name,
        intent_id=state.id,
        hold=hold,
        amount_cents=priced.total_cents,
        currency=fees.currency,
        performance_id=performance.pk,
        places={
            "seat_ids": [s.seat_id for s in seats],
            "zones": {str(z.zone_id): z.quantity for z in zones},
        },
        tariffs=_tariffs_json(tariffs),
        extras=extras_json,
        buyer=asdict(buyer),
        additions=additions or {},
        customer_id=customer_id,
        save_card=save_card or bool(saved_card_id),
    )
    # Kept for the payment, once: a buyer starting again (another tariff, another card)
    # does not keep the places for ever.
    paying = timedelta(minutes=settings.PARTERRE_PAYMENT_MINUTES)
    inventory.extend_hold(
        hold=hold,
        until=min(
            timezone.now() + paying, hold.created_at + timedelta(minutes=fees.hold_minutes) + paying
        ),
    )
    _event(
        payment,
        "ticketing.payment.started",
        provider=provider.name,
        amount_cents=payment.amount_cents,
        saved_card=bool(saved_card_id),
    )
    if state.succeeded:  # the offline test provider
        payment = settle_online_payment(payment=payment, state=state)
    return payment


def confirm_saved_card(*, payment: OnlinePayment, provider: PaymentProvider) -> OnlinePayment:
    """Confirm a saved-card payment (started by `start_online_payment`, committed first so
    the money is never taken for a payment we have no row of), then settle what the provider
    answers (3-D Secure, when asked, goes on in the browser)."""
    state = provider.confirm(payment.intent_id)
    return settle_online_payment(payment=payment, state=state)


def refresh_online_payment(*, payment: OnlinePayment) -> OnlinePayment:
    """Settle a payment from the provider's own word (the buyer is back from the payment
    page or 3-D Secure: their browser's word is not enough)."""
    if payment.outcome:
        return payment
    provider = provider_by_name(payment.provider)
    if provider is None:
        return payment
    return settle_online_payment(payment=payment, state=provider.retrieve(payment.intent_id))


# --- Settling -------------------------------------------------------------------------------
@transaction.atomic
def settle_online_payment(*, payment: OnlinePayment, state: IntentState) -> OnlinePayment:
    """Bring our payment in line with the provider's verified `state`. Idempotent and
    order-proof: once settled (an order written, or refunded) nothing changes it, and a late
    "declined" or "cancelled" never undoes a success."""
    payment = OnlinePayment.objects.select_for_update().get(pk=payment.pk)
    if state.id != payment.intent_id:
        raise InvalidRequest(_("This payment does not belong to this order."))
    if payment.outcome:
        return payment
    if state.succeeded:
        _settle_success(payment, state)
    elif state.status == CANCELED:
        if payment.status != OnlinePayment.Status.CANCELED:
            payment.status = OnlinePayment.Status.CANCELED
            payment.save(update_fields=["status", "updated_at"])
            _event(payment, "ticketing.payment.canceled")
            _release_cart(payment)
    elif state.failed and payment.status == OnlinePayment.Status.PENDING:
        payment.status, payment.last_error = OnlinePayment.Status.FAILED, state.error[:300]
        payment.save(update_fields=["status", "last_error", "updated_at"])
        _event(payment, "ticketing.payment.failed", error=payment.last_error)
    elif state.failed and payment.last_error != state.error[:300]:
        payment.last_error = state.error[:300]
        payment.save(update_fields=["last_error", "updated_at"])
    elif not state.failed and payment.status == OnlinePayment.Status.FAILED:
        # Tried again (3-D Secure or processing): pending again.
        payment.status = OnlinePayment.Status.PENDING
        payment.save(update_fields=["status", "updated_at"])
    return payment


def _settle_success(payment: OnlinePayment, state: IntentState) -> None:
    payment.status = OnlinePayment.Status.SUCCEEDED
    _event(payment, "ticketing.payment.succeeded", amount_cents=state.amount_cents)
    order, why = None, OnlinePayment.Outcome.REFUNDED_PRICE
    if state.amount_cents == payment.amount_cents and state.currency == payment.currency:
        order, why = _fulfil(payment)
    if order is not None:
        payment.order, payment.outcome = order, OnlinePayment.Outcome.ORDER
        payment.save(update_fields=["status", "order", "outcome", "updated_at"])
        if payment.customer_id and order.contact_id and payment.save_card:
            PaymentCustomer.objects.update_or_create(
                contact_id=order.contact_id,
                defaults={"provider": payment.provider, "customer_id": payment.customer_id},
            )
        return
    _refund_unfulfilled(payment, state.amount_cents, why)


def _fulfil(payment: OnlinePayment) -> tuple[Order | None, str]:
    """The paid order for this payment's places: from its cart if still live, else the same
    places sold again if still free (a late payment); else None and why (to refund)."""
    if payment.pending_order_id:
        return _pay_pending_order(payment)
    tariffs, buyer = _tariffs_of(payment.tariffs), Buyer(**payment.buyer)
    marketing = CheckoutAdditions.from_json(payment.additions).marketing()
    extras = {int(pk): quantity for pk, quantity in (payment.extras or {}).items()}
    spec = [PaymentSpec(Payment.Method.ONLINE, payment.amount_cents, payment.intent_id)]
    hold = payment.hold
    if hold is not None and hold.status == Hold.Status.ACTIVE:
        try:
            with transaction.atomic():
                order = confirm_order(
                    hold_token=hold.token,
                    tariffs=tariffs,
                    buyer=buyer,
                    payments=spec,
                    extras=extras,
                    **marketing,
                )
                _record_additions(payment, order)
            return order, ""
        except HoldExpired:
            pass  # its time ran out: sold again below if its places are still free
        except ParterreError as error:  # the price changed since: refund, places back
            logger.info("payment %s not fulfilled: %s", payment.pk, error.code)
            _release_cart(payment)
            return None, OnlinePayment.Outcome.REFUNDED_PRICE
    try:
        with transaction.atomic():
            order = sell(
                performance=Performance.objects.select_related("show").get(
                    pk=payment.performance_id
                ),
                request=_request_of(payment.places),
                tariffs=tariffs,
                buyer=buyer,
                payments=spec,
                channel="web",
                extras=extras,
                **marketing,
            )
            _record_additions(payment, order)
    except ParterreError as error:
        logger.info("late payment %s not fulfilled: %s", payment.pk, error.code)
        return None, OnlinePayment.Outcome.REFUNDED
    _event(payment, "ticketing.payment.late_honoured", order=order.reference)
    return order, ""


def _pay_pending_order(payment: OnlinePayment) -> tuple[Order | None, str]:
    """A payment link's payment (services.orders.links): recorded on its order, which is
    then paid, if the order still waits for exactly this amount; refunded otherwise (the
    order was released at its deadline, cancelled or paid at the counter meanwhile)."""
    order = Order.objects.select_for_update().get(pk=payment.pending_order_id)
    if order.status != Order.Status.PENDING:
        return None, OnlinePayment.Outcome.REFUNDED
    paid = sum(p.amount_cents for p in order.payments.filter(status=Payment.Status.SUCCEEDED))
    if order.total_cents - paid != payment.amount_cents:
        return None, OnlinePayment.Outcome.REFUNDED_PRICE
    spec = PaymentSpec(Payment.Method.ONLINE, payment.amount_cents, payment.intent_id)
    return record_payment(order=order, payment=spec), ""


def _record_additions(payment: OnlinePayment, order: Order) -> None:
    """The referral, promo code and companions of the checkout, with the order."""
    additions = CheckoutAdditions.from_json(payment.additions)
    if additions:
        record_checkout_additions(order=order, additions=additions)


def _refund_unfulfilled(payment: OnlinePayment, amount_cents: int, why: str) -> None:
    """The money came but the places are gone (or no longer at this price): give it all back
    at once and tell the buyer (the event carries what an email needs)."""
    provider = provider_by_name(payment.provider)
    refund_id = ""
    if provider is not None and amount_cents:
        refund_id = provider.refund(
            intent_id=payment.intent_id,
            amount_cents=amount_cents,
            idempotency_key=f"{connection.schema_name}:unfulfilled:{payment.pk}",
        )
    payment.outcome, payment.refunded_cents = why, amount_cents
    payment.save(update_fields=["status", "outcome", "refunded_cents", "updated_at"])
    _event(
        payment,
        "ticketing.payment.refunded_unfulfilled",
        amount_cents=amount_cents,
        refund=refund_id,
        reason=why,
    )
    publish(
        code="ticketing.payment.refunded_unfulfilled",
        key=f"payment:{payment.pk}",
        data={
            "payment_id": payment.pk,
            "performance_id": payment.performance_id,
            "email": payment.buyer.get("email", ""),
            "first_name": payment.buyer.get("first_name", ""),
            "language": payment.buyer.get("language", "fr"),
            "amount_cents": amount_cents,
            "currency": payment.currency,
            "reason": why,
        },
    )


def _release_cart(payment: OnlinePayment) -> None:
    """The payment's cart back on sale, unless another attempt is still paying for it."""
    hold = payment.hold
    if hold is None or hold.status != Hold.Status.ACTIVE:
        return
    others = OnlinePayment.objects.filter(
        hold=hold, status__in=[OnlinePayment.Status.PENDING, OnlinePayment.Status.FAILED]
    ).exclude(pk=payment.pk)
    if others.exists():
        return
    try:
        with transaction.atomic():
            inventory.release_hold(hold=hold)
    except HoldNotActive:
        pass


def _cancel_at_provider(payment: OnlinePayment) -> None:
    """Cancel an attempt replaced by another (its intent can no longer be paid)."""
    provider = provider_by_name(payment.provider)
    state = provider.cancel(payment.intent_id) if provider is not None else None
    if state is not None and state.succeeded:  # paid in the meantime: settle it instead
        settle_online_payment(payment=payment, state=state)
        raise Conflict(_("This basket was just paid: see your confirmation."))
    payment.status = OnlinePayment.Status.CANCELED
    payment.save(update_fields=["status", "updated_at"])
    _event(payment, "ticketing.payment.canceled")


def cancel_abandoned_payments(*, limit: int = 100) -> int:
    """Cancel at the provider the attempts whose cart is over (expired, released): their
    places are back on sale, so the buyer must not be able to pay for them any more. An
    attempt paid in the meantime is settled instead (late success). Periodic, idempotent."""
    now = timezone.now()
    stale = list(
        OnlinePayment.objects.filter(
            status__in=[OnlinePayment.Status.PENDING, OnlinePayment.Status.FAILED],
            outcome="",
        )
        .exclude(hold__status=Hold.Status.ACTIVE, hold__expires_at__gt=now)
        # A payment link's: open while its order waits within its deadline.
        .exclude(pending_order__status=Order.Status.PENDING, pending_order__pay_by__gt=now)
        .order_by("pk")[:limit]
    )
    for payment in stale:
        provider = provider_by_name(payment.provider)
        if provider is None:
            continue
        state = provider.retrieve(payment.intent_id)
        if state.status not in (CANCELED, "succeeded", "processing"):
            state = provider.cancel(payment.intent_id)
        settle_online_payment(payment=payment, state=state)
    return len(stale)


# --- Webhooks -------------------------------------------------------------------------------
@transaction.atomic
def handle_provider_event(*, provider: PaymentProvider, event: WebhookEvent) -> str:
    """Apply one verified webhook event, once: its id is recorded in the same transaction,
    so a second delivery (or a retry after a crash, rolled back) changes nothing. Returns
    what was done, for the log."""
    try:
        with transaction.atomic():
            ProviderEvent.objects.create(
                provider=provider.name,
                event_id=event.id,
                type=event.type[:80],
                object_id=str(event.object.get("id", ""))[:120],
            )
    except IntegrityError:
        return "duplicate"
    obj = event.object
    if event.type.startswith("payment_intent."):
        payment = OnlinePayment.objects.filter(intent_id=obj.get("id")).first()
        if payment is None:
            return "unknown"
        settle_online_payment(payment=payment, state=provider.intent_state(obj))
        return "settled"
    intent_id = obj.get("payment_intent") or ""
    payment = OnlinePayment.objects.select_for_update().filter(intent_id=intent_id).first()
    if payment is None:
        return "unknown"
    if event.type == "charge.refunded":
        return _refunded_at_provider(payment, int(obj.get("amount_refunded") or 0))
    if event.type == "charge.dispute.created":
        return _disputed(payment, int(obj.get("amount") or 0), str(obj.get("reason") or ""))
    return "ignored"


def _refunded_at_provider(payment: OnlinePayment, refunded: int) -> str:
    """A refund we did not make ourselves (the provider's dashboard): recorded and shown to
    staff, who decide which tickets it cancels. Ours are counted already."""
    if refunded <= payment.refunded_cents:
        return "known"
    difference = refunded - payment.refunded_cents
    payment.refunded_cents = refunded
    payment.save(update_fields=["refunded_cents", "updated_at"])
    _event(payment, "ticketing.payment.refunded_at_provider", amount_cents=difference)
    if payment.order_id:
        order_event(
            payment.order, "ticketing.payment.refunded_at_provider", None, amount_cents=difference
        )
    return "recorded"


def _disputed(payment: OnlinePayment, amount: int, reason: str) -> str:
    if payment.disputed:
        return "known"
    payment.disputed = True
    payment.save(update_fields=["disputed", "updated_at"])
    if payment.order_id:
        order = payment.order
        order_event(order, "ticketing.order.disputed", None, amount_cents=amount, reason=reason)
        publish_order_event(
            order, "ticketing.order.disputed", None, amount_cents=amount, reason=reason
        )
    else:
        _event(payment, "ticketing.order.disputed", amount_cents=amount, reason=reason)
    return "disputed"


# --- Refunds of orders paid online ------------------------------------------------------------
def refund_through_provider(*, order: Order, amount_cents: int, key: str) -> str:
    """Give `amount_cents` of an order paid online back to the card (aftersale.refund_order);
    returns the provider's refund id ("" for an online payment recorded by hand). Called
    last in the refund's transaction: if the provider refuses, nothing of it is written."""
    payment = (
        OnlinePayment.objects.select_for_update()
        .filter(order=order, status=OnlinePayment.Status.SUCCEEDED)
        .first()
    )
    if payment is None:
        # An online payment recorded by hand (an import, the demo's history) or taken by the
        # offline test provider: its refund is made where it was taken, and recorded here.
        taken_elsewhere = [Payment.Method.ONLINE, Payment.Method.OFFLINE_TEST]
        if order.payments.filter(method__in=taken_elsewhere, amount_cents__gt=0).exists():
            return ""
        raise InvalidRequest(
            _("This order was not paid online: refund it another way."), field="method"
        )
    if amount_cents > payment.amount_cents - payment.refunded_cents:
        raise InvalidRequest(
            _("More than what is left of the online payment (%(left)s).")
            % {"left": _money(payment.amount_cents - payment.refunded_cents, payment.currency)},
            field="method",
        )
    provider = provider_by_name(payment.provider)
    if provider is None:
        raise InvalidRequest(_("Online payment is not set up any more: refund it another way."))
    refund_id = provider.refund(
        intent_id=payment.intent_id,
        amount_cents=amount_cents,
        idempotency_key=f"{connection.schema_name}:{key}",
    )
    payment.refunded_cents += amount_cents
    payment.save(update_fields=["refunded_cents", "updated_at"])
    return refund_id
