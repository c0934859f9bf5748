from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        # Each part registers what it has: consumers of domain events, Celery tasks, audit
        # and timeline labels, navigation entries.
        from tenants.events.registry import register_consumer
        from tenants.navigation import NavItem, register

        from .composer import audit_labels as composer_labels  # noqa: F401
        from .composer import views as composer_views  # noqa: F401 ("Campagnes" entry)
        from .composer.blocks import MESSAGE_SLOTS
        from .dropoff import audit_labels as dropoff_labels  # noqa: F401
        from .dropoff import tasks as dropoff_tasks  # noqa: F401
        from .dropoff import views as dropoff_views  # noqa: F401 (navigation entry)
        from .journeys import audit_labels as journeys_labels  # noqa: F401
        from .journeys import tasks as journeys_tasks  # noqa: F401
        from .journeys.consumers import CODES, CONSUMER_NAME, on_ticketing_event
        from .journeys.slots import NAMES as JOURNEY_SLOTS
        from .models import Campaign
        from .sending import audit_labels as sending_labels  # noqa: F401
        from .sending import tasks as sending_tasks  # noqa: F401
        from .surveys.apps import ready as surveys_ready
        from .tracking import audit_labels as tracking_labels  # noqa: F401
        from .tracking import webhooks  # noqa: F401 (anymail's tracking signal)
        from .tracking.attribution import on_order_confirmed

        surveys_ready()
        MESSAGE_SLOTS[Campaign.Kind.JOURNEY] = JOURNEY_SLOTS
        register_consumer(CONSUMER_NAME, codes=CODES, handler=on_ticketing_event)
        register_consumer(
            "campaigns.attribution", codes=["ticketing.order.confirmed"], handler=on_order_confirmed
        )
        group = _("Communication")
        register(NavItem("campaign_operations", _("Operations"), "campaigns:operation_list",
                         "campaigns.manage", order=520, group=group))  # fmt: skip
        register(NavItem("campaign_targeting", _("Targeted or send-to-all"),
                         "campaigns:targeting_report", "campaigns.manage", order=530,
                         group=group))  # fmt: skip
        register(NavItem("journeys", _("Journeys"), "campaigns:journey_list", "campaigns.manage",
                         order=505, group=group))  # fmt: skip
        register(NavItem("staff_tasks", _("Staff tasks"), "campaigns:task_list",
                         "campaigns.manage", order=535, group=group))  # fmt: skip
