"""The checkout funnel's aggregate: visits per venue day, show and step, for the days that
are over (analytics.funnel.refresh_funnel_days); the page adds today's steps, read live."""

from django.db import models


class FunnelDay(models.Model):
    day = models.DateField()
    show_id = models.BigIntegerField()
    step = models.PositiveSmallIntegerField()
    visits = models.IntegerField()

    class Meta:
        app_label = "analytics"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "show_id", "step"], name="analytics_funnelday_key"
            )
        ]
