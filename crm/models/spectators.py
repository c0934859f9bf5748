"""The spectator space's own accounts (staff are tenants.accounts.User) and sign-in links."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .contacts import Contact


# --- Spectator space (the storefront's own accounts; staff are tenants.accounts.User) ---------
class SpectatorAccount(models.Model):
    """A spectator who proved an email on the venue's storefront. Their identity is the
    contact; the account only adds how they sign in (a magic link, optionally a password)."""

    contact = models.OneToOneField(
        Contact, on_delete=models.CASCADE, related_name="spectator_account"
    )
    # The address they proved by following a sign-in link (normalised).
    email_normalized = models.CharField(max_length=254, unique=True)
    password = models.CharField(max_length=128, blank=True)  # Django hash, "" for none
    created_at = models.DateTimeField(default=timezone.now)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)
    # When they answered the plain "may we note the shows you look at?" question (once).
    interest_asked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("spectator account")
        verbose_name_plural = _("spectator accounts")

    def __str__(self) -> str:
        return self.email_normalized


class SignInLink(models.Model):
    """A single-use, short-lived sign-in link sent by email. Only the SHA-256 of its secret is
    kept: a copy of this table signs nobody in."""

    token_hash = models.CharField(max_length=64, unique=True)
    email_normalized = models.CharField(max_length=254)
    next_url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="crm_signinlink_expires")]
