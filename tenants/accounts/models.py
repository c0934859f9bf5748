"""People who work in Parterre, their API tokens and the audit trail.

This app lives in the public schema (cooperative admins) *and* in every venue schema (that
venue's staff): a row only ever exists in the schema of the place it belongs to.
"""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
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
    """Append-only trail of state changes, with a dotted code and who did it."""

    code = models.CharField(max_length=100, db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.code}"
