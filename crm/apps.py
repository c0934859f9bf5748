from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Audience relations")

    def ready(self) -> None:
        from . import audit_labels  # noqa: F401 (registers crm's audit codes in words)
