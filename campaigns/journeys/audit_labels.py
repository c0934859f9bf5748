"""Journeys' audit codes in words (registered by CampaignsConfig.ready)."""

from django.utils.translation import gettext_lazy as _

from tenants.accounts.audit_labels import register_labels

register_labels(
    {
        "campaigns.journey.created": _("Journey created"),
        "campaigns.journey.updated": _("Journey changed"),
        "campaigns.journey.switched": _("Journey switched on or off"),
        "campaigns.task.done": _("Staff task done"),
    },
    {
        "campaigns.journey.created": "%(name)s",
        "campaigns.journey.updated": "%(name)s",
        "campaigns.journey.switched": "%(name)s",
        "campaigns.task.done": "%(title)s",
    },
)
