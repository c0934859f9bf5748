"""People who work in Parterre, their API tokens and the audit trail.

This app lives in the public schema (cooperative admins) *and* in every venue schema (that
venue's staff): a row only ever exists in the schema of the place it belongs to.
"""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.deletion import SchemaScopedDeletion, SchemaScopedQuerySet


class UserManager(BaseUserManager.from_queryset(SchemaScopedQuerySet)):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True, role=User.Role.ADMIN)
        return self.create_user(email, password, **extra)


class User(SchemaScopedDeletion, AbstractBaseUser, PermissionsMixin):
    """Deleting one only touches the current schema's tables (see tenants.deletion)."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Venue admin")
        BOX_OFFICE = "box_office", _("Box office")
        COMMUNICATION = "communication", _("Audience relations / communication")
        READ_ONLY = "read_only", _("Read only")
        DATA_STEWARD = "data_steward", _("Data steward")
        DOOR = "door", _("Door (ticket scanning)")

    email = models.EmailField(_("email"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.READ_ONLY)
    language = models.CharField(_("language"), max_length=8, default="fr")
    is_active = models.BooleanField(_("active"), default=True)
    # In the public schema, is_staff marks a cooperative admin. Venue staff never have it.
    is_staff = models.BooleanField(_("cooperative admin"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    invited_at = models.DateTimeField(_("invited"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["full_name", "email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name or self.email).split(" ")[0]

    @property
    def has_accepted_invitation(self) -> bool:
        return self.has_usable_password()


class ApiToken(models.Model):
    """A venue's API key. Only a SHA-256 of the key is stored; the key is shown once."""

    name = models.CharField(_("name"), max_length=100)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AuditEvent(models.Model):
    """The one audit trail: an append-only row per state change, in the schema it happened in.

    Each row names what happened (a dotted business code with intent,
    `ticketing.performance.rescheduled`), the object (`object_type` + `object_id`), who did it
    (a staff member, an API token, a spectator on the storefront, or the system), when, and the
    change (`changes`: {field: [old, new]}); `data` keeps whatever else the code needs.

    Our own table rather than django-pghistory (trigger-made snapshots of model rows):
    - the codes say *why* (a refund, a reschedule), not only which columns moved, and they are
      the words the history pages, the CRM and later the outbox speak;
    - the sale writes its event in the same multi-table INSERT as the order
      (`tenants.accounts.audit.new_event`): no trigger on the hot rows (seats, zone counters,
      orders) to slow an on-sale rush or to fire on the demo's bulk fix-ups;
    - "who" is one place: the user, the API token of the request, or system/spectator, which
      a trigger cannot see without threading it through the connection.
    Write with `tenants.accounts.audit.record_event`; read with
    `tenants.accounts.selectors.object_history`. Never update or delete a row (the demo's
    backdating is the one exception).
    """

    class ActorKind(models.TextChoices):
        USER = "user", _("Staff member")
        API_TOKEN = "api_token", _("API token")
        SYSTEM = "system", _("System")
        SPECTATOR = "spectator", _("Spectator")

    code = models.CharField(max_length=100)
    object_type = models.CharField(max_length=60, blank=True, default="", db_default="")
    object_id = models.BigIntegerField(null=True, blank=True)
    actor_kind = models.CharField(
        max_length=12, choices=ActorKind.choices, default=ActorKind.SYSTEM, db_default="system"
    )
    # Indexed only where set (see Meta): a spectator's or the system's rows add no entry.
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )
    api_token = models.ForeignKey(
        ApiToken, null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )
    # Who, in words, kept when the user or token is deleted ("system"/"spectator" otherwise).
    actor_label = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True, db_default={})
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(
                fields=["object_type", "object_id", "created_at"], name="audit_object_history"
            ),
            # For deleting a user or a token (SET_NULL), which must not scan the trail.
            models.Index(fields=["actor"], condition=Q(actor__isnull=False), name="audit_actor"),
            models.Index(
                fields=["api_token"], condition=Q(api_token__isnull=False), name="audit_api_token"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.code}"

    @property
    def label(self) -> str:
        """What happened, in the reader's language ("Représentation reportée")."""
        from .audit_labels import label_for

        return label_for(self.code)

    @property
    def who(self) -> str:
        """Who did it, in words: the person's name, « Jeton API « caisse » », Système…"""
        from .audit_labels import who

        return who(self)

    @property
    def details(self) -> str:
        """A line about the event's data (the code's registered detail), unless a page that
        knows more set its own (the order page names places and performances)."""
        if "_details" in self.__dict__:
            return self.__dict__["_details"]
        from .audit_labels import details_for

        return details_for(self)

    @details.setter
    def details(self, value: str) -> None:
        self.__dict__["_details"] = value

    @property
    def change_lines(self) -> list[tuple[str, str, str]]:
        """(field, before, after), each in words."""
        from .audit_labels import change_lines

        return change_lines(self)
