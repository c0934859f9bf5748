"""Consents: each change is a row (who, when, the wording shown, the proof), and the contact's
column holds the current value."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from tenants.accounts.models import User

from ..charter.rules import normalize_email, normalize_phone  # noqa: F401 (their old home)
from ..models import (
    Consent,
    Contact,
    Source,
    TimelineEvent,
)
from .common import CONSENT_COLUMNS, _actor_label, _check_choice


def _apply_consents(
    *, contact: Contact, consents: dict[str, bool] | None, source: str, actor: User | None
) -> None:
    for channel, granted in (consents or {}).items():
        set_consent(contact=contact, channel=channel, granted=granted, source=source, actor=actor)


@transaction.atomic
def set_consent(
    *,
    contact: Contact,
    channel: str,
    granted: bool,
    source: str,
    recorded_at: datetime | None = None,
    actor: User | None = None,
    wording: str = "",
    ip_address: str | None = None,
    confirmed_at: datetime | None = None,
) -> Consent | None:
    """Append the contact's choice for a channel. Returns the new row, or None when the choice
    is the current one already (the row that proves it stays the latest)."""
    _check_choice(channel, Consent.Channel, field="channel")
    _check_choice(source, Source, field="source")
    # Lock the contact: two concurrent changes on a channel are applied one after the other.
    Contact.objects.select_for_update().filter(pk=contact.pk).values_list("pk").get()
    current = Consent.objects.filter(contact=contact, channel=channel).first()
    if current is not None and current.granted == bool(granted):
        return None
    consent = Consent.objects.create(
        contact=contact,
        channel=channel,
        granted=bool(granted),
        source=source,
        recorded_at=recorded_at or timezone.now(),
        actor_label=_actor_label(actor),
        wording=wording,
        ip_address=ip_address or None,
        confirmed_at=confirmed_at,
    )
    current_column = CONSENT_COLUMNS.get(channel)
    if current_column:
        Contact.objects.filter(pk=contact.pk).update(**{current_column: bool(granted)})
        setattr(contact, current_column, bool(granted))
    TimelineEvent.objects.create(
        contact=contact,
        code="crm.consent.granted" if granted else "crm.consent.withdrawn",
        occurred_at=consent.recorded_at,
        data={"channel": channel, "source": source},
        actor_label=consent.actor_label,
    )
    return consent
