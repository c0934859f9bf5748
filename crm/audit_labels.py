"""crm's audit codes in words (registered by CrmConfig.ready; see
tenants/accounts/audit_labels.py)."""

from django.utils.translation import gettext_lazy as _

from tenants.accounts.audit_labels import register_labels

register_labels(
    {
        # The storefront's spectators (crm/spectators.py)
        "crm.spectator.account_created": _("Spectator space opened"),
        "crm.spectator.password_set": _("Spectator password set"),
        "crm.erasure.requested": _("Erasure requested"),
        "crm.erasure.confirmed": _("Erasure request confirmed"),
    },
    {},
)
