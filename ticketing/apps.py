from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketingConfig(AppConfig):
    name = "ticketing"
    verbose_name = _("Ticketing")

    def ready(self) -> None:
        # Navigation entries are registered by each view module when its screens exist.
        from crm.privacy.registry import register_export
        from tenants.generations import bump_on_write
        from ticketing.views import (  # noqa: F401
            boxoffice,
            halls,
            online_bookings,
            orders,
            programme,
            tickets,
        )

        from . import (
            audit_labels,  # noqa: F401 (the audit codes' labels)
            consumers,  # noqa: F401 (the confirmation email, on order confirmed)
        )
        from .models import (
            Layout,
            PaymentSettings,
            Performance,
            Price,
            PriceCategory,
            Seat,
            Section,
            Show,
            Tariff,
        )
        from .selectors.space import orders_of_contact

        # What selectors.prices.sale_prices and selectors.seating.layout_seats keep in each process
        # (tenants/generations.py). Bulk writes bump in the services that make them.
        bump_on_write(Show, Performance, Layout, PriceCategory, Price, Tariff, Section, Seat)
        bump_on_write(PaymentSettings)
        # A person's data export (crm.privacy) lists their orders and tickets.
        register_export("orders", orders_of_contact)
