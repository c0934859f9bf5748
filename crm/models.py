"""Contacts of one venue, their consents and their timeline (in the venue's schema).

crm keeps its own behaviour columns (purchases, attendance, refunds) and timeline: ticketing
reports to it through `crm.services.record_*` and crm never reads ticketing tables.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    """Where a contact or a consent came from."""

    BOX_OFFICE = "box_office", _("Box office")
    WEB = "web", _("Online")
    IMPORT = "import", _("Import")
    BACKOFFICE = "backoffice", _("Back office")
    NEWSLETTER = "newsletter", _("Newsletter sign-up")


class Language(models.TextChoices):
    FR = "fr", _("French")
    EN = "en", _("English")


class Contact(models.Model):
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    # As typed (minus surrounding spaces), for display; matching uses email_normalized.
    email = models.EmailField(_("email"), blank=True)
    email_normalized = models.CharField(max_length=254, blank=True, editable=False)
    phone = models.CharField(_("phone"), max_length=20, blank=True, help_text="E.164")
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.FR
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # Behaviour, maintained by crm.services.record_* (never computed from ticketing tables).
    first_purchase_at = models.DateTimeField(_("first purchase"), null=True, blank=True)
    last_purchase_at = models.DateTimeField(_("last purchase"), null=True, blank=True)
    purchase_count = models.PositiveIntegerField(_("purchases"), default=0)
    tickets_bought = models.PositiveIntegerField(_("tickets bought"), default=0)
    amount_spent_cents = models.BigIntegerField(_("amount spent (cents)"), default=0)
    attendance_count = models.PositiveIntegerField(_("attendances"), default=0)
    last_attended_at = models.DateTimeField(_("last attended"), null=True, blank=True)
    refund_count = models.PositiveIntegerField(_("refunds"), default=0)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            # One person = one contact: PostgreSQL, not the application, guarantees it.
            models.UniqueConstraint(
                fields=["email_normalized"],
                condition=~Q(email_normalized=""),
                name="crm_contact_unique_email",
            ),
            models.CheckConstraint(
                condition=Q(amount_spent_cents__gte=0), name="crm_contact_amount_spent_gte_0"
            ),
        ]
        indexes = [models.Index(fields=["last_name", "first_name"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def display_name(self) -> str:
        return self.full_name or self.email or _("Contact #%(id)s") % {"id": self.pk}


class Consent(models.Model):
    """Append-only history: a contact's current consent on a channel is its latest row."""

    class Channel(models.TextChoices):
        EMAIL_NEWSLETTER = "email_newsletter", _("Newsletter by email")
        SMS = "sms", _("Text messages")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(_("channel"), max_length=32, choices=Channel.choices)
    granted = models.BooleanField(_("granted"))
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    actor_label = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [
            models.Index(
                fields=["contact", "channel", "-recorded_at", "-id"], name="crm_consent_latest"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}={'yes' if self.granted else 'no'}"


class TimelineEvent(models.Model):
    """What happened to a contact, append-only. `dedupe_key` makes a report idempotent: the
    same order, ticket or refund can only be recorded once per (code, contact)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="timeline")
    code = models.CharField(max_length=64)  # dotted: crm.contact.created, ticketing.purchase
    occurred_at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict, blank=True)
    actor_label = models.CharField(max_length=200, blank=True)
    # NULL (no key) rather than "": NULLs never collide in the unique constraint below.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            # NULLs are distinct: events without a dedupe key are never constrained.
            models.UniqueConstraint(
                fields=["code", "contact", "dedupe_key"], name="crm_timeline_unique_dedupe"
            )
        ]
        indexes = [
            models.Index(fields=["contact", "-occurred_at"], name="crm_timeline_contact_recent")
        ]

    def __str__(self) -> str:
        return f"{self.code} @ {self.occurred_at:%Y-%m-%d %H:%M}"
