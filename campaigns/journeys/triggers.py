"""Time-based triggers, evaluated by the tick (no event says "sale opens now" or "your credit
has waited N days"): each writes runs through `services.enter_runs`, whose ON CONFLICT DO
NOTHING makes a trigger seen on every tick enter a contact once per occurrence."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from crm.models import Contact, Favourite
from ticketing.models import Performance
from ticketing.selectors.availability import performance_figures

from .models import Journey, Trigger
from .services import Entry, enter_runs

# A sale opening, or an anchor of unused credit, older than this is not looked at any more.
LOOK_BACK = timedelta(days=2)
MAX_CONTACTS = 20_000  # per trigger and tick: a big base is entered over a few ticks


def fire_time_triggers(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    by_trigger: dict[str, list[Journey]] = {}
    for journey in Journey.objects.filter(
        enabled=True,
        trigger__in=[
            Trigger.FAVOURITE_SALE_OPEN,
            Trigger.FAVOURITE_FEW_SEATS,
            Trigger.UNUSED_CREDIT,
        ],
    ):
        by_trigger.setdefault(journey.trigger, []).append(journey)
    entered = 0
    for journey in by_trigger.get(Trigger.FAVOURITE_SALE_OPEN, []):
        entered += enter_runs(journeys=[journey], entries=sale_openings(journey, now), now=now)
    for journey in by_trigger.get(Trigger.FAVOURITE_FEW_SEATS, []):
        entered += enter_runs(journeys=[journey], entries=few_seats_left(journey, now), now=now)
    for journey in by_trigger.get(Trigger.UNUSED_CREDIT, []):
        entered += enter_runs(journeys=[journey], entries=unused_credit(journey, now), now=now)
    return entered


def _favourites(show_ids) -> dict[int, list[int]]:
    fans: dict[int, list[int]] = {}
    for show_id, contact_id in Favourite.objects.filter(show_id__in=show_ids).values_list(
        "show_id", "contact_id"
    )[:MAX_CONTACTS]:
        fans.setdefault(show_id, []).append(contact_id)
    return fans


def sale_openings(journey: Journey, now: datetime) -> list[Entry]:
    """Fans of a show whose sale opens at `sale_opens_at + offset` (a negative delay warns
    them before): once per contact and show."""
    offset = timedelta(minutes=journey.offset_minutes)
    performances = list(
        Performance.objects.filter(
            status__in=Performance.SELLABLE,
            sale_opens_at__isnull=False,
            sale_opens_at__lte=now - offset,
            sale_opens_at__gt=now - offset - LOOK_BACK,
            starts_at__gt=now,
        ).order_by("sale_opens_at", "pk")
    )
    first_of_show: dict[int, Performance] = {}
    for performance in performances:
        first_of_show.setdefault(performance.show_id, performance)
    fans = _favourites(first_of_show)
    return [
        Entry(
            contact_id=contact_id,
            occurrence=f"show:{show_id}:sale",
            anchor=performance.sale_opens_at,
            performance_id=performance.pk,
        )
        for show_id, performance in first_of_show.items()
        for contact_id in fans.get(show_id, [])
    ]


def few_seats_left(journey: Journey, now: datetime) -> list[Entry]:
    """Fans of a show one of whose upcoming performances has at most `threshold` free
    places (and at least one): once per contact and performance."""
    fan_shows = Favourite.objects.values("show_id")
    performances = {
        p.pk: p
        for p in Performance.objects.filter(
            status__in=Performance.SELLABLE, starts_at__gt=now, show_id__in=fan_shows
        )
    }
    if not performances:
        return []
    figures = performance_figures(list(performances))
    limit = journey.threshold or 10
    scarce = [
        performances[pk] for pk, f in figures.items() if f["capacity"] and 0 < f["free"] <= limit
    ]
    fans = _favourites({p.show_id for p in scarce})
    return [
        Entry(
            contact_id=contact_id,
            occurrence=f"perf:{performance.pk}:few",
            anchor=now,
            performance_id=performance.pk,
        )
        for performance in scarce
        for contact_id in fans.get(performance.show_id, [])
    ]


def unused_credit(journey: Journey, now: datetime) -> list[Entry]:
    """Contacts holding unused card credit (crm's `Contact.unused_credit_cents`, kept by the
    cards' sales) who have not bought anything for `threshold` days: crm records the credit,
    not when it was granted, so the anchor is the last purchase (using credit is one), else
    when the contact was first seen. Once per contact and anchor."""
    days = timedelta(days=journey.threshold or 60)
    offset = timedelta(minutes=journey.offset_minutes)
    rows = (
        Contact.objects.filter(
            unused_credit_cents__gt=0, merged_into__isnull=True, anonymised_at__isnull=True
        )
        .annotate(anchor=Coalesce(F("last_purchase_at"), F("first_seen_at")))
        .filter(anchor__lte=now - days - offset)
        .values_list("pk", "anchor")
        .order_by("pk")[:MAX_CONTACTS]
    )
    return [
        Entry(
            contact_id=pk,
            occurrence=f"credit:{timezone.localdate(anchor).isoformat()}",
            anchor=anchor + days,
        )
        for pk, anchor in rows
    ]
