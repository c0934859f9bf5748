from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "tenants.events"
    label = "events"
    verbose_name = _("Domain events and webhooks")

    def ready(self) -> None:
        from tenants.navigation import NavItem, register

        # Outgoing webhooks are the first consumer of the outbox.
        from . import audit_labels, webhooks_consumer  # noqa: F401

        register(
            NavItem(
                "webhooks",
                _("Webhooks"),
                "events:webhook_list",
                "webhooks.manage",
                order=925,
                group=_("Settings"),
            )
        )
