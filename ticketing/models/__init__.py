from .cash import CashSession, Desk
from .door import CheckIn
from .extras import Extra, OrderExtra
from .halls import Hall, Layout, Seat, Section, Zone
from .inventory import Allocation, Hold, HoldZoneItem, PerformanceSeat, PerformanceZone
from .ledger import LedgerClosing, LedgerEntry, LedgerHead, LedgerKey, LedgerPending
from .links import PaymentLink
from .merges import ContactMergeMove
from .orders import InvitationReason, Order, Payment, Ticket
from .payments import OnlinePayment, PaymentCustomer, PaymentSettings, ProviderEvent
from .pricing import Price, PriceCategory, SalesSettings, Tariff
from .programme import Performance, ProgrammeChange, Show
from .space import AfterSaleRule, CheckoutStep, OrderAttribution, PromoCode
from .tickets import OrderEmail, TicketPromotion, TicketSigningKey

__all__ = [
    "AfterSaleRule",
    "Allocation",
    "CashSession",
    "CheckIn",
    "CheckoutStep",
    "ContactMergeMove",
    "Desk",
    "Extra",
    "Hall",
    "Hold",
    "HoldZoneItem",
    "InvitationReason",
    "Layout",
    "LedgerClosing",
    "LedgerEntry",
    "LedgerHead",
    "LedgerKey",
    "LedgerPending",
    "OnlinePayment",
    "Order",
    "OrderAttribution",
    "OrderEmail",
    "OrderExtra",
    "Payment",
    "PaymentCustomer",
    "PaymentLink",
    "PaymentSettings",
    "Performance",
    "PerformanceSeat",
    "PerformanceZone",
    "Price",
    "PriceCategory",
    "ProgrammeChange",
    "PromoCode",
    "ProviderEvent",
    "SalesSettings",
    "Seat",
    "Section",
    "Show",
    "Tariff",
    "Ticket",
    "TicketPromotion",
    "TicketSigningKey",
    "Zone",
]
