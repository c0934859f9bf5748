"""Tracking's audit codes in words."""

from django.utils.translation import gettext_lazy as _

from tenants.accounts.audit_labels import register_labels

register_labels(
    {
        "campaigns.operation.created": _("Operation created"),
        "campaigns.operation.updated": _("Operation changed"),
        "campaigns.operation.link_added": _("Tracked link added to an operation"),
        "campaigns.operation.campaign_linked": _("Campaign linked to an operation"),
    },
    {
        "campaigns.operation.created": "%(name)s",
        "campaigns.operation.updated": "%(name)s",
        "campaigns.operation.link_added": "%(name)s: %(label)s",
        "campaigns.operation.campaign_linked": "%(name)s: %(campaign)s",
    },
)
