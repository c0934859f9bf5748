from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketingConfig(AppConfig):
    name = "ticketing"
    verbose_name = _("Ticketing")

    def ready(self) -> None:
        # Navigation entries are registered by each view module when its screens exist.
        from crm.privacy.registry import register_export
        from tenants.generations import bump_on_write
        from ticketing.views import boxoffice, halls, online_bookings, orders, programme  # noqa: F401

        from . import audit_labels  # noqa: F401 (the audit codes' labels)
        from .selectors.space import orders_of_contact

        # A person's data export (crm.privacy) lists their orders and tickets.
        register_export("orders", orders_of_contact)
        from .models import Layout, Performance, Price, PriceCategory, Seat, Section, Show, Tariff
        from .privacy import orders_of

        # What selectors.prices.sale_prices and selectors.seating.layout_seats keep in each process
        # (tenants/generations.py). Bulk writes bump in the services that make them.
        bump_on_write(Show, Performance, Layout, PriceCategory, Price, Tariff, Section, Seat)
        register_export("orders", orders_of)
