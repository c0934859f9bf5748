"""Writes of tracking: opens, clicks, short links, unsubscribes, preferences, and what the
mailbox providers report (bounces, complaints). Everything is keyed by a delivery's random
token, in the current venue's schema: a token of another venue is simply unknown here."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Delivery
from crm import engagement
from crm.models import Consent

from . import sql

OPENED = "campaigns.email.opened"
CLICKED = "campaigns.email.clicked"
UNSUBSCRIBED = "campaigns.email.unsubscribed"
BOUNCED = "campaigns.email.bounced"
COMPLAINED = "campaigns.email.complained"
VISITOR_LENGTH = 22  # secrets.token_urlsafe(16)


def new_visitor_id() -> str:
    return secrets.token_urlsafe(16)


def clean_visitor_id(value: str | None) -> str:
    """A visitor id from a cookie, or "" when it is not one of ours (bounded, URL-safe)."""
    value = (value or "").strip()
    if len(value) != VISITOR_LENGTH or not all(c.isalnum() or c in "-_" for c in value):
        return ""
    return value


def record_open(*, token: str) -> bool:
    """Count an open of a delivery (its pixel was fetched); the first one goes in the
    contact's timeline. False for an unknown token. One statement, two on the first open."""
    now = timezone.now()
    opened = sql.count_open(token[:32], now)
    if opened is None:
        return False
    if opened.opens == 1 and opened.contact_id:
        engagement.record_email_event(
            contact_id=opened.contact_id,
            code=OPENED,
            campaign_id=opened.campaign_id,
            occurred_at=now,
            dedupe_key=f"delivery:{opened.delivery_id}",
            data={"campaign": opened.campaign_name},
        )
    return True


def record_click(*, token: str, link_id: int, visitor: str) -> str | None:
    """Count a click on one of the delivery's links and return where it goes; None when the
    link is not one of that delivery's campaign (nothing counted, nowhere to go). The
    signature was checked by the caller (campaigns.addresses.signature_valid)."""
    now = timezone.now()
    clicked = sql.count_click(token[:32], link_id, visitor, now)
    if clicked is None:
        return None
    if clicked.contact_id:
        # The first click on each link of the delivery goes in the timeline.
        engagement.record_email_event(
            contact_id=clicked.contact_id,
            code=CLICKED,
            campaign_id=clicked.campaign_id,
            occurred_at=now,
            dedupe_key=f"delivery:{clicked.delivery_id}:link:{link_id}",
            data={"campaign": clicked.campaign_name, "url": clicked.url[:300], "link": link_id},
        )
    return clicked.url


def record_short_link_click(*, slug: str, visitor: str) -> str | None:
    """A visit through an operation's short link (a QR code on a poster, a social post)."""
    if not slug or len(slug) > 40:
        return None
    return sql.count_short_link(slug, visitor, timezone.now())


def delivery_for(token: str) -> Delivery | None:
    if not token or len(token) > 32:
        return None
    return Delivery.objects.select_related("campaign", "contact").filter(token=token).first()


def _label(delivery: Delivery, what: str) -> str:
    return _("%(what)s of campaign «%(campaign)s»") % {
        "what": what,
        "campaign": delivery.campaign.name,
    }


def _on_timeline(delivery: Delivery, code: str, now) -> None:
    """The delivery's event on its contact's timeline, once per delivery."""
    engagement.record_email_event(
        contact_id=delivery.contact_id,
        code=code,
        campaign_id=delivery.campaign_id,
        occurred_at=now,
        dedupe_key=f"delivery:{delivery.pk}",
        data={"campaign": delivery.campaign.name},
    )


@transaction.atomic
def unsubscribe(*, delivery: Delivery, ip_address: str | None = None) -> bool:
    """The person's email consent is withdrawn at once (RFC 8058 one-click or the page's
    button). Idempotent: a second call changes nothing. True when this call unsubscribed."""
    now = timezone.now()
    first = bool(
        Delivery.objects.filter(pk=delivery.pk, unsubscribed_at__isnull=True).update(
            unsubscribed_at=now
        )
    )
    if delivery.contact_id is None:
        return first
    consent = engagement.set_channel_consent_from_email(
        contact_id=delivery.contact_id,
        channel=Consent.Channel.EMAIL_NEWSLETTER,
        granted=False,
        label=_label(delivery, _("Unsubscribe link")),
        wording=_("Unsubscribe from the newsletter"),
        ip_address=ip_address,
    )
    if first:
        _on_timeline(delivery, UNSUBSCRIBED, now)
    return first or consent is not None


@dataclass(frozen=True)
class Preferences:
    newsletter: bool
    sms: bool
    language: str


def current_preferences(delivery: Delivery) -> Preferences:
    contact = delivery.contact
    if contact is None:
        return Preferences(newsletter=False, sms=False, language=delivery.language)
    return Preferences(
        newsletter=bool(contact.email_consent),
        sms=bool(contact.sms_consent),
        language=contact.language,
    )


@transaction.atomic
def update_preferences(
    *, delivery: Delivery, preferences: Preferences, ip_address: str | None = None
) -> list[str]:
    """The preference centre's choices, honoured at once; each consent change is a consent
    record (crm). Returns what changed ("newsletter", "sms", "language")."""
    if delivery.contact_id is None:
        return []
    label = _label(delivery, _("Preference centre"))
    changed = []
    for name, channel, granted, wording in (
        (
            "newsletter",
            Consent.Channel.EMAIL_NEWSLETTER,
            preferences.newsletter,
            _("I want to receive the newsletter by email"),
        ),
        ("sms", Consent.Channel.SMS, preferences.sms, _("I want to receive text messages")),
    ):
        if engagement.set_channel_consent_from_email(
            contact_id=delivery.contact_id,
            channel=channel,
            granted=granted,
            label=label,
            wording=wording,
            ip_address=ip_address,
        ):
            changed.append(name)
    if engagement.set_contact_language(
        contact_id=delivery.contact_id, language=preferences.language, label=label
    ):
        changed.append("language")
    if "newsletter" in changed and not preferences.newsletter:
        Delivery.objects.filter(pk=delivery.pk, unsubscribed_at__isnull=True).update(
            unsubscribed_at=timezone.now()
        )
    return changed


# --- What the providers report (anymail's tracking webhooks) -------------------------------
@transaction.atomic
def record_bounce(*, delivery: Delivery, description: str = "") -> bool:
    """A hard bounce: the delivery is bounced, the contact's address marked (sends skip it)."""
    now = timezone.now()
    first = bool(
        Delivery.objects.filter(pk=delivery.pk, bounced_at__isnull=True).update(
            bounced_at=now, status=Delivery.Status.BOUNCED, error=description[:300]
        )
    )
    if first and delivery.contact_id:
        engagement.mark_email_bounced(
            contact_id=delivery.contact_id, email=delivery.email, occurred_at=now
        )
        _on_timeline(delivery, BOUNCED, now)
    return first


@transaction.atomic
def record_complaint(*, delivery: Delivery) -> bool:
    """The person reported the message as spam: their email consent is withdrawn."""
    now = timezone.now()
    first = bool(
        Delivery.objects.filter(pk=delivery.pk, complained_at__isnull=True).update(
            complained_at=now
        )
    )
    if first and delivery.contact_id:
        engagement.set_channel_consent_from_email(
            contact_id=delivery.contact_id,
            channel=Consent.Channel.EMAIL_NEWSLETTER,
            granted=False,
            label=_label(delivery, _("Spam report")),
            wording=_("Reported the message as spam to the mailbox provider"),
        )
        _on_timeline(delivery, COMPLAINED, now)
    return first
