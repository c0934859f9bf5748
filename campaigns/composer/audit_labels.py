"""The composer's audit codes in words (registered by CampaignsConfig.ready)."""

from django.utils.translation import gettext_lazy as _

from tenants.accounts.audit_labels import register_labels

register_labels(
    {
        "campaigns.campaign.created": _("Campaign created"),
        "campaigns.campaign.updated": _("Campaign changed"),
        "campaigns.campaign.test_sent": _("Campaign test sent"),
        "campaigns.settings.updated": _("Communication settings changed"),
    },
    {
        "campaigns.campaign.created": "%(name)s",
        "campaigns.campaign.updated": "%(name)s",
        "campaigns.campaign.test_sent": "%(name)s → %(to)s",
    },
)
