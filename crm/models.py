"""Contacts of one venue, their consents and their timeline (in the venue's schema).

crm keeps its own behaviour columns (purchases, attendance, refunds) and timeline: ticketing
reports to it through `crm.services.record_*` and crm never reads ticketing tables.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MaxValueValidator, MinValueValidator
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


class Consent(models.Model):
    """Append-only history: a contact's current consent on a channel is its latest row."""

    class Channel(models.TextChoices):
        EMAIL_NEWSLETTER = "email_newsletter", _("Newsletter by email")
        SMS = "sms", _("Text messages")
        # The storefront notes the shows a signed-in spectator looks at (interest signals).
        WEB_INTEREST = "web_interest", _("Shows looked at on the website")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(_("channel"), max_length=32, choices=Channel.choices)
    granted = models.BooleanField(_("granted"))
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    actor_label = models.CharField(max_length=200, blank=True)
    # The proof: the words the person was shown, where the choice came from (the browser's
    # address for a web form; the staff member is `actor_label`), and for a web newsletter
    # sign-up when the person confirmed it from their mailbox (double opt-in).
    wording = models.TextField(_("wording shown"), blank=True, default="", db_default="")
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed (double opt-in)"), null=True, blank=True)

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
    # What the event is about, as ids in indexed columns (crm never joins ticketing tables:
    # these are plain integers), so "attended a dance show in 24 months" is a query here.
    show_id = models.BigIntegerField(null=True, blank=True)
    performance_id = models.BigIntegerField(null=True, blank=True)
    order_id = models.BigIntegerField(null=True, blank=True)
    campaign_id = models.BigIntegerField(null=True, blank=True)
    genre = models.CharField(max_length=40, blank=True)
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
            models.Index(fields=["contact", "-occurred_at"], name="crm_timeline_contact_recent"),
            models.Index(
                fields=["code", "show_id", "occurred_at"],
                name="crm_timeline_show",
                condition=Q(show_id__isnull=False),
            ),
            models.Index(
                fields=["code", "performance_id"],
                name="crm_timeline_performance",
                condition=Q(performance_id__isnull=False),
            ),
            models.Index(
                fields=["code", "campaign_id", "occurred_at"],
                name="crm_timeline_campaign",
                condition=Q(campaign_id__isnull=False),
            ),
            models.Index(
                fields=["order_id"], name="crm_timeline_order", condition=Q(order_id__isnull=False)
            ),
            # Segments: events of a kind in a period (clicks of the last 30 days), per genre
            # (dance attendances in 24 months), and a contact's purchases (clicked but did not
            # buy, viewed but did not buy), each readable from the index alone.
            models.Index(
                fields=["code", "occurred_at"],
                include=["contact_id"],
                name="crm_timeline_seg_code_time",
            ),
            models.Index(
                fields=["code", "genre", "occurred_at"],
                include=["contact_id"],
                name="crm_timeline_seg_genre",
                condition=~Q(genre=""),
            ),
            models.Index(
                fields=["contact", "occurred_at"],
                include=["show_id", "performance_id"],
                name="crm_timeline_seg_purchases",
                condition=Q(code="ticketing.purchase"),
            ),
            models.Index(
                fields=["show_id"],
                include=["contact_id"],
                name="crm_timeline_seg_show_buyers",
                condition=Q(code="ticketing.purchase", show_id__isnull=False),
            ),
            models.Index(
                fields=["performance_id"],
                include=["contact_id"],
                name="crm_timeline_seg_perf_buyers",
                condition=Q(code="ticketing.purchase", performance_id__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} @ {self.occurred_at:%Y-%m-%d %H:%M}"


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


class SeasonStats(models.Model):
    """Behaviour per contact and season, kept current by the record_* services."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="season_stats")
    season = models.CharField(max_length=9)  # "2026-2027": starts on the venue's season start
    purchases = models.PositiveIntegerField(default=0)
    tickets = models.PositiveIntegerField(default=0)
    spend_cents = models.BigIntegerField(default=0)
    attendances = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "season"], name="crm_season_stats_unique")
        ]
        indexes = [models.Index(fields=["season", "attendances"], name="crm_season_attendances")]


class GenreStats(models.Model):
    """Behaviour per contact and genre (dance, theatre…), kept current by record_*."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="genre_stats")
    genre = models.CharField(max_length=40)
    purchases = models.PositiveIntegerField(default=0)
    attendances = models.PositiveIntegerField(default=0)
    last_purchased_at = models.DateTimeField(null=True, blank=True)
    last_attended_at = models.DateTimeField(null=True, blank=True)
    # Attendances (timeline events of this genre) at or after BehaviourSettings.recent_since,
    # i.e. over the last RECENT_DAYS days give or take the hour the periodic task moves the
    # window by (crm/windows.py): "≥ 3 dance shows in 24 months" reads one index.
    recent_attendances = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "genre"], name="crm_genre_stats_unique")
        ]
        indexes = [
            models.Index(fields=["genre", "last_attended_at"], name="crm_genre_recent"),
            models.Index(
                fields=["genre", "recent_attendances"],
                include=["contact_id"],
                name="crm_genre_seg_recent",
                condition=Q(recent_attendances__gte=1),
            ),
        ]


