"""Reads of journeys: what stands in a step's way, a run's extra slots and attachments, the
journeys' stats, their runs, the staff tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import formats, timezone

from crm.models import TimelineEvent
from tenants.selectors import venue_url
from ticketing.models import Performance, PerformanceSeat, Ticket
from ticketing.tickets.calendar import order_calendar
from ticketing.tickets.emails import ticket_page_url

from ..models import CommunicationSettings, Delivery
from .models import Journey, JourneyRun, StaffTask, Trigger
from .slots import survey_url

ICS_TYPE = "text/calendar"
# A step still waiting this long after it was due (its journey was switched off meanwhile, the
# scheduler was down) is skipped: "how was it?" a month later is noise.
MAX_LATE = timedelta(days=2)


def step_obstacle(run: JourneyRun, *, now: datetime) -> str:
    """Why a due step should not run any more ("" when it should): it is too late, the
    performance is cancelled or over, the cart was bought after all, the promoted show is
    gone."""
    trigger = run.journey.trigger
    if now - run.due_at > MAX_LATE:
        return "too_late"
    if trigger == Trigger.BEFORE_PERFORMANCE and run.performance_id:
        performance = Performance.objects.filter(pk=run.performance_id).first()
        if performance is None or performance.status == Performance.Status.CANCELLED:
            return "performance_cancelled"
        if performance.starts_at <= now:
            return "performance_over"
        if not Ticket.objects.filter(
            performance_id=run.performance_id,
            status=Ticket.Status.VALID,
            order__contact_id=run.contact_id,
        ).exists():
            return "no_valid_ticket"
    if trigger == Trigger.ABANDONED_CART and run.performance_id:
        performance = Performance.objects.filter(pk=run.performance_id).first()
        if performance is None or not performance.is_sellable or performance.starts_at <= now:
            return "performance_not_on_sale"
        if Ticket.objects.filter(
            performance_id=run.performance_id,
            status=Ticket.Status.VALID,
            order__contact_id=run.contact_id,
        ).exists():
            return "bought_after_all"
    promoted = run.journey.performance
    if promoted is not None and (not promoted.is_sellable or promoted.starts_at <= now):
        return "promoted_show_over"
    return ""


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "l j F Y à H\\hi")


def performance_slots(performance: Performance, site: str) -> dict[str, str]:
    page = site + reverse("store:performance", args=[performance.pk])
    return {
        "performance_title": performance.show.title,
        "performance_date": _when(performance.starts_at),
        # Emails are in French (the campaign's content); without the venue's own words, the
        # performance's page says how to come.
        "access_info": performance.access_info or f"toutes les informations pratiques sur {page}",
        "buy_url": page,
    }


def run_slots(run: JourneyRun, *, site: str | None = None) -> dict[str, str]:
    """One run's extra slots (no attachments): for SMS and previews."""
    return email_parts([run], site=site).get(run.pk, ({}, []))[0]


def seats_still_free(performance_id: int, seat_ids: list[int]) -> bool:
    if not seat_ids:
        return False
    free = (
        PerformanceSeat.objects.filter(performance_id=performance_id, seat_id__in=seat_ids)
        .filter(PerformanceSeat.takeable(timezone.now()))
        .count()
    )
    return free == len(seat_ids)


def email_parts(
    runs: list[JourneyRun], *, site: str | None = None
) -> dict[int, tuple[dict[str, str], list[tuple[str, bytes, str]]]]:
    """{run id: (extra slots, attachments)} for a batch of runs: the performance's details,
    the survey link, an abandoned cart's seats, and the .ics of a reminder (the order's
    calendar, ticketing.tickets.calendar)."""
    venue = connection.tenant
    site = site if site is not None else venue_url(venue, "")
    performance_ids = {r.performance_id for r in runs if r.performance_id}
    performance_ids |= {r.journey.performance_id for r in runs if r.journey.performance_id}
    performances = {
        p.pk: p for p in Performance.objects.select_related("show").filter(pk__in=performance_ids)
    }
    reminders = [r for r in runs if r.journey.trigger == Trigger.BEFORE_PERFORMANCE and r.order_id]
    tickets_by: dict[tuple[int, int], list[Ticket]] = {}
    if reminders:
        for ticket in (
            Ticket.objects.select_related("order", "performance__show", "seat")
            .filter(
                order_id__in={r.order_id for r in reminders},
                performance_id__in={r.performance_id for r in reminders},
                status=Ticket.Status.VALID,
            )
            .order_by("pk")
        ):
            tickets_by.setdefault((ticket.order_id, ticket.performance_id), []).append(ticket)
    parts = {}
    for run in runs:
        extra: dict[str, str] = {}
        attachments: list[tuple[str, bytes, str]] = []
        performance = performances.get(run.performance_id)
        if performance is not None:
            extra.update(performance_slots(performance, site))
        promoted = performances.get(run.journey.performance_id)
        if promoted is not None:
            extra.update({f"show_{k}": v for k, v in performance_slots(promoted, site).items()})
        if run.journey.trigger == Trigger.AFTER_ATTENDANCE:
            extra["survey_url"] = survey_url(
                contact_id=run.contact_id, performance_id=run.performance_id
            )
        if run.journey.trigger == Trigger.ABANDONED_CART and performance is not None:
            free = seats_still_free(performance.pk, run.context.get("seat_ids") or [])
            extra["seats_status"] = (
                "Bonne nouvelle : les places que vous aviez choisies sont encore libres."
                if free
                else "D'autres places vous attendent encore pour cette représentation."
            )
        tickets = tickets_by.get((run.order_id, run.performance_id), [])
        if tickets:
            order = tickets[0].order
            extra["ics_url"] = ticket_page_url(tickets[0], site=site)
            ics = order_calendar(
                order, tickets, venue=venue, ticket_url=lambda t: ticket_page_url(t, site=site)
            )
            attachments.append((f"{order.reference}.ics", ics, ICS_TYPE))
        parts[run.pk] = (extra, attachments)
    return parts


