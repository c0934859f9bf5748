"""Conditions on interest signals read from the typed timeline: email engagement, clicked or
viewed but did not buy, first-timers booked for a performance."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Exists, OuterRef, Q

from ...models import TimelineEvent
from .base import CompilerBase
from .schema import ATTENDANCE, EMAIL_EVENTS, PURCHASE, SHOW_VIEWED


class SignalConditions(CompilerBase):
    def c_email_engagement(self, c):
        return self._counted(self._events(EMAIL_EVENTS[c["event"]], c), c)

    def c_clicked_not_bought(self, c):
        """Clicked (a campaign, or any) in the last `within_days` days, and bought nothing in
        the `buy_within_days` days after that click."""
        bought = TimelineEvent.objects.filter(
            contact=OuterRef("contact_id"),
            code=PURCHASE,
            occurred_at__gte=OuterRef("occurred_at"),
            occurred_at__lt=OuterRef("occurred_at") + timedelta(days=c["buy_within_days"]),
        ).filter(
            # Implied by the above (a click is at most within_days old); lets PostgreSQL hash
            # the recent purchases once instead of probing the index per click.
            occurred_at__gte=self.ago(c["within_days"])
        )
        clicks = self._events(EMAIL_EVENTS["clicked"], c).filter(~Exists(bought))
        return Q(pk__in=clicks.values("contact_id"))

    def c_viewed_not_bought(self, c):
        views = self._events(SHOW_VIEWED, c)
        bought = TimelineEvent.objects.filter(code=PURCHASE, show_id=c["show_id"])
        return Q(pk__in=views.values("contact_id")) & ~Q(pk__in=bought.values("contact_id"))

    def c_first_timer_booked(self, c):
        """Booked this performance and never attended any other one."""
        booked = TimelineEvent.objects.filter(code=PURCHASE, performance_id=c["performance_id"])
        came = TimelineEvent.objects.filter(contact=OuterRef("pk"), code=ATTENDANCE).exclude(
            performance_id=c["performance_id"], performance_id__isnull=False
        )
        return Q(pk__in=booked.values("contact_id")) & ~Q(Exists(came))
