"""The demo cooperative's figures (the cooperative view, issue #13): each demo venue's kind,
three small municipal theatres with two seasons of sales history (so that the Théâtre du
Quai, municipal too, has three venues of its kind to compare with), and every venue's
figures published as its nightly task would.

The comparison venues are real venues of the demo, onboarded like any other (their own
schema, an invited admin), with sales history only (analytics.history: no contacts). Their
figures are measured in their schema like everyone's; nothing is made up in the public
schema. La Lanterne (the only SMAC) has no venue of its kind: its page shows "not enough
venues" for its kind and the median of all venues. Idempotent: a venue's history is written
once (its hall is the marker), the figures are republished whole.
"""

from __future__ import annotations

import random

from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from analytics.cooperative import publish_all
from analytics.history import build_history
from analytics.services import rebuild_sales_aggregates
from tenants.models import Venue
from tenants.services import create_venue, set_venue_kind, update_venue_profile
from ticketing.models import Hall

KINDS = {"quai": Venue.Kind.MUNICIPAL, "lanterne": Venue.Kind.SMAC}
HALL = "Grande salle"
# (slug, name, city, kind, capacity, tickets over two seasons, online share then and now)
COMPARISON_VENUES = [
    ("eperon", "Théâtre de l'Éperon", "Niort", Venue.Kind.MUNICIPAL, 420, 9000, (0.18, 0.42)),
    ("halles", "Théâtre des Halles", "Blois", Venue.Kind.MUNICIPAL, 300, 6000, (0.25, 0.55)),
    ("colombier", "Le Colombier", "Cholet", Venue.Kind.MUNICIPAL, 220, 3600, (0.12, 0.30)),
]


def seed_cooperative(*, actor=None, stdout=None) -> None:
    connection.set_schema_to_public()
    for slug, kind in KINDS.items():
        venue = Venue.objects.filter(slug=slug).first()
        if venue is not None:
            set_venue_kind(venue=venue, kind=kind, actor=actor)
    for slug, name, city, kind, capacity, tickets, web_share in COMPARISON_VENUES:
        venue = Venue.objects.filter(slug=slug).first()
        if venue is None:
            venue = create_venue(
                name=name,
                slug=slug,
                admin_email=f"admin@{slug}.demo",
                actor=actor,
                city=city,
                kind=kind,
            ).venue
            if stdout:
                stdout.write(f"  created {name} (comparison venue)")
        with tenant_context(venue):
            update_venue_profile(venue=venue, actor=None, city=city)
            if not Hall.objects.filter(name=HALL).exists():
                build_history(
                    tickets=tickets,
                    seasons=2,
                    now=timezone.now(),
                    rng=random.Random(slug),  # noqa: S311 (demo data, reproducible)
                    tz=venue.timezone or "Europe/Paris",
                    capacity=capacity,
                    web_share=web_share,
                    hall_name=HALL,
                )
                rebuild_sales_aggregates()
        connection.set_schema_to_public()
    publish_all()
