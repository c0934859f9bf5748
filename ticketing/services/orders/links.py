"""Phone sales and payment links: the counter takes the places by phone (channel "phone",
a reservation with the phone deadline), then the buyer pays with a secure link sent by email
and/or SMS. The link opens the storefront's own online payment (`OnlinePayment`, the venue's
provider, its webhook and refunds: services.orders.online) for exactly what the order still
owes; once the provider says it is paid, `online._fulfil` records the payment on the order
(services.orders.payments.record_payment) → PAID, tickets emailed. A payment that arrives
after the deadline released the order is refunded at once (`online._pay_pending_order`).

The link's token (256 random bits) is the only way to it; it names one order.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.events.services import send_task
from ticketing.errors import InvalidRequest
from ticketing.models import OnlinePayment, Order, OrderEmail, Payment, PaymentLink, Price
from ticketing.payments import PaymentProvider
from ticketing.specs import Buyer, HoldRequest, TariffChoice

from .history import order_event
from .online import PriceChanged, _cancel_at_provider, _event, _money, settle_online_payment
from .reservations import reserve

SMS_TASK = "ticketing.send_payment_link_sms"


class LinkClosed(InvalidRequest):
    code = "ticketing.payment_link_closed"
    http_status = 409


@transaction.atomic
def sell_by_phone(
    *,
    performance,
    request: HoldRequest,
    tariffs: TariffChoice,
    buyer: Buyer,
    actor=None,
    by_email: bool = True,
    by_sms: bool = False,
    pay_by=None,
    prices: dict[tuple[int, int], Price] | None = None,
    extras: dict[int, int] | None = None,
) -> Order:
    """Take the places for a phone buyer and send them the payment link."""
    if by_email and not buyer.email and not buyer.contact_id:
        raise InvalidRequest(
            _("Give the buyer's email to send the payment link."),
            field="email",
            code="ticketing.link_needs_email",
        )
    if by_sms and not buyer.phone and not buyer.contact_id:
        raise InvalidRequest(
            _("Give the buyer's mobile number to send the payment link."),
            field="phone",
            code="ticketing.link_needs_phone",
        )
    if not (by_email or by_sms):
        raise InvalidRequest(
            _("Send the payment link by email, by SMS or both."),
            field="email",
            code="ticketing.link_needs_channel",
        )
    order = reserve(
        performance=performance,
        request=request,
        tariffs=tariffs,
        buyer=buyer,
        actor=actor,
        pay_by=pay_by,
        channel="phone",
        prices=prices,
        extras=extras,
    )
    send_payment_link(order=order, actor=actor, by_email=by_email, by_sms=by_sms)
    return order


@transaction.atomic
def send_payment_link(
    *, order: Order, actor=None, by_email: bool = True, by_sms: bool = False
) -> PaymentLink:
    """A payment link for a pending order with a deadline (a new one each time: every link
    sent stays valid for this order while it waits), by email and/or SMS."""
    order = Order.objects.select_for_update(of=("self",)).select_related("contact").get(pk=order.pk)
    if order.status != Order.Status.PENDING or order.pay_by is None:
        raise LinkClosed(_("This order is not waiting for a payment."))
    contact = order.contact
    email = (contact.email or "") if contact else ""
    phone = (getattr(contact, "phone", "") or "") if contact else ""
    if by_email and not email:
        raise InvalidRequest(
            _("The buyer has no email address."), field="email", code="ticketing.link_needs_email"
        )
    if by_sms and not phone:
        raise InvalidRequest(
            _("The buyer has no phone number."), field="phone", code="ticketing.link_needs_phone"
        )
    link = PaymentLink.objects.create(
        order=order,
        email=email if by_email else "",
        phone=phone if by_sms else "",
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    if by_email:
        from ticketing.services.tickets import queue_order_email

        queue_order_email(order=order, kind=OrderEmail.Kind.PAYMENT_LINK, to=email, actor=actor)
    if by_sms:
        schema = connection.schema_name
        transaction.on_commit(
            lambda: send_task(SMS_TASK, args=[link.pk], headers={"_schema_name": schema}),
            robust=True,
        )
    order_event(
        order,
        "ticketing.payment_link.sent",
        actor,
        email=bool(by_email),
        sms=bool(by_sms),
    )
    return link


def send_link_sms(*, link_id: int) -> bool:
    """Send the link's SMS once (the task; a conditional UPDATE claims it first, so a
    message delivered twice sends one SMS)."""
    from tenants.sms import send_sms
    from ticketing.tickets.payment_emails import payment_link_url

    with transaction.atomic():
        claimed = PaymentLink.objects.filter(
            pk=link_id, sms_sent_at__isnull=True, order__status=Order.Status.PENDING
        ).update(sms_sent_at=timezone.now())
    if not claimed:
        return False
    link = PaymentLink.objects.select_related("order").get(pk=link_id)
    order = link.order
    deadline = timezone.localtime(order.pay_by)
    body = _(
        "%(venue)s: pay %(total)s for your tickets (%(reference)s) before %(when)s: %(url)s"
    ) % {
        "venue": connection.tenant.name if hasattr(connection, "tenant") else "",
        "total": _money(order.total_cents, order.currency),
        "reference": order.reference,
        "when": deadline.strftime("%d/%m %H:%M"),
        "url": payment_link_url(link),
    }
    send_sms(to=link.phone, body=body)
    return True


def link_order(token: str) -> Order | None:
    """The order a link's token names (None: no such link, at this venue)."""
    link = PaymentLink.objects.select_related("order__contact").filter(token=token).first()
    return link.order if link is not None else None


