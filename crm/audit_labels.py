"""The CRM's audit codes in words (registered by CrmConfig.ready; see
tenants/accounts/audit_labels.py). Every code a crm service records needs one here."""

from django.utils.translation import gettext_lazy as _

from tenants.accounts.audit_labels import register_labels

register_labels(
    {
        "crm.contact.data_exported": _("Personal data exported"),
        "crm.contact.anonymised": _("Contact anonymised"),
        "crm.erasure.requested": _("Erasure requested"),
        "crm.erasure.kept": _("Erasure declined, contact kept"),
        "crm.privacy.updated": _("Privacy settings changed"),
        "crm.signup.updated": _("Sign-up form changed"),
        "crm.contact.merged": _("Contacts merged"),
        "crm.contact.unmerged": _("Merge undone"),
        "crm.duplicate.dismissed": _("Duplicate dismissed (not the same person)"),
        "crm.dedup_settings.updated": _("Duplicate thresholds changed"),
        "crm.charter.updated": _("Data-entry charter changed"),
        # The storefront's spectators (crm/spectators.py)
        "crm.spectator.account_created": _("Spectator space opened"),
        "crm.spectator.password_set": _("Spectator password set"),
    },
    details={
        "crm.contact.anonymised": _("Reason: %(reason)s"),
        "crm.contact.merged": _("contact #%(absorbed_id)s merged into #%(kept_id)s"),
        "crm.contact.unmerged": _("contact #%(absorbed_id)s separated from #%(kept_id)s"),
    },
)
