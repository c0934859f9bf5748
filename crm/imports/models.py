"""An import of a contact file and what became of each of its rows (in the venue's schema)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ContactImport(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("To map")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Mode(models.TextChoices):
        FILL = "fill", _("Fill blank fields only")
        UPDATE = "update", _("Replace with the file's values")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    file_name = models.CharField(_("file"), max_length=255)
    file_format = models.CharField(max_length=4)  # csv, xlsx
    # The file itself: in the database, so a worker on another machine reads it and it is
    # never served as media. Bounded by MAX_FILE_BYTES at upload.
    content = models.BinaryField(editable=False)
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=1, blank=True)
    headers = models.JSONField(default=list, blank=True)
    # Column index (as text) → field code (crm.imports.mapping.FIELDS).
    mapping = models.JSONField(default=dict, blank=True)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.FILL)
    # The staff member states the people in the file agreed to the newsletter (when the file
    # has no proof column): the consents are recorded with source "import" and their name.
    consent_declared = models.BooleanField(default=False)
    consent_declaration = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    total_rows = models.PositiveIntegerField(default=0)
    # Rows [0, processed_rows) are done: each batch moves it in the transaction that writes
    # the batch's outcomes, so a killed worker resumes exactly where the last commit left.
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    merged_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("contact import")
        verbose_name_plural = _("contact imports")
        constraints = [
            models.CheckConstraint(
                condition=Q(processed_rows__lte=models.F("total_rows")),
                name="crm_import_processed_lte_total",
            )
        ]

    def __str__(self) -> str:
        return self.file_name

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == self.Status.DONE else 0
        return int(self.processed_rows * 100 / self.total_rows)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class ImportRow(models.Model):
    """The outcome of one data row (1 = the first row after the headers)."""

    class Outcome(models.TextChoices):
        CREATED = "created", pgettext_lazy("import outcome", "Created")
        MERGED = "merged", pgettext_lazy("import outcome", "Merged")
        UPDATED = "updated", pgettext_lazy("import outcome", "Updated")
        REJECTED = "rejected", pgettext_lazy("import outcome", "Rejected")

    contact_import = models.ForeignKey(ContactImport, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason_code = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    # The row as read (rejected rows only: their file is rebuilt from it).
    values = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["contact_import", "row_number"]
        constraints = [
            # A row has one outcome, however many times its batch is run.
            models.UniqueConstraint(
                fields=["contact_import", "row_number"], name="crm_import_row_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["contact_import", "contact"],
                name="crm_import_row_contact",
                condition=Q(contact__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_import_id}:{self.row_number} {self.outcome}"
