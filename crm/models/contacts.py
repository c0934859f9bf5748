"""A venue's contacts: the person, their other addresses, their relations and favourite shows,
and the choices their fields take."""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.functions import Lower, Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    """Where a contact or a consent came from."""

    BOX_OFFICE = "box_office", _("Box office")
    WEB = "web", _("Online")
    IMPORT = "import", _("Import")
    BACKOFFICE = "backoffice", _("Back office")
    NEWSLETTER = "newsletter", _("Newsletter sign-up")
    PHONE = "phone", _("Phone")
    REFERRAL = "referral", _("Referral")
    COMPANION = "companion", _("Companion")


class ContactType(models.TextChoices):
    SPECTATOR = "spectator", _("Spectator")
    PROFESSIONAL = "professional", _("Professional")
    PRESS = "press", _("Press")
    RELAY = "relay", _("Relay / prescriber")
    PARTNER = "partner", _("Partner")
    ARTIST = "artist", _("Artist")


class AccessibilityNeed(models.TextChoices):
    """Needs a spectator declared; the storefront and the counter offer fitting places first."""

    WHEELCHAIR = "wheelchair", _("Wheelchair user")
    REDUCED_MOBILITY = "reduced_mobility", _("Reduced mobility")
    COMPANION_SEAT = "companion_seat", _("Needs a companion seat")
    HEARING_LOOP = "hearing_loop", _("Hearing loop")
    VISUAL = "visual", _("Visual impairment")
    FIRST_TIMER_WELCOME = "first_timer_welcome", _("First-timer welcome")


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
    other_phone = models.CharField(
        _("other phone"), max_length=20, blank=True, default="", db_default="", help_text="E.164"
    )
    address_line1 = models.CharField(
        _("address"), max_length=200, blank=True, default="", db_default=""
    )
    address_line2 = models.CharField(
        _("address (continued)"), max_length=200, blank=True, default="", db_default=""
    )
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    city = models.CharField(_("town"), max_length=100, blank=True, default="", db_default="")
    country = models.CharField(
        _("country"), max_length=2, default="FR", db_default="FR", blank=True
    )
    # Derived from the postcode by crm.geo.department_of (never typed).
    department = models.CharField(
        _("département"), max_length=3, blank=True, default="", db_default="", editable=False
    )
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.FR
    )
    contact_types = ArrayField(
        models.CharField(max_length=20, choices=ContactType.choices),
        verbose_name=_("types"),
        default=list,
        db_default=[],
        blank=True,
    )
    accessibility_needs = ArrayField(
        models.CharField(max_length=30, choices=AccessibilityNeed.choices),
        verbose_name=_("accessibility needs"),
        default=list,
        db_default=[],
        blank=True,
    )
    notes = models.TextField(_("notes"), blank=True, default="", db_default="")
    tags = ArrayField(
        models.CharField(max_length=50),
        verbose_name=_("tags"),
        default=list,
        db_default=[],
        blank=True,
    )
    # Codes of the venue's automatic criteria the contact meets now (first_timer, regular…).
    criteria = ArrayField(
        models.CharField(max_length=40), default=list, db_default=[], blank=True, editable=False
    )
    first_source = models.CharField(
        _("first source"),
        max_length=20,
        choices=Source.choices,
        blank=True,
        default="",
        db_default="",
    )
    first_seen_at = models.DateTimeField(_("first seen"), default=timezone.now, db_default=Now())
    # Current consent per channel (None: never asked), kept with the append-only Consent rows
    # by crm.services.set_consent so segments read one column.
    email_consent = models.BooleanField(_("email consent"), null=True, editable=False)
    # Set when a message to the primary address bounced for good (campaigns record it).
    email_bounced_at = models.DateTimeField(_("email bounced"), null=True, blank=True)
    sms_consent = models.BooleanField(_("text message consent"), null=True, editable=False)
    # A merged contact stays (for unmerge) and points at the one that absorbed it.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_contacts",
        editable=False,
    )
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True, editable=False)
    integrity_score = models.PositiveSmallIntegerField(
        _("integrity"), null=True, blank=True, editable=False
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
    first_attended_at = models.DateTimeField(_("first attended"), null=True, blank=True)
    genres_seen = ArrayField(
        models.CharField(max_length=40), default=list, db_default=[], blank=True
    )
    referred_buyers = models.PositiveIntegerField(_("buyers referred"), default=0, db_default=0)
    # Unused credit on a card or subscription (the pricing issue fills it).
    unused_credit_cents = models.BigIntegerField(
        _("unused credit (cents)"), default=0, db_default=0
    )
    # RFM scores 1 (low) to 5 (high); None until the contact bought once.
    rfm_recency = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    rfm_frequency = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    rfm_monetary = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    # Calendar quarters (first days) with BUSY_QUARTER_MIN attendances or more: crm_quarterstats
    # rows with attendances >= 2, kept by record_attendance and merges (crm/windows.py), read by
    # the "lapsed" segment through a GIN index instead of grouping every regular quarter.
    busy_quarters = ArrayField(
        models.DateField(), default=list, db_default=[], blank=True, editable=False
    )

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
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            models.Index(fields=["department"], name="crm_contact_department"),
            GinIndex(fields=["contact_types"], name="crm_contact_types"),
            GinIndex(fields=["tags"], name="crm_contact_tags"),
            GinIndex(fields=["criteria"], name="crm_contact_criteria"),
            models.Index(
                fields=["merged_into"],
                name="crm_contact_merged_into",
                condition=Q(merged_into__isnull=False),
            ),
            # A counter buyer without email is recognised by phone, or by name + postcode
            # (crm.services._match_without_email), in one indexed query.
            models.Index(fields=["phone"], name="crm_contact_phone", condition=~Q(phone="")),
            models.Index(
                fields=["other_phone"], name="crm_contact_other_phone", condition=~Q(other_phone="")
            ),
            models.Index(
                "postcode",
                Lower(Func(F("last_name"), function="crm_unaccent")),
                Lower(Func(F("first_name"), function="crm_unaccent")),
                name="crm_contact_name_postcode",
                condition=~Q(postcode=""),
            ),
            # Segments (crm.segments): where a contact lives and may be written to, read from
            # the index alone; the credit holders ("forty days later") are few.
            models.Index(
                fields=["department", "email_consent"],
                include=["contact_types", "sms_consent"],
                name="crm_contact_seg_department",
                condition=Q(merged_into__isnull=True, anonymised_at__isnull=True),
            ),
            models.Index(
                fields=["id"],
                name="crm_contact_seg_active",
                condition=Q(merged_into__isnull=True, anonymised_at__isnull=True),
            ),
            models.Index(
                fields=["last_attended_at"],
                include=["unused_credit_cents", "id"],
                name="crm_contact_seg_credit",
                condition=Q(
                    unused_credit_cents__gt=0, merged_into__isnull=True, anonymised_at__isnull=True
                ),
            ),
            GinIndex(
                fields=["busy_quarters"],
                name="crm_contact_seg_busy",
                condition=Q(merged_into__isnull=True, anonymised_at__isnull=True)
                & ~Q(busy_quarters=[]),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_active(self) -> bool:
        """Neither merged into another contact nor anonymised."""
        return self.merged_into_id is None and self.anonymised_at is None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def display_name(self) -> str:
        return self.full_name or self.email or _("Contact #%(id)s") % {"id": self.pk}


class ContactEmail(models.Model):
    """A contact's other addresses (the primary one is `Contact.email`). An address found here
    identifies the contact as surely as its primary one."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="other_emails")
    email = models.EmailField(_("email"))
    email_normalized = models.CharField(max_length=254, unique=True, editable=False)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("other email")
        verbose_name_plural = _("other emails")

    def __str__(self) -> str:
        return self.email


class RelationKind(models.TextChoices):
    """Read from `contact` to `other`: "contact came with other", "contact was referred by
    other". Symmetric kinds read the same both ways; `referred_by` reads "referred" back."""

    CAME_WITH = "came_with", _("came with")
    FRIEND = "friend", _("friend of")
    REFERRED_BY = "referred_by", _("referred by")
    HOUSEHOLD = "household", _("same household as")


class ContactRelation(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="relations")
    other = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="inverse_relations")
    kind = models.CharField(_("relation"), max_length=20, choices=RelationKind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=20, choices=Source.choices)
    data = models.JSONField(default=dict, blank=True)  # e.g. {"order": "…"} for a referral

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "other", "kind"], name="crm_relation_unique"
            ),
            models.CheckConstraint(condition=~Q(contact=F("other")), name="crm_relation_not_self"),
        ]
        indexes = [models.Index(fields=["other", "kind"], name="crm_relation_other")]

    def __str__(self) -> str:
        return f"{self.contact_id} {self.kind} {self.other_id}"


class Favourite(models.Model):
    """A heart on a show (ticketing's show id: crm holds ids, not foreign keys to ticketing)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="favourites")
    show_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "show_id"], name="crm_favourite_unique")
        ]
        indexes = [models.Index(fields=["show_id"], name="crm_favourite_show")]

    def __str__(self) -> str:
        return f"{self.contact_id} ♥ {self.show_id}"
