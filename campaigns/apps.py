from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from tenants.events.registry import register_consumer
        from tenants.navigation import NavItem, register

        from .journeys import audit_labels, tasks  # noqa: F401
        from .journeys.consumers import CODES, CONSUMER_NAME, on_ticketing_event

        register_consumer(CONSUMER_NAME, codes=CODES, handler=on_ticketing_event)
        register(
            NavItem(
                "journeys",
                _("Journeys"),
                "campaigns:journey_list",
                "campaigns.manage",
                order=520,
                group=_("Communication"),
            )
        )
        register(
            NavItem(
                "staff_tasks",
                _("Staff tasks"),
                "campaigns:task_list",
                "campaigns.manage",
                order=530,
                group=_("Communication"),
            )
        )
