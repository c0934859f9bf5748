from .extras import Extra, OrderExtra
from .halls import Hall, Layout, Seat, Section, Zone
from .inventory import Allocation, Hold, HoldZoneItem, PerformanceSeat, PerformanceZone
from .merges import ContactMergeMove
from .orders import Order, Payment, Ticket
from .payments import OnlinePayment, PaymentCustomer, PaymentSettings, ProviderEvent
from .pricing import Price, PriceCategory, SalesSettings, Tariff
from .programme import Performance, ProgrammeChange, Show
from .space import AfterSaleRule, CheckoutStep, OrderAttribution, PromoCode
from .tickets import OrderEmail, TicketPromotion, TicketSigningKey

__all__ = [
    "AfterSaleRule",
    "Allocation",
    "CheckoutStep",
    "ContactMergeMove",
    "Extra",
    "Hall",
    "Hold",
    "HoldZoneItem",
    "Layout",
    "OnlinePayment",
    "Order",
    "OrderAttribution",
    "OrderEmail",
    "OrderExtra",
    "Payment",
    "PaymentCustomer",
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
