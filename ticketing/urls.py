"""Ticketing URLs, mounted by config/urls.py. Each view module owns its own patterns."""

from django.urls import include, path

from ticketing.views import (
    boxoffice,
    cash,
    checkout,
    counter_settings,
    door,
    extras,
    halls,
    ledger,
    online_bookings,
    orders,
    pay_links,
    payments,
    programme,
    reservations,
    space,
    statements,
    storefront,
    tickets,
    widget,
)

backoffice_patterns = (
    [
        path("halls/", include(halls.urlpatterns)),
        path("programme/", include(programme.urlpatterns)),
        path("programme/", include(extras.urlpatterns)),
        path("box-office/cash/", include(cash.urlpatterns)),
        path("statements/", include(statements.urlpatterns)),
        path("box-office/", include(boxoffice.urlpatterns)),
        path("door/", include(door.urlpatterns)),
        path("box-office/", include(reservations.urlpatterns)),
        path("orders/", include(orders.urlpatterns)),
        path("online/", include(online_bookings.urlpatterns)),
        path("payments/", include(payments.backoffice_urlpatterns)),
        path("counter/", include(counter_settings.urlpatterns)),
        path("tickets/", include(tickets.backoffice_urlpatterns)),
        path("ledger/", include(ledger.urlpatterns)),
    ],
    "ticketing",
)

storefront_patterns = (
    storefront.urlpatterns
    + checkout.urlpatterns
    + tickets.store_urlpatterns
    + pay_links.store_urlpatterns,
    "store",
)

space_patterns = (space.urlpatterns, "space")
widget_patterns = (widget.urlpatterns, "widget")
