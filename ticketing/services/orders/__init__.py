"""Orders: the sale (`sale`), payments (`payments`), cancellation, refunds and exchanges
(`aftersale`); the order's one-statement INSERT (`writer`) and its history (`history`).
Every change appends an audit entry, publishes its domain event and reports to crm through
crm's services; crm never reads these tables."""

from ticketing.specs import Buyer, PaymentSpec, TariffChoice

from .aftersale import cancel_order, exchange_tickets, refund_order
from .payments import MAX_AMOUNT_CENTS, Settlement, record_payment, settle_payments
from .sale import confirm_order, sell

__all__ = [
    "MAX_AMOUNT_CENTS",
    "Buyer",
    "PaymentSpec",
    "Settlement",
    "TariffChoice",
    "cancel_order",
    "confirm_order",
    "exchange_tickets",
    "record_payment",
    "refund_order",
    "sell",
    "settle_payments",
]