# ---------------------------------------------------------------------------------------
# The back office


@dataclass
class JourneyStats:
    entered: int = 0
    sent: int = 0
    opened: int = 0
    clicked: int = 0
    converted: int = 0

    def rate(self, part: int) -> int:
        return round(100 * part / self.sent) if self.sent else 0

    @property
    def open_rate(self) -> int:
        return self.rate(self.opened)

    @property
    def click_rate(self) -> int:
        return self.rate(self.clicked)

    @property
    def conversion_rate(self) -> int:
        return self.rate(self.converted)


def attribution_days() -> int:
    settings_row = CommunicationSettings.objects.first()
    return settings_row.attribution_days if settings_row else 7


def journey_stats(journey_ids: list[int]) -> dict[int, JourneyStats]:
    """Entered and sent (counters), opened and clicked (their deliveries), converted: a
    purchase (crm timeline "ticketing.purchase") by the contact within the attribution window
    after the step. Three queries, whatever the number of journeys."""
    stats = {
        j.pk: JourneyStats(entered=j.entered, sent=j.sent)
        for j in Journey.objects.filter(pk__in=journey_ids).only("pk", "entered", "sent")
    }
    done = JourneyRun.objects.filter(
        journey_id__in=journey_ids, status=JourneyRun.Status.DONE, delivery__isnull=False
    )
    for row in done.values("journey_id").annotate(
        opened=Count("id", filter=Q(delivery__opened_at__isnull=False)),
        clicked=Count("id", filter=Q(delivery__clicked_at__isnull=False)),
    ):
        stats[row["journey_id"]].opened = row["opened"]
        stats[row["journey_id"]].clicked = row["clicked"]
    window = timedelta(days=attribution_days())
    purchase = TimelineEvent.objects.filter(
        code="ticketing.purchase",
        contact_id=OuterRef("contact_id"),
        occurred_at__gte=OuterRef("done_at"),
        occurred_at__lte=OuterRef("done_at") + window,
    )
    for row in (
        JourneyRun.objects.filter(journey_id__in=journey_ids, status=JourneyRun.Status.DONE)
        .filter(Exists(purchase))
        .values("journey_id")
        .annotate(n=Count("id"))
    ):
        stats[row["journey_id"]].converted = row["n"]
    return stats


def journeys() -> QuerySet[Journey]:
    return Journey.objects.select_related("segment", "campaign", "first_timer_campaign").order_by(
        "name", "id"
    )


def journey_runs(journey: Journey, *, status: str = "", limit: int = 200) -> list[JourneyRun]:
    """A journey's latest steps, each with `performance_label` (the show and its date, when
    the occurrence is about a performance)."""
    runs = JourneyRun.objects.filter(journey=journey).select_related("contact", "delivery")
    if status:
        runs = runs.filter(status=status)
    runs = list(runs.order_by("-due_at", "-id")[:limit])
    performances = {
        p.pk: p
        for p in Performance.objects.select_related("show").filter(
            pk__in={r.performance_id for r in runs if r.performance_id}
        )
    }
    for run in runs:
        performance = performances.get(run.performance_id)
        run.performance_label = ""
        if performance is not None:
            when = timezone.localtime(performance.starts_at)
            run.performance_label = (
                f"{performance.show.title}, {formats.date_format(when, 'SHORT_DATETIME_FORMAT')}"
            )
    return runs


def run_counts(journey: Journey) -> dict[str, int]:
    return dict(
        JourneyRun.objects.filter(journey=journey)
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )


def staff_tasks(*, done: bool = False, limit: int = 200) -> list[StaffTask]:
    tasks = StaffTask.objects.select_related("contact", "assignee", "journey").filter(
        done_at__isnull=not done
    )
    order = ("-done_at",) if done else ("due_on", "id")
    return list(tasks.order_by(*order)[:limit])


def delivery_of(run: JourneyRun) -> Delivery | None:
    return run.delivery
