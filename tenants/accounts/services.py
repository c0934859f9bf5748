"""Writes on staff accounts, API tokens and the audit trail (in the current schema)."""

import copy
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from tenants import generations
from tenants.errors import Conflict, ValidationFailed

from .audit import record_event
from .models import ApiToken, User

__all__ = ["record_event"]  # (also importable from here, where callers always found it)


def invitation_url(*, venue, user: User) -> str:
    from tenants.selectors import venue_url

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    # Reverse against the venue URLconf: onboarding runs on the cooperative host.
    path = reverse("accounts:invitation", args=[uid, token], urlconf=settings.ROOT_URLCONF)
    return venue_url(venue, path)


def _send_invitation(*, venue, user: User, url: str) -> None:
    with translation.override(user.language or venue.locale):
        context = {"venue": venue, "user": user, "url": url}
        send_mail(
            subject=_("Your Parterre access to %(venue)s") % {"venue": venue.name},
            message=render_to_string("accounts/email/invitation.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[user.email],
        )


@transaction.atomic
def invite_staff(
    *, venue, email: str, role: str, actor: User | None, full_name: str = ""
) -> tuple[User, str]:
    """Create a staff account with no password and email it a one-time link to set one."""
    email = (email or "").strip().lower()
    if "@" not in email:
        raise ValidationFailed(_("Enter a valid email address."), field="email")
    if role not in User.Role.values:
        raise ValidationFailed(_("Unknown role."), field="role")
    if User.objects.filter(email=email).exists():
        raise Conflict(
            _("%(email)s already has an account at this venue.") % {"email": email},
            code="staff.email_taken",
            field="email",
        )
    user = User.objects.create_user(
        email, full_name=full_name, role=role, invited_at=timezone.now(), language=venue.locale
    )
    url = invitation_url(venue=venue, user=user)
    record_event(
        code="accounts.staff.invited", actor=actor, obj=user, data={"email": email, "role": role}
    )
    transaction.on_commit(lambda: _send_invitation(venue=venue, user=user, url=url))
    return user, url


@transaction.atomic
def resend_invitation(*, venue, user: User, actor: User | None) -> str:
    if user.has_usable_password():
        raise Conflict(_("This person has already set a password."), code="staff.active")
    user.invited_at = timezone.now()
    user.save(update_fields=["invited_at"])
    url = invitation_url(venue=venue, user=user)
    record_event(code="accounts.staff.reinvited", actor=actor, obj=user, data={"email": user.email})
    transaction.on_commit(lambda: _send_invitation(venue=venue, user=user, url=url))
    return url


@transaction.atomic
def accept_invitation(*, user: User, password: str) -> User:
    user.set_password(password)
    user.save(update_fields=["password"])
    record_event(code="accounts.staff.invitation_accepted", actor=user, obj=user)
    return user


def _ensure_an_admin_remains(user: User) -> None:
    others = User.objects.filter(role=User.Role.ADMIN, is_active=True).exclude(pk=user.pk)
    if not others.exists():
        raise Conflict(
            _("A venue needs at least one active admin: give another person the admin role first."),
            code="staff.last_admin",
        )


@transaction.atomic
def change_staff_role(*, user: User, role: str, actor: User) -> User:
    if role not in User.Role.values:
        raise ValidationFailed(_("Unknown role."), field="role")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role == User.Role.ADMIN and role != User.Role.ADMIN:
        _ensure_an_admin_remains(user)
    old = user.role
    user.role = role
    user.save(update_fields=["role"])
    record_event(
        code="accounts.staff.role_changed",
        actor=actor,
        obj=user,
        changes={"role": (old, role)},
        data={"email": user.email, "from": old, "to": role},
    )
    return user


@transaction.atomic
def set_staff_active(*, user: User, active: bool, actor: User) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    if not active and user.role == User.Role.ADMIN:
        _ensure_an_admin_remains(user)
    was_active = user.is_active
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:  # (the save above bumped the venue's generation: no token stays cached)
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    record_event(
        code="accounts.staff.reactivated" if active else "accounts.staff.deactivated",
        actor=actor,
        obj=user,
        changes={"is_active": (was_active, active)},
        data={"email": user.email},
    )
    return user


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def create_api_token(*, name: str, user: User, actor: User) -> tuple[ApiToken, str]:
    """Return the token row and the clear key, which is never stored nor shown again."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Name the token after what will use it."), field="name")
    key = "pt_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(name=name, user=user, prefix=key[:10], key_hash=hash_token(key))
    record_event(
        code="accounts.token.created",
        actor=actor,
        obj=token,
        data={"name": name, "prefix": token.prefix, "user": user.email},
    )
    return token, key


@transaction.atomic
def revoke_api_token(*, token: ApiToken, actor: User) -> ApiToken:
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if updated:
        generations.bump()  # no process may still know it as valid
        record_event(
            code="accounts.token.revoked",
            actor=actor,
            obj=token,
            data={"name": token.name, "prefix": token.prefix},
        )
    token.refresh_from_db()
    return token


# Valid tokens by key hash, with their user, in this process (see tenants/generations.py:
# token and user writes bump the venue's generation).
_TOKENS = generations.LocalCache("api_tokens")


def authenticate_token(key: str) -> ApiToken | None:
    key_hash = hash_token(key)
    token = _TOKENS.get(key_hash)
    if token is generations.MISSING:
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=key_hash, revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if token is None:
            return None
        _TOKENS.set(key_hash, token)
    now = timezone.now()
    # Touch at most once a minute: API calls must not all write the same row, and most need
    # no statement at all for it (the row in hand says whether a minute has passed).
    stale = now - timezone.timedelta(minutes=1)
    if token.last_used_at is None or token.last_used_at < stale:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale)
        ).update(last_used_at=now)
        token.last_used_at = now
    # The caller's own copies: request.user must not be shared between requests.
    mine = copy.copy(token)
    mine.user = copy.copy(token.user)
    return mine
