"""The door: one row per scan attempt, whatever its result (ticketing.services.door)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .orders import Ticket
from .programme import Performance


class CheckIn(models.Model):
    """A scan at a door. `ticket` is null when the code named no ticket of this venue. The
    ticket's own `checked_in_at` says whether it was let in (set once, by a conditional
    UPDATE); the rows are the history: who scanned what, where, when, and what the door said.

    Offline scans arrive later through the sync endpoint: `offline` is set, `scanned_at` is the
    device's clock, `synced_at` the server's, and (`device_id`, `client_id`) makes a sync sent
    twice write nothing twice. `conflict`: the device let the person in, but the server found
    that ticket already let in earlier (by `scanned_at`) — someone came in twice."""

    class Result(models.TextChoices):
        VALID = "valid", _("Valid")
        ALREADY_SCANNED = "already_scanned", _("Already scanned")
        WRONG_PERFORMANCE = "wrong_performance", _("Wrong performance")
        REVOKED = "revoked", _("Cancelled")
        UNKNOWN = "unknown", _("Unknown ticket")

    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="check_ins"
    )
    # The performance the door was admitting (not necessarily the ticket's).
    performance = models.ForeignKey(
        Performance, on_delete=models.CASCADE, related_name="check_ins", db_index=False
    )
    door = models.CharField(max_length=40)
    device_id = models.CharField(max_length=64, blank=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    scanned_at = models.DateTimeField()
    result = models.CharField(max_length=20, choices=Result.choices)
    # Why, in one word: the ticket's status (cancelled, refunded, exchanged) when revoked, the
    # signature check's code (malformed, wrong_key, bad_signature…) when unknown.
    reason = models.CharField(max_length=20, blank=True)
    first_time = models.BooleanField(default=False)
    offline = models.BooleanField(default=False)
    synced_at = models.DateTimeField(null=True, blank=True)
    client_id = models.CharField(max_length=64, blank=True)
    conflict = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-scanned_at", "-id"]
        indexes = [
            models.Index(fields=["performance", "result"], name="checkin_perf_result"),
            models.Index(
                fields=["performance"], name="checkin_conflicts", condition=Q(conflict=True)
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["device_id", "client_id"],
                condition=~Q(client_id=""),
                name="checkin_synced_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.door} {self.result} {self.scanned_at:%H:%M:%S}"
