from .halls import Hall, Layout, Seat, Section, Zone
from .inventory import Allocation, Hold, HoldZoneItem, PerformanceSeat, PerformanceZone
from .orders import Order, Payment, Ticket
from .pricing import Price, PriceCategory, SalesSettings, Tariff
from .programme import Performance, ProgrammeChange, Show
from .tickets import OrderEmail, TicketPromotion, TicketSigningKey

__all__ = [
    "Allocation",
    "Hall",
    "Hold",
    "HoldZoneItem",
    "Layout",
    "Order",
    "OrderEmail",
    "Payment",
    "Performance",
    "PerformanceSeat",
    "PerformanceZone",
    "Price",
    "PriceCategory",
    "ProgrammeChange",
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
