from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketingConfig(AppConfig):
    name = "ticketing"
    verbose_name = _("Ticketing")

    def ready(self) -> None:
        # Navigation entries are registered by each view module when its screens exist.
        from ticketing.views import boxoffice, halls, orders, programme  # noqa: F401
