"""Ticketing URLs, mounted by config/urls.py. Each view module owns its own patterns."""

from django.urls import include, path

from ticketing.views import (
    boxoffice,
    extras,
    halls,
    online_bookings,
    orders,
    pay_links,
    payments,
    programme,
    reservations,
    space,
    storefront,
    tickets,
    widget,
)

backoffice_patterns = (
    [
        path("halls/", include(halls.urlpatterns)),
        path("programme/", include(programme.urlpatterns)),
        path("programme/", include(extras.urlpatterns)),
        path("box-office/", include(boxoffice.urlpatterns)),
        path("box-office/", include(reservations.urlpatterns)),
        path("orders/", include(orders.urlpatterns)),
        path("online/", include(online_bookings.urlpatterns)),
        path("payments/", include(payments.backoffice_urlpatterns)),
        path("tickets/", include(tickets.backoffice_urlpatterns)),
    ],
    "ticketing",
)

storefront_patterns = (
    storefront.urlpatterns + tickets.store_urlpatterns + pay_links.store_urlpatterns,
    "store",
)

space_patterns = (space.urlpatterns, "space")
widget_patterns = (widget.urlpatterns, "widget")
