"""The drop-off alerts' audit codes in words (see tenants/accounts/audit_labels.py)."""

from django.utils.translation import gettext_lazy as _

from crm.labels import register_timeline_labels
from tenants.accounts.audit_labels import register_labels

register_labels(
    {
        "campaigns.dropoff.dismissed": _("Drop-off alert dismissed"),
        "campaigns.dropoff.acted": _("Drop-off alert dealt with"),
        "campaigns.dropoff.settings_updated": _("Drop-off alert settings changed"),
    }
)

register_timeline_labels(
    {
        "campaigns.dropoff.dismissed": _("Drop-off alert dismissed"),
        "campaigns.dropoff.acted": _("Drop-off alert dealt with"),
    }
)
