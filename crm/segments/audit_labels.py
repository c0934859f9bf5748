"""The segments' audit codes in words (registered by CrmConfig.ready)."""

from django.utils.translation import gettext_lazy as _

from tenants.accounts.audit_labels import register_labels

register_labels(
    {
        "crm.segment.created": _("Segment created"),
        "crm.segment.updated": _("Segment changed"),
        "crm.segment.deleted": _("Segment deleted"),
    },
    {
        "crm.segment.created": "%(name)s",
        "crm.segment.updated": "%(name)s",
        "crm.segment.deleted": "%(name)s",
    },
)
