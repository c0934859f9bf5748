from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        from .surveys.apps import ready as surveys_ready

        surveys_ready()
        # Drop-off alerts: their Celery tasks, audit labels and back-office menu entry.
        from campaigns.dropoff import audit_labels, tasks, views  # noqa: F401

        # The composer: its audit labels and its navigation entry ("Campagnes").
        from .composer import audit_labels as composer_labels  # noqa: F401
        from .composer import views as composer_views  # noqa: F401
