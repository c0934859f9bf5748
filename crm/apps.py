from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Audience relations")

    def ready(self) -> None:
        from . import audit_labels  # noqa: F401 (the audit codes' labels)
        from .integrity import views as integrity_views  # noqa: F401 (navigation entries)
        from .privacy import views as privacy_views  # noqa: F401
        from .signup import views as signup_views  # noqa: F401
