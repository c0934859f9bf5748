from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from tenants.events.registry import register_consumer

        from . import audit_labels, views  # noqa: F401 (audit labels, navigation entry)
        from .consumers import update_sales_aggregates
        from .services import CODES, CONSUMER

        register_consumer(CONSUMER, codes=CODES, handler=update_sales_aggregates)
