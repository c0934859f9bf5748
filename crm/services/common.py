"""What the crm services share: the sources of staff entry, the consent columns, the actor's
label and the check of a choice."""

from django.utils.translation import gettext as _

from tenants.accounts.models import User
from tenants.errors import ValidationFailed

from ..charter.rules import normalize_email, normalize_phone  # noqa: F401 (their old home)
from ..models import (
    Consent,
    Source,
)

# Sources of staff entering a contact: the data-entry charter's required fields bind them.
STAFF_SOURCES = frozenset({Source.BOX_OFFICE, Source.PHONE, Source.BACKOFFICE, Source.IMPORT})
# Fields `find_or_create_contact` may fill on an existing contact when they are blank there.
FILLABLE_FIELDS = ("first_name", "last_name", "phone", "postcode")
# The contact's column holding the current value of a channel's consent.
CONSENT_COLUMNS = {
    Consent.Channel.EMAIL_NEWSLETTER: "email_consent",
    Consent.Channel.SMS: "sms_consent",
}


def _actor_label(actor: User | None) -> str:
    return str(actor) if actor is not None else "system"


def _check_choice(value: str, choices, *, field: str) -> None:
    if value not in choices.values:
        raise ValidationFailed(
            _("Unknown value “%(value)s”.") % {"value": value},
            code=f"crm.{field}_invalid",
            field=field,
        )
