from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Audience relations")

    def ready(self) -> None:
        from tenants.navigation import NavItem, register

        from .segments import audit_labels  # noqa: F401

        register(
            NavItem(
                "segments",
                _("Segments"),
                "crm:segment_list",
                "contacts.view",
                order=320,
                group=_("Audience"),
            )
        )
