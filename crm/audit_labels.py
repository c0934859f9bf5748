"""The CRM's audit codes in words (registered by CrmConfig.ready; see
tenants/accounts/audit_labels.py). Every code a crm service records needs one here."""

from django.utils.translation import gettext_lazy as _

from tenants.accounts.audit_labels import register_labels

register_labels(
    {
        "crm.contact.merged": _("Contacts merged"),
        "crm.contact.unmerged": _("Merge undone"),
        "crm.duplicate.dismissed": _("Duplicate dismissed (not the same person)"),
        "crm.dedup_settings.updated": _("Duplicate thresholds changed"),
    },
    details={
        "crm.contact.merged": _("contact #%(absorbed_id)s merged into #%(kept_id)s"),
        "crm.contact.unmerged": _("contact #%(absorbed_id)s separated from #%(kept_id)s"),
    },
)
