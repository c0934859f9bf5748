from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Audience relations")

    def ready(self) -> None:
        from tenants.events.registry import register_consumer
        from tenants.navigation import NavItem, register

        # Each sub-package's audit labels, Celery tasks and navigation entries register on import.
        from . import audit_labels  # noqa: F401
        from .dedup import tasks, views  # noqa: F401
        from .dedup.services import on_contact_event
        from .imports import audit_labels as import_labels  # noqa: F401
        from .imports import views as import_views  # noqa: F401
        from .integrity import views as integrity_views  # noqa: F401
        from .privacy import views as privacy_views  # noqa: F401
        from .segments import audit_labels as segment_labels  # noqa: F401
        from .signup import views as signup_views  # noqa: F401

        # A contact created, changed, merged or separated is re-scored against the base.
        register_consumer(
            "crm.dedup",
            codes=[
                "crm.contact.created",
                "crm.contact.updated",
                "crm.contact.merged",
                "crm.contact.unmerged",
            ],
            handler=on_contact_event,
        )
        register(
            NavItem(
                "segments",
                _("Segments"),
                "crm:segment_list",
                "contacts.view",
                order=320,
                group=_("Contacts"),
            )
        )
