"""What campaigns report about a contact's email: opens, clicks, unsubscribes, bounces and
complaints (campaigns call crm, never the reverse).

The hot paths (an open pixel, a click redirect) cost one INSERT here: the timeline event is
written with ON CONFLICT DO NOTHING on its dedupe key (crm_timeline_unique_dedupe), so the
first open of a delivery and the first click on each link are recorded once, however many
times the person opens the message or clicks again."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from .labels import register_timeline_labels
from .models import Consent, Contact, Language, Source, TimelineEvent
from .services import set_consent

EMAIL_EVENT_CODES = frozenset(
    {
        "campaigns.email.opened",
        "campaigns.email.clicked",
        "campaigns.email.unsubscribed",
        "campaigns.email.bounced",
        "campaigns.email.complained",
    }
)
LANGUAGE_CODE = "crm.contact.language"


def _campaign(event) -> str:
    data = event.data or {}
    return " · ".join(str(p) for p in (data.get("campaign"), data.get("url")) if p)


register_timeline_labels(
    {
        "campaigns.email.opened": gettext_lazy("Email opened"),
        "campaigns.email.clicked": gettext_lazy("Link clicked in an email"),
        "campaigns.email.unsubscribed": gettext_lazy("Unsubscribed from an email"),
        "campaigns.email.bounced": gettext_lazy("Email bounced"),
        "campaigns.email.complained": gettext_lazy("Email reported as spam"),
        LANGUAGE_CODE: gettext_lazy("Language chosen"),
    },
    details={code: _campaign for code in EMAIL_EVENT_CODES},
)


def record_email_event(
    *,
    contact_id: int,
    code: str,
    campaign_id: int | None,
    occurred_at: datetime | None = None,
    dedupe_key: str | None = None,
    data: dict | None = None,
    actor_label: str = "",
) -> None:
    """Append a campaign engagement event to the contact's timeline, once per `dedupe_key`
    (a repeat is silently ignored). One statement, no read."""
    if code not in EMAIL_EVENT_CODES:
        raise ValueError(f"Not an email engagement code: {code!r}")
    TimelineEvent.objects.bulk_create(
        [
            TimelineEvent(
                contact_id=contact_id,
                code=code,
                campaign_id=campaign_id,
                occurred_at=occurred_at or timezone.now(),
                dedupe_key=dedupe_key,
                data={"campaign_id": campaign_id, **(data or {})},
                actor_label=actor_label,
            )
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def set_channel_consent_from_email(
    *,
    contact_id: int,
    channel: str,
    granted: bool,
    label: str,
    wording: str,
    ip_address: str | None = None,
) -> Consent | None:
    """A choice made from a campaign's email (its unsubscribe link, the preference centre, a
    complaint to the mailbox provider). `label` says where (e.g. "unsubscribe link of
    campaign «Saison 26»"): it becomes the consent's actor label, as a staff member's name
    would be. None when the choice was the current one already (idempotent)."""
    contact = Contact.objects.filter(pk=contact_id).first()
    if contact is None:
        return None
    consent = set_consent(
        contact=contact,
        channel=channel,
        granted=granted,
        source=Source.WEB,
        wording=wording,
        ip_address=ip_address,
    )
    if consent is not None:
        label = label[:200]
        Consent.objects.filter(pk=consent.pk).update(actor_label=label)
        TimelineEvent.objects.filter(
            contact_id=contact_id,
            code="crm.consent.granted" if granted else "crm.consent.withdrawn",
            occurred_at=consent.recorded_at,
        ).update(actor_label=label)
        consent.actor_label = label
    return consent


@transaction.atomic
def set_contact_language(*, contact_id: int, language: str, label: str) -> bool:
    """The language a contact chose in the preference centre; True when it changed."""
    if language not in Language.values:
        return False
    changed = (
        Contact.objects.filter(pk=contact_id).exclude(language=language).update(language=language)
    )
    if changed:
        TimelineEvent.objects.create(
            contact_id=contact_id,
            code=LANGUAGE_CODE,
            data={"language": language},
            actor_label=label[:200],
        )
    return bool(changed)


def mark_email_bounced(*, contact_id: int, email: str, occurred_at: datetime | None = None) -> bool:
    """A hard bounce of `email`: the contact's address is marked bounced (segments and sends
    skip it) if it is still the contact's address. True when it was marked now."""
    when = occurred_at or timezone.now()
    return bool(
        Contact.objects.filter(
            pk=contact_id, email__iexact=email, email_bounced_at__isnull=True
        ).update(email_bounced_at=when)
    )
