"""The ticketing API (/api/v1/, mounted by config.urls): serializers apart from views."""

from .serializers import (
    ExchangeInputSerializer,
    HoldInputSerializer,
    OrderInputSerializer,
    OrderSerializer,
    RefundInputSerializer,
    TicketSerializer,
)
from .views import (
    HoldCreate,
    HoldDetail,
    OrderCancel,
    OrderCreate,
    OrderDetail,
    OrderExchange,
    OrderRefund,
    PerformanceAvailability,
    PerformanceList,
    PerformanceSeats,
    ShowList,
    _order,
)

__all__ = [
    "ExchangeInputSerializer",
    "HoldCreate",
    "HoldDetail",
    "HoldInputSerializer",
    "OrderCancel",
    "OrderCreate",
    "OrderDetail",
    "OrderExchange",
    "OrderInputSerializer",
    "OrderRefund",
    "OrderSerializer",
    "PerformanceAvailability",
    "PerformanceList",
    "PerformanceSeats",
    "RefundInputSerializer",
    "ShowList",
    "TicketSerializer",
    "_order",
]