def amount_left(order: Order) -> int:
    paid = sum(p.amount_cents for p in order.payments.all() if p.status == Payment.Status.SUCCEEDED)
    return max(order.total_cents - paid, 0)


@transaction.atomic
def start_link_payment(
    *, order: Order, provider: PaymentProvider, shown_total_cents: int
) -> OnlinePayment:
    """An online payment of what the order still owes, which must be what the buyer was
    shown. Refused once the order is paid, cancelled or past its deadline. An attempt for
    the same order still open is reused (same amount) or cancelled."""
    order = Order.objects.select_for_update(of=("self",)).select_related("contact").get(pk=order.pk)
    if order.status != Order.Status.PENDING or order.pay_by is None:
        raise LinkClosed(_("This order is not waiting for a payment any more."))
    if order.pay_by <= timezone.now():
        raise LinkClosed(_("The time to pay for these seats is over: they were released."))
    amount = amount_left(order)
    if amount != shown_total_cents:
        raise PriceChanged(
            _("The amount due changed: it is now %(now)s. Nothing was charged.")
            % {"now": _money(amount, order.currency)}
        )
    ticket = order.tickets.select_related("performance__show").order_by("pk").first()
    earlier = list(
        OnlinePayment.objects.select_for_update()
        .filter(
            pending_order=order,
            status__in=[OnlinePayment.Status.PENDING, OnlinePayment.Status.FAILED],
            outcome="",
        )
        .order_by("pk")
    )
    for attempt in earlier:
        if attempt.provider == provider.name and attempt.amount_cents == amount:
            return attempt
        _cancel_at_provider(attempt)
    contact = order.contact
    when = timezone.localtime(ticket.performance.starts_at)
    attempts = OnlinePayment.objects.filter(pending_order=order).count()
    state = provider.create_intent(
        amount_cents=amount,
        currency=order.currency,
        description=f"{ticket.performance.show.title} — {when:%d/%m/%Y %H:%M} ({order.reference})",
        metadata={"venue": connection.schema_name, "order": order.reference},
        customer_id="",
        save_card=False,
        payment_method_id="",
        idempotency_key=f"{connection.schema_name}:order:{order.reference}:{attempts}",
    )
    payment = OnlinePayment.objects.create(
        provider=provider.name,
        intent_id=state.id,
        pending_order=order,
        amount_cents=amount,
        currency=order.currency,
        performance_id=ticket.performance_id,
        buyer={
            "email": (contact.email or "") if contact else "",
            "first_name": contact.first_name if contact else "",
            "language": (getattr(contact, "language", "") or "fr") if contact else "fr",
        },
    )
    _event(
        payment,
        "ticketing.payment.started",
        provider=provider.name,
        amount_cents=amount,
        order=order.reference,
    )
    if state.succeeded:  # the offline test provider
        payment = settle_online_payment(payment=payment, state=state)
    return payment
