"""Analytics' audit codes in words (registered by AnalyticsConfig.ready)."""

from django.utils.translation import gettext_lazy as _

from tenants.accounts.audit_labels import register_labels

register_labels(
    {
        "analytics.goal.created": _("Goal set"),
        "analytics.goal.updated": _("Goal changed"),
        "analytics.goal.archived": _("Goal archived"),
        "analytics.sibil.settings_updated": _("SIBIL settings changed"),
        "analytics.sibil.domains_updated": _("SIBIL domains of the genres changed"),
    },
    {},
)
