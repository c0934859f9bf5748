"""Seeds (or tops up) the demo cooperative: tenants' part (the cooperative admin, the venues
and their staff), then, in each venue's schema, every app that has demo content, in the order
of the layers (crm, ticketing, analytics; campaigns has none yet), so later apps find the
data of earlier ones.

Each app's `seed_venue(venue, rng)` runs inside that venue's schema, must be idempotent
(running `make run` twice duplicates nothing) and draws every choice from `rng`, which is
seeded by the venue's slug: the demo is the same on every machine.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from django.db import connection
from django_tenants.utils import tenant_context

from analytics import demo as analytics_demo
from campaigns.composer import demo as composer_demo
from campaigns.dropoff import demo as dropoff_demo
from campaigns.journeys import demo as journeys_demo
from campaigns.surveys import demo as surveys_demo
from campaigns.tracking import demo as tracking_demo
from crm import demo as crm_demo
from demo import cooperative as cooperative_demo
from tenants import demo as tenants_demo
from tenants.demo import DemoLogin
from tenants.models import Venue
from ticketing import demo as ticketing_demo

# In dependency order; one rng per venue is shared by them, in this order.
VENUE_SEEDERS: list[Callable[[Venue, random.Random], None]] = [
    crm_demo.seed_venue,
    ticketing_demo.seed_venue,
    surveys_demo.seed_venue,
    # Draws from its own stream (the shared rng is untouched): its place is free.
    dropoff_demo.seed_venue,
    composer_demo.seed_venue,
    tracking_demo.seed_venue,
    journeys_demo.seed_venue,
    analytics_demo.seed_venue,
]
# Then, in the public schema, what spans venues: the cooperative view's kinds, comparison
# venues and published figures (demo/cooperative.py).
COOPERATIVE_SEEDERS: list[Callable[..., None]] = [cooperative_demo.seed_cooperative]


def seed_demo(*, stdout=None) -> list[DemoLogin]:
    """Returns the demo logins to print (cooperative admin first, then each venue's staff)."""
    coop_admin, coop_login = tenants_demo.seed_cooperative_admin()
    logins = [coop_login]
    for spec in tenants_demo.DEMO_VENUES:
        venue, staff_logins = tenants_demo.seed_venue_and_staff(
            spec, actor=coop_admin, stdout=stdout
        )
        logins.extend(staff_logins)
        with tenant_context(venue):
            rng = random.Random(venue.slug)  # noqa: S311 (demo data, reproducible)
            for seed_venue in VENUE_SEEDERS:
                seed_venue(venue, rng)
    connection.set_schema_to_public()
    for seed_cooperative in COOPERATIVE_SEEDERS:
        seed_cooperative(actor=coop_admin, stdout=stdout)
        connection.set_schema_to_public()
    return logins
