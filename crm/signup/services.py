"""Sign-up with double opt-in: `start_signup` records the request and emails a single-use link;
`confirm_signup` creates (or finds) the contact and records the consent with its proof."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Affinity, Consent, Source
from crm.services import find_or_create_contact, normalize_email, set_consent
from tenants.errors import ValidationFailed
from tenants.selectors import venue_url

from .models import PendingSignup, SignupSettings

LINK_VALIDITY = timedelta(days=7)
# At most this many confirmation emails to one address per day (someone typing another's
# address again and again must not flood their mailbox).
MAX_EMAILS_PER_DAY = 3


def signup_settings() -> SignupSettings:
    return SignupSettings.objects.get_or_create(singleton=True)[0]


def consent_wording(venue_name: str) -> str:
    """The words shown next to the box, stored as the consent's proof."""
    return _(
        "I agree to receive the newsletter of %(venue)s by email. I can unsubscribe at any "
        "time from a link in each message."
    ) % {"venue": venue_name}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def start_signup(
    *,
    email: str,
    first_name: str = "",
    postcode: str = "",
    interests: list[str] | None = None,
    ip_address: str | None = None,
) -> PendingSignup | None:
    """Record a sign-up and email its confirmation link (after commit). Returns None, sending
    nothing, when this address already had its share of emails today: the page answers the
    same either way, so it tells nobody whether an address is known."""
    venue = connection.tenant
    typed = (email or "").strip()
    if not typed or "@" not in typed or len(typed) > 254:
        raise ValidationFailed(
            _("Enter a valid email address."), code="crm.email_invalid", field="email"
        )
    offered = set(signup_settings().interest_list())
    chosen = [i for i in (interests or []) if i in offered]
    since = timezone.now() - timedelta(days=1)
    if (
        PendingSignup.objects.filter(email__iexact=typed, created_at__gte=since).count()
        >= MAX_EMAILS_PER_DAY
    ):
        return None
    token = secrets.token_urlsafe(32)
    signup = PendingSignup.objects.create(
        token_hash=_hash(token),
        email=typed,
        first_name=(first_name or "").strip()[:150],
        postcode=(postcode or "").strip()[:20],
        interests=chosen,
        wording=consent_wording(venue.name),
        ip_address=ip_address or None,
        expires_at=timezone.now() + LINK_VALIDITY,
    )
    url = venue_url(venue, reverse("crm_signup:confirm", args=[token]))
    context = {"venue": venue, "url": url, "days": LINK_VALIDITY.days}
    transaction.on_commit(
        lambda: send_mail(
            subject=_("Confirm your newsletter sign-up — %(venue)s") % {"venue": venue.name},
            message=render_to_string("crm/signup/confirm_email.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[typed],
        )
    )
    return signup


@transaction.atomic
def confirm_signup(*, token: str) -> PendingSignup:
    """Follow a confirmation link: once, before it expires. The contact is found or created
    (source: newsletter), the consent recorded with the wording, address and both times."""
    signup = PendingSignup.objects.select_for_update().filter(token_hash=_hash(token or "")).first()
    if signup is None or signup.expires_at < timezone.now():
        raise ValidationFailed(
            _("This link is not valid any more. Sign up again to get a new one."),
            code="crm.signup_link_invalid",
        )
    if signup.confirmed_at is not None:
        return signup  # followed twice (a mail scanner, a double click): already done
    contact = find_or_create_contact(
        email=signup.email,
        first_name=signup.first_name,
        postcode=signup.postcode,
        source=Source.NEWSLETTER,
    )
    now = timezone.now()
    set_consent(
        contact=contact,
        channel=Consent.Channel.EMAIL_NEWSLETTER,
        granted=True,
        source=Source.NEWSLETTER,
        recorded_at=signup.created_at,
        wording=signup.wording,
        ip_address=signup.ip_address,
        confirmed_at=now,
    )
    for interest in signup.interests:
        affinity, _created = Affinity.objects.get_or_create(
            contact=contact, kind=Affinity.Kind.THEME, key=interest[:60]
        )
        affinity.weight = max(affinity.weight, 1.0)
        affinity.save(update_fields=["weight", "updated_at"])
    signup.confirmed_at = now
    signup.contact_id = contact.pk
    signup.save(update_fields=["confirmed_at", "contact_id"])
    # Other pending sign-ups of the same address are now pointless.
    PendingSignup.objects.filter(
        email__iexact=normalize_email(signup.email), confirmed_at__isnull=True
    ).exclude(pk=signup.pk).delete()
    return signup
