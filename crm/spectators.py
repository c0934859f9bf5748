"""The storefront's spectators, as crm sees them: sign-in by emailed link (single use,
short-lived, stored hashed), an optional password, the "may we note the shows you look at?"
answer and the views it allows, consent invitations sent to companions, and erasure
requests confirmed by email (then recorded by crm.privacy, where staff carry them out).

A spectator's identity is their contact: an account exists only for a contact that proved
an email by following a link sent to it. Staff are tenants.accounts.User and never mix with
these accounts (the storefront keeps the account id under its own session key).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import date, timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.accounts.audit import record_event
from tenants.errors import Conflict, ValidationFailed
from tenants.events.services import publish

from . import services
from .charter.rules import clean_email
from .models import (
    Consent,
    Contact,
    ContactEmail,
    Language,
    SignInLink,
    Source,
    SpectatorAccount,
    TimelineEvent,
)
from .privacy import services as privacy
from .privacy.models import ErasureRequest
from .services.common import _check_choice

SIGN_IN_LINK_LIFETIME = timedelta(minutes=20)
CONSENT_INVITATION_SALT = "crm.consent-invitation"
CONSENT_INVITATION_MAX_AGE = 60 * 24 * 3600  # seconds: two months to answer
SHOW_VIEWED = "storefront.show.viewed"


class LinkInvalid(Conflict):
    code = "crm.link_invalid"

    def __init__(self, message=None):
        super().__init__(
            message
            or _("This link has expired or was already used. Ask for a new one: it takes a second.")
        )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _venue_name() -> str:
    return getattr(connection.tenant, "name", "") or "Parterre"


def _venue_salt(salt: str) -> str:
    """A signing salt of this venue: a link signed for one venue means nothing at another
    (contact ids repeat from one schema to the next)."""
    return f"{salt}:{connection.schema_name}"


def _send_on_commit(subject: str, body: str, to: str) -> None:
    transaction.on_commit(lambda: send_mail(subject, body, None, [to]))


# --- Sign-in ----------------------------------------------------------------------------------
@transaction.atomic
def request_sign_in_link(
    *, email: str, link_url: Callable[[str], str], next_url: str = ""
) -> SignInLink:
    """Send a sign-in link to `email` (once the transaction commits). `link_url(token)` makes
    the absolute URL of the link on the venue's storefront. Anyone may ask for an address:
    the link proves it. Rate limits are the caller's (per address and per client)."""
    typed, normalized = clean_email(email)
    if not normalized:
        raise ValidationFailed(_("Enter your email address."), code="crm.email_missing")
    token = secrets.token_urlsafe(32)
    link = SignInLink.objects.create(
        token_hash=_hash(token),
        email_normalized=normalized,
        next_url=next_url if next_url.startswith("/") and len(next_url) <= 200 else "",
        expires_at=timezone.now() + SIGN_IN_LINK_LIFETIME,
    )
    venue = _venue_name()
    minutes = int(SIGN_IN_LINK_LIFETIME.total_seconds() // 60)
    body = _(
        "Hello,\n\nTo sign in to your space at %(venue)s, open this link within %(minutes)s "
        "minutes:\n\n%(url)s\n\nIt works once. If you did not ask for it, ignore this email: "
        "nobody can sign in without it.\n\n%(venue)s"
    ) % {"venue": venue, "minutes": minutes, "url": link_url(token)}
    _send_on_commit(_("Your sign-in link — %(venue)s") % {"venue": venue}, body, typed)
    return link


@transaction.atomic
def redeem_sign_in_link(*, token: str) -> tuple[SpectatorAccount, str]:
    """Use a sign-in link: (the account of the proven address, where to go next). The link
    is spent by one conditional UPDATE, so two clicks racing sign in once."""
    now = timezone.now()
    spent = SignInLink.objects.filter(
        token_hash=_hash(token or ""), used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if not spent:
        raise LinkInvalid()
    link = SignInLink.objects.get(token_hash=_hash(token))
    account = account_for_proven_email(email_normalized=link.email_normalized)
    SpectatorAccount.objects.filter(pk=account.pk).update(last_sign_in_at=now)
    return account, link.next_url


@transaction.atomic
def purge_sign_in_links() -> int:
    """Delete the sign-in links nobody can use any more (used, or past their time): a link
    keeps an email address and is worth nothing once spent, so it is not kept. Returns how
    many went. A link being redeemed meanwhile is either spent already (gone here) or not
    yet expired (kept). The rate limits of asking for links are counters in the cache that
    expire with their window on their own (django-ratelimit sets the timeout); they stay
    until then even if the link was used, or spending links would reset the limit.

    No audit event: housekeeping of spent secrets, like the expired sessions purge, changes
    nothing anyone decided, and an event every quarter of an hour would drown the log."""
    now = timezone.now()
    deleted, _by_model = SignInLink.objects.filter(
        Q(used_at__isnull=False) | Q(expires_at__lte=now)
    ).delete()
    return deleted


def _active(contact: Contact) -> Contact:
    """The contact that absorbed this one, if it was merged (followed to the end)."""
    seen = set()
    while contact.merged_into_id and contact.pk not in seen:
        seen.add(contact.pk)
        contact = Contact.objects.get(pk=contact.merged_into_id)
    return contact


@transaction.atomic
def account_for_proven_email(*, email_normalized: str) -> SpectatorAccount:
    """The account of the contact who holds this (just proven) address, created with the
    contact if needed. An address proven again returns the same account."""
    account = SpectatorAccount.objects.select_related("contact").filter(
        email_normalized=email_normalized
    )
    account = account.first()
    if account is not None:
        return account
    contact = Contact.objects.filter(email_normalized=email_normalized).first()
    if contact is None:
        other = ContactEmail.objects.filter(email_normalized=email_normalized).first()
        contact = Contact.objects.get(pk=other.contact_id) if other else None
    if contact is None:
        contact = services.find_or_create_contact(email=email_normalized, source=Source.WEB)
    contact = _active(contact)
    existing = SpectatorAccount.objects.filter(contact=contact).first()
    if existing is not None:  # the contact's other address, proven too: same person
        return existing
    account, created = SpectatorAccount.objects.get_or_create(
        email_normalized=email_normalized, defaults={"contact": contact}
    )
    if created:
        record_event(code="crm.spectator.account_created", obj=contact)
        TimelineEvent.objects.create(
            contact=contact, code="crm.spectator.account_created", data={"source": Source.WEB}
        )
    return account


@transaction.atomic
def set_spectator_password(*, account: SpectatorAccount, password: str) -> None:
    """An optional password, checked by Django's validators (length, common ones)."""
    try:
        validate_password(password)
    except ValidationError as error:
        message = " ".join(error.messages)
        raise ValidationFailed(message, code="crm.password_weak", field="password") from None
    account.password = make_password(password)
    account.save(update_fields=["password"])
    record_event(code="crm.spectator.password_set", obj=account.contact)


def check_spectator_password(*, email: str, password: str) -> SpectatorAccount | None:
    """The account if `password` is its own; None otherwise (no account, no password set,
    wrong password: the caller says the same thing for all three)."""
    normalized = services.normalize_email(email)
    account = SpectatorAccount.objects.select_related("contact").filter(email_normalized=normalized)
    account = account.first()
    if account is None or not account.password:
        make_password(password)  # same time spent as a real check
        return None
    if not check_password(password, account.password):
        return None
    SpectatorAccount.objects.filter(pk=account.pk).update(last_sign_in_at=timezone.now())
    return account


# --- Interest signals -------------------------------------------------------------------------
@transaction.atomic
def set_interest_tracking(*, account: SpectatorAccount, granted: bool) -> None:
    """The spectator's answer to "may we note the shows you look at?" (asked once; changed
    any time in their preferences): a consent channel, with its history."""
    services.set_consent(
        contact=account.contact,
        channel=Consent.Channel.WEB_INTEREST,
        granted=granted,
        source=Source.WEB,
    )
    if account.interest_asked_at is None:
        account.interest_asked_at = timezone.now()
        account.save(update_fields=["interest_asked_at"])


def record_show_view(
    *, contact_id: int, show_id: int, genre: str = "", day: date | None = None
) -> bool:
    """Note on the contact's timeline that they looked at a show, once per show and day
    (one INSERT … ON CONFLICT DO NOTHING). Only for contacts who said yes: the caller checks
    (crm.selectors.tracks_interest). True when this view was the day's first."""
    day = day or timezone.localdate()
    rows = TimelineEvent.objects.bulk_create(
        [
            TimelineEvent(
                contact_id=contact_id,
                code=SHOW_VIEWED,
                show_id=show_id,
                genre=genre[:40],
                dedupe_key=f"{show_id}:{day.isoformat()}",
                data={"show": show_id},
                actor_label="storefront",
            )
        ],
        ignore_conflicts=True,
    )
    return bool(rows and rows[0].pk)


# --- Consent invitations (companions) ---------------------------------------------------------
def consent_invitation_token(contact_id: int) -> str:
    return signing.dumps(
        {"c": contact_id}, salt=_venue_salt(CONSENT_INVITATION_SALT), compress=True
    )


def contact_of_invitation(token: str) -> Contact:
    try:
        data = signing.loads(
            token, salt=_venue_salt(CONSENT_INVITATION_SALT), max_age=CONSENT_INVITATION_MAX_AGE
        )
        return Contact.objects.get(pk=int(data["c"]), anonymised_at__isnull=True)
    except (signing.BadSignature, KeyError, TypeError, ValueError, Contact.DoesNotExist):
        raise LinkInvalid() from None


def send_consent_invitation(*, contact: Contact, inviter_name: str, url: str) -> None:
    """Ask a companion named by a buyer whether they want the venue's news (after commit)."""
    venue = _venue_name()
    body = _(
        "Hello %(name)s,\n\n%(inviter)s booked a seat for you at %(venue)s. Would you like "
        "to receive the venue's news by email? Answer here (one click, and you can change "
        "your mind at any time):\n\n%(url)s\n\nWithout an answer you will receive nothing "
        "but your ticket.\n\n%(venue)s"
    ) % {"name": contact.first_name, "inviter": inviter_name, "venue": venue, "url": url}
    _send_on_commit(
        _("%(venue)s: your seat, and a question") % {"venue": venue}, body, contact.email
    )


@transaction.atomic
def answer_consent_invitation(*, token: str, granted: bool) -> Contact:
    contact = contact_of_invitation(token)
    services.set_consent(
        contact=contact,
        channel=Consent.Channel.EMAIL_NEWSLETTER,
        granted=granted,
        source=Source.COMPANION,
    )
    return contact


# --- Erasure requests -------------------------------------------------------------------------
ERASURE_SALT = "crm.erasure-confirmation"
ERASURE_MAX_AGE = 7 * 24 * 3600  # seconds: a week to confirm


def erasure_token(contact_id: int) -> str:
    return signing.TimestampSigner(salt=_venue_salt(ERASURE_SALT)).sign_object({"c": contact_id})


@transaction.atomic
def ask_erasure(*, contact: Contact, confirm_url: Callable[[str], str]) -> None:
    """A spectator asks to be erased: a confirmation link goes to their address (signed,
    valid a week); following it records the request (confirm_erasure)."""
    if not contact.email:
        raise ValidationFailed(_("This contact has no email address."), code="crm.email_missing")
    TimelineEvent.objects.create(contact=contact, code="crm.erasure.confirmation_sent", data={})
    venue = _venue_name()
    body = _(
        "Hello,\n\nYou asked %(venue)s to erase the data it holds on you. To confirm, open "
        "this link within a week:\n\n%(url)s\n\nIf you did not ask for it, ignore this email: "
        "nothing will be erased.\n\n%(venue)s"
    ) % {"venue": venue, "url": confirm_url(erasure_token(contact.pk))}
    subject = _("Confirm your erasure request — %(venue)s") % {"venue": venue}
    _send_on_commit(subject, body, contact.email)


@transaction.atomic
def confirm_erasure(*, token: str) -> ErasureRequest:
    """The emailed link followed: the request is recorded (crm.privacy, origin "person",
    audited) for the venue to carry out. Following it again changes nothing."""
    try:
        data = signing.TimestampSigner(salt=_venue_salt(ERASURE_SALT)).unsign_object(
            token or "", max_age=ERASURE_MAX_AGE
        )
        contact = Contact.objects.get(pk=int(data["c"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError, Contact.DoesNotExist):
        raise LinkInvalid() from None
    erasure, _created = privacy.request_erasure(
        contact_id=contact.pk,
        origin=ErasureRequest.Origin.PERSON,
        note="Confirmed by the person through the link emailed from the spectator space.",
    )
    return erasure


@transaction.atomic
def set_contact_language(*, contact: Contact, language: str, source: str = Source.WEB) -> bool:
    """The language the venue writes to the contact in; True when it changed."""
    _check_choice(language, Language, field="language")
    if contact.language == language:
        return False
    contact.language = language
    contact.save(update_fields=["language", "updated_at"])
    TimelineEvent.objects.create(
        contact=contact,
        code="crm.contact.completed",
        data={"source": source, "fields": ["language"]},
    )
    publish(
        code="crm.contact.updated",
        key=f"contact:{contact.pk}",
        data={"contact_id": contact.pk, "source": source, "fields": ["language"]},
    )
    return True
