"""Audit codes of contact imports, exports and staff edits, in words (registered by
CrmConfig.ready)."""

from django.utils.translation import gettext_lazy as _

from tenants.accounts.audit_labels import register_labels

register_labels(
    {
        "crm.import.created": _("Contact file uploaded"),
        "crm.import.started": _("Contact import started"),
        "crm.import.completed": _("Contact import finished"),
        "crm.import.failed": _("Contact import failed"),
        "crm.contact.exported": _("Contacts exported"),
        "crm.contact.created": _("Contact created"),
        "crm.contact.updated": _("Contact edited"),
        "crm.contact.deleted": _("Contact deleted"),
    },
    {
        "crm.import.created": _("%(file)s, %(rows)s rows"),
        "crm.import.started": _("%(file)s, %(rows)s rows"),
        "crm.import.completed": _(
            "%(rows)s rows: %(created)s created, %(merged)s merged, %(updated)s updated, "
            "%(rejected)s rejected"
        ),
        "crm.import.failed": _("%(error)s"),
        "crm.contact.exported": _("%(count)s contacts (%(format)s), %(filter)s"),
    },
)
