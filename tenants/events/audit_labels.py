"""The events app's audit codes in words (registered by EventsConfig.ready; see
tenants/accounts/audit_labels.py)."""

from django.utils.translation import gettext_lazy as _

from tenants.accounts.audit_labels import register_labels

register_labels(
    {
        "events.webhook.created": _("Webhook endpoint added"),
        "events.webhook.updated": _("Webhook endpoint changed"),
        "events.webhook.secret_rotated": _("Webhook signing secret renewed"),
        "events.webhook.deleted": _("Webhook endpoint deleted"),
        "events.webhook.resent": _("Webhook delivery sent again"),
    },
    {
        "events.webhook.created": "%(url)s",
        "events.webhook.deleted": "%(url)s",
        "events.webhook.resent": "%(code)s #%(event)s",
    },
)
