"""The goals' audit codes in words (see tenants/accounts/audit_labels.py)."""

from django.utils.translation import gettext_lazy as _

from tenants.accounts.audit_labels import register_labels

register_labels(
    {
        "analytics.goal.created": _("Goal set"),
        "analytics.goal.updated": _("Goal changed"),
        "analytics.goal.archived": _("Goal archived"),
    }
)
