"""Orders: the sale (`sale`), payments (`payments`), cancellation, refunds and exchanges
(`aftersale`); the order's one-statement INSERT (`writer`) and its history (`history`).
Every change appends an audit entry, publishes its domain event and reports to crm through
crm's services; crm never reads these tables."""

from ticketing.specs import Buyer, PaymentSpec, TariffChoice

from .aftersale import cancel_order, exchange_tickets, refund_order
from .links import sell_by_phone, send_payment_link, start_link_payment
from .online import (
    PriceChanged,
    cancel_abandoned_payments,
    confirm_saved_card,
    handle_provider_event,
    refresh_online_payment,
    settle_online_payment,
    start_online_payment,
)
from .payments import MAX_AMOUNT_CENTS, Settlement, record_payment, settle_payments
from .reservations import (
    cancel_reservation,
    invite,
    pay_reservation,
    release_expired_reservations,
    remind_reservations,
    reserve,
)
from .sale import confirm_order, sell

__all__ = [
    "MAX_AMOUNT_CENTS",
    "Buyer",
    "PaymentSpec",
    "PriceChanged",
    "Settlement",
    "TariffChoice",
    "cancel_abandoned_payments",
    "cancel_order",
    "cancel_reservation",
    "confirm_order",
    "confirm_saved_card",
    "exchange_tickets",
    "handle_provider_event",
    "invite",
    "pay_reservation",
    "record_payment",
    "refresh_online_payment",
    "refund_order",
    "release_expired_reservations",
    "remind_reservations",
    "reserve",
    "sell",
    "sell_by_phone",
    "send_payment_link",
    "settle_online_payment",
    "settle_payments",
    "start_link_payment",
    "start_online_payment",
]
