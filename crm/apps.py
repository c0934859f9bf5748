from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Audience relations")

    def ready(self) -> None:
        from tenants.events.registry import register_consumer
        from tenants.generations import bump_on_write
        from tenants.navigation import NavItem, register

        # Each module's audit labels, Celery tasks and navigation entries register on import.
        from . import audit_labels, labels, views  # noqa: F401
        from .charter import views as charter_views  # noqa: F401
        from .dedup import tasks as dedup_tasks  # noqa: F401
        from .dedup import views as dedup_views  # noqa: F401
        from .dedup.services import on_contact_event
        from .imports import audit_labels as import_labels  # noqa: F401
        from .imports import views as import_views  # noqa: F401
        from .integrity import views as integrity_views  # noqa: F401
        from .models import BehaviourSettings, DataCharter
        from .privacy import views as privacy_views  # noqa: F401
        from .segments import audit_labels as segment_labels  # noqa: F401
        from .signup import views as signup_views  # noqa: F401

        # What crm.behaviour.behaviour_settings keeps in each process (tenants/generations.py).
        bump_on_write(BehaviourSettings, DataCharter)
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
