from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Audience relations")

    def ready(self) -> None:
        from tenants.events.registry import register_consumer

        from . import audit_labels  # noqa: F401 (the audit codes' labels)
        from .dedup import tasks, views  # noqa: F401 (Celery task, navigation entry)
        from .dedup.services import on_contact_event
        from .integrity import views as integrity_views  # noqa: F401 (navigation entries)
        from .privacy import views as privacy_views  # noqa: F401
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
