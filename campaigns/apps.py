from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        # Sending: audit labels and Celery tasks register on import.
        from .sending import audit_labels as sending_labels  # noqa: F401
        from .sending import tasks as sending_tasks  # noqa: F401
