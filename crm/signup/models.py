from django.db import models
from django.utils.translation import gettext_lazy as _


class SignupSettings(models.Model):
    """One row per venue: what its sign-up form asks and says."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    intro = models.CharField(
        _("introduction"),
        max_length=300,
        blank=True,
        default="",
        help_text=_("A sentence above the form."),
    )
    interests = models.TextField(
        _("interests offered"),
        blank=True,
        default="",
        help_text=_("One per line (e.g. Dance, Theatre, Young audiences)."),
    )
    ask_postcode = models.BooleanField(_("ask for the postcode"), default=True)
    accent_colour = models.CharField(
        _("button colour"), max_length=7, blank=True, default="", help_text="#8a1538"
    )

    def __str__(self) -> str:
        return "signup settings"

    def interest_list(self) -> list[str]:
        return [line.strip()[:60] for line in self.interests.splitlines() if line.strip()][:30]


class PendingSignup(models.Model):
    """A sign-up waiting for its confirmation link to be followed. Only the token's hash is
    stored; the row keeps the proof (wording, address, time) the consent will carry."""

    token_hash = models.CharField(max_length=64, unique=True)
    email = models.EmailField()
    first_name = models.CharField(max_length=150, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    interests = models.JSONField(default=list, blank=True)
    wording = models.TextField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    contact_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["email", "created_at"], name="crm_signup_email")]

    def __str__(self) -> str:
        return f"signup {self.email}"
