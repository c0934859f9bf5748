from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Audience relations")

    def ready(self) -> None:
        from tenants.generations import bump_on_write

        from . import (
            labels,  # noqa: F401 (the audit and timeline codes' labels)
            views,  # noqa: F401 (registers the contacts' navigation entries)
        )
        from .models import BehaviourSettings

        # What crm.behaviour.behaviour_settings keeps in each process (tenants/generations.py).
        bump_on_write(BehaviourSettings)
