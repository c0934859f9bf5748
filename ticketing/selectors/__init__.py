"""Ticketing reads, by sub-domain; every name importers use is re-exported here, so
`from ticketing import selectors` / `selectors.quote(...)` keep working."""

from ticketing.selectors.availability import (
    allocations_with_counts,
    category_availability,
    performance_figures,
    performances_newest_first,
    seat_map,
    sellable_performance,
    sellable_performances,
    shows_with_performances,
    sold_counts,
    upcoming_performances,
)
from ticketing.selectors.boxoffice import (
    CategoryInfo,
    PriceOption,
    SaleContext,
    ZoneInfo,
    box_office_board,
    buyer_contact,
    receipt_tickets,
    sale_context,
    suggested_seats,
)
from ticketing.selectors.halls import (
    halls_with_layouts,
    layout_seat_map,
    layouts_with_capacity,
    layouts_with_hall,
    rearmost_seat_y,
    zone_names,
)
from ticketing.selectors.orders import (
    order_events,
    order_list,
    order_payments,
    order_tickets,
    orders_affected_by,
    valid_tickets,
)
from ticketing.selectors.quotes import Place, Quote, QuoteLine, price_table, quote
from ticketing.selectors.storefront import (
    Cart,
    CartLine,
    checkout_cart,
    lowest_public_prices,
    online_tariffs,
    session_cart,
    standing_zones,
    with_sale_hints,
)

# Importable from here as before (tests/ticketing/test_quote.py prices with its fees).
from ticketing.services.inventory import sales_settings

__all__ = [
    "Cart",
    "CartLine",
    "CategoryInfo",
    "Place",
    "PriceOption",
    "Quote",
    "QuoteLine",
    "SaleContext",
    "ZoneInfo",
    "allocations_with_counts",
    "box_office_board",
    "buyer_contact",
    "category_availability",
    "checkout_cart",
    "halls_with_layouts",
    "layout_seat_map",
    "layouts_with_capacity",
    "layouts_with_hall",
    "lowest_public_prices",
    "online_tariffs",
    "order_events",
    "order_list",
    "order_payments",
    "order_tickets",
    "orders_affected_by",
    "performance_figures",
    "performances_newest_first",
    "price_table",
    "quote",
    "rearmost_seat_y",
    "receipt_tickets",
    "sale_context",
    "sales_settings",
    "seat_map",
    "sellable_performance",
    "sellable_performances",
    "session_cart",
    "shows_with_performances",
    "sold_counts",
    "standing_zones",
    "suggested_seats",
    "upcoming_performances",
    "valid_tickets",
    "with_sale_hints",
    "zone_names",
]