class QuarterStats(models.Model):
    """Attendances per contact and calendar quarter (its first day), for "lapsed" criteria."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="quarter_stats")
    quarter = models.DateField()
    attendances = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "quarter"], name="crm_quarter_stats_unique")
        ]
        indexes = [
            # Segments: the lapsed pattern reads the regular quarters (two visits or more).
            models.Index(
                fields=["quarter"],
                include=["contact_id"],
                name="crm_quarter_seg_regular",
                condition=Q(attendances__gte=2),
            )
        ]


class Affinity(models.Model):
    """How much a contact is drawn to a genre, a theme or a keyword (purchases, quiz answers,
    clicks add weight)."""

    class Kind(models.TextChoices):
        GENRE = "genre", _("Genre")
        THEME = "theme", _("Theme")
        KEYWORD = "keyword", _("Keyword")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="affinities")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=60)
    weight = models.FloatField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-weight", "key"]
        verbose_name_plural = _("affinities")
        constraints = [
            models.UniqueConstraint(fields=["contact", "kind", "key"], name="crm_affinity_unique")
        ]
        indexes = [
            # Covering contact_id: segments read who has an affinity from the index alone.
            models.Index(
                fields=["kind", "key", "weight"], include=["contact_id"], name="crm_affinity_key"
            )
        ]


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


class Segment(models.Model):
    """A saved selection of contacts: a definition (crm.segments.definition, a versioned JSON
    tree) evaluated each time it is used, never a frozen list."""

    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=500, blank=True, default="")
    definition = models.JSONField(_("definition"))
    version = models.PositiveSmallIntegerField(_("definition version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self) -> str:
        return self.name


class BehaviourSettings(models.Model):
    """One row per venue (its schema): when its season starts and the thresholds of its
    automatic criteria (crm.behaviour.decide_criteria reads them)."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    season_start_month = models.PositiveSmallIntegerField(
        _("month the season starts"),
        default=9,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("1 = January … 9 = September."),
    )
    regular_min_shows = models.PositiveSmallIntegerField(
        _("regular: shows this season, at least"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    lapsed_after_months = models.PositiveSmallIntegerField(
        _("lapsed: months without coming, at least"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    relay_min_referred = models.PositiveSmallIntegerField(
        _("relay: buyers brought, at least"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
    )
    big_spender_min_cents = models.PositiveIntegerField(
        _("big spender: spent this season, at least (cents)"),
        default=20000,
        validators=[MinValueValidator(100), MaxValueValidator(100_000_000)],
    )
    # The season the periodic task last re-decided season-based criteria for (a new season
    # takes "first-timer", "regular"… off those who have not come yet).
    swept_season = models.CharField(max_length=9, blank=True, default="", editable=False)
    # Where GenreStats.recent_attendances starts counting (crm/windows.py; NULL: since ever).
    recent_since = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("behaviour settings")
        verbose_name_plural = _("behaviour settings")
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="crm_behaviour_settings_one"),
            models.CheckConstraint(
                condition=Q(season_start_month__gte=1, season_start_month__lte=12),
                name="crm_behaviour_settings_month",
            ),
        ]

    def __str__(self) -> str:
        return "behaviour settings"

    @classmethod
    def current(cls) -> "BehaviourSettings":
        found, _created = cls.objects.get_or_create(singleton=True)
        return found


# Models of the crm's sub-packages, registered with the app (they import Contact from here).
from crm.charter.models import DataCharter  # noqa: E402
from crm.dedup.models import (  # noqa: E402
    ContactMatchKey,
    DedupSettings,
    DuplicateCandidate,
    Merge,
)
from crm.imports.models import ContactExport, ContactImport, ImportRow  # noqa: E402
from crm.integrity.models import IntegritySnapshot  # noqa: E402
from crm.privacy.models import ErasureRequest, PrivacySettings  # noqa: E402
from crm.signup.models import PendingSignup, SignupSettings  # noqa: E402

__all__ = [
    "ContactExport",
    "ContactImport",
    "ContactMatchKey",
    "DataCharter",
    "DedupSettings",
    "DuplicateCandidate",
    "ErasureRequest",
    "ImportRow",
    "IntegritySnapshot",
    "Merge",
    "PendingSignup",
    "PrivacySettings",
    "SignupSettings",
]
