from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        # Tracking (campaigns/tracking): attribution of orders, anymail's tracking signal,
        # audit labels, navigation.
        from tenants.events.registry import register_consumer
        from tenants.navigation import NavItem, register

        from .tracking import audit_labels, webhooks  # noqa: F401
        from .tracking.attribution import on_order_confirmed

        register_consumer(
            "campaigns.attribution", codes=["ticketing.order.confirmed"], handler=on_order_confirmed
        )
        register(
            NavItem(
                "campaign_operations",
                _("Operations"),
                "campaigns:operation_list",
                "campaigns.manage",
                order=520,
                group=_("Communication"),
            )
        )
        register(
            NavItem(
                "campaign_targeting",
                _("Targeted or send-to-all"),
                "campaigns:targeting_report",
                "campaigns.manage",
                order=530,
                group=_("Communication"),
            )
        )
