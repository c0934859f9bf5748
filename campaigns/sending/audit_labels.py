"""Audit codes of sending, in words (registered by CampaignsConfig.ready)."""

from django.utils.translation import gettext_lazy as _

from tenants.accounts.audit_labels import register_labels

register_labels(
    {
        "campaigns.campaign.scheduled": _("Campaign scheduled"),
        "campaigns.campaign.unscheduled": _("Campaign no longer scheduled"),
        "campaigns.campaign.started": _("Campaign sending started"),
        "campaigns.campaign.paused": _("Campaign sending paused"),
        "campaigns.campaign.resumed": _("Campaign sending resumed"),
        "campaigns.campaign.cancelled": _("Campaign cancelled"),
    },
    details={
        "campaigns.campaign.started": _(
            "%(recipients)s recipients; left out: %(excluded_consent)s without consent, "
            "%(excluded_cap)s over the cap"
        ),
        "campaigns.campaign.cancelled": _("%(skipped)s emails not sent"),
    },
)
