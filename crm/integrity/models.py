from django.db import models


class IntegritySnapshot(models.Model):
    """The base's integrity on one day (one row per day: taking it again replaces it), for the
    rate over time."""

    day = models.DateField(unique=True)
    contacts = models.PositiveIntegerField()
    complete = models.PositiveIntegerField()  # contacts meeting every criterion
    average_score = models.FloatField()
    # criterion code → contacts meeting it
    by_criterion = models.JSONField(default=dict)
    taken_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"integrity {self.day}: {self.rate:.0f} %"

    @property
    def rate(self) -> float:
        return 100 * self.complete / self.contacts if self.contacts else 0.0
