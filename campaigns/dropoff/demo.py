"""Demo spectators for the drop-off alerts: a handful of long-time regulars (five years at
about three visits a quarter), of whom two now come about once a quarter and two stopped ten
months ago, so the alert page lists the right people with reasons one can check on their
timelines. Then the week's detection runs, so the page is populated.

Their own random stream (the shared `rng` is left untouched for the apps after this one);
idempotent: every purchase and attendance carries a reference recorded once, and the
detection runs once a week."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone
from django.utils.text import slugify

from crm.models import Source
from crm.services import find_or_create_contact, record_attendance, record_purchase

from .services import detect_dropoffs

# (first name, last name, what happened)
PEOPLE = [
    ("Hélène", "Marchand", "drifting"),
    ("Olivier", "Lemaire", "drifting"),
    ("Sylvie", "Barbier", "stopped"),
    ("Gérard", "Fontaine", "stopped"),
    ("Martine", "Roussel", "steady"),
    ("Jacques", "Perrin", "steady"),
    ("Nathalie", "Guérin", "steady"),
    ("Pierre", "Morel", "steady"),
]
SHOWS = [
    ("Le Misanthrope", ["théâtre", "classique"]),
    ("Rain", ["danse", "contemporain"]),
    ("Quatuor Ébène", ["musique", "classique"]),
    ("May B", ["danse"]),
    ("Orchestre national de jazz", ["concert", "jazz"]),
]
YEARS = 5


def _visit_dates(kind: str, rng: random.Random, now):
    start = now - timedelta(days=365 * YEARS + 30)
    change = now - timedelta(days=330)  # "since October"
    at = start
    while at < now - timedelta(days=3):
        if kind == "stopped" and at >= now - timedelta(days=300):
            return
        yield at
        slow = kind == "drifting" and at >= change
        mean = 91 if slow else 30  # about once a quarter, or three times
        at += timedelta(days=max(7, round(rng.gauss(mean, mean / 5))))


def seed_venue(venue, rng: random.Random) -> None:
    own = random.Random(f"{venue.slug}:dropoff")  # noqa: S311 (demo data)
    now = timezone.now().replace(hour=20, minute=30, second=0, microsecond=0)
    for n, (first, last, kind) in enumerate(PEOPLE):
        contact = find_or_create_contact(
            email=f"{slugify(first)}.{slugify(last)}.{n}@example.org",
            first_name=first,
            last_name=last,
            source=Source.IMPORT,
        )
        for k, at in enumerate(_visit_dates(kind, own, now)):
            title, genres = SHOWS[(n + k) % len(SHOWS)]
            label = f"{title} — {timezone.localtime(at):%d/%m/%Y}"
            reference = f"DEMO-FIDELE-{n}-{k}"
            record_purchase(
                contact_id=contact.pk,
                order_reference=reference,
                tickets=1,
                amount_cents=2200,
                occurred_at=at - timedelta(days=own.randrange(3, 30)),
                performance_label=label,
                channel="import",
                genres=genres,
            )
            record_attendance(
                contact_id=contact.pk,
                ticket_reference=f"{reference}-T",
                performance_label=label,
                occurred_at=at,
                genres=genres,
            )
    detect_dropoffs(now=timezone.now())
