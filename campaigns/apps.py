from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        # The composer: its audit labels and its navigation entry ("Campagnes").
        from .composer import audit_labels as composer_labels  # noqa: F401
        from .composer import views as composer_views  # noqa: F401
