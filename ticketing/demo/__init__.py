"""Demo season for `make run`: halls, shows, performances and a season of sales per venue.

"quai" gets a drama theatre (seated main hall with two price categories, a studio), "lanterne"
a music venue (standing hall with a small seated balcony, a club, one single price); any
other venue gets the theatre season. Everything is built through the ticketing services
(halls, programme, orders); the few demo-only fix-ups (selling past performances, dating the
sales) are plain queryset updates, each explained where it happens.

Idempotent: a venue that already has a hall is left alone. Deterministic: every choice comes
from the `rng` passed in (dates are relative to today, so the demo always has a past and a
future; order references and ticket codes come from the services' own secure generators).

`seed_venue` runs the steps in order (the order of random draws is the demo): `theatre` and
`music` describe the seasons (`specs`), `halls` builds the halls, `season` schedules the
programme, `sales` sells it (`seats` picks the seats), `changes` cancels, reschedules and
refunds, `backdating` dates it all, `buyers` says who bought and tells crm.
"""

from __future__ import annotations

import random

from django.db import transaction

from ticketing.demo.backdating import date_sales, move_back
from ticketing.demo.buyers import potential_buyers, report_to_crm
from ticketing.demo.changes import apply_changes, prepare_changes
from ticketing.demo.extras import offer_extras
from ticketing.demo.halls import build_music_halls, build_theatre_halls
from ticketing.demo.music import MUSIC
from ticketing.demo.sales import sell_all
from ticketing.demo.season import Season
from ticketing.demo.theatre import THEATRE
from ticketing.models import Hall
from ticketing.services import programme

__all__ = ["seed_venue"]

SLUG_PROFILES = {"quai": THEATRE, "lanterne": MUSIC}  # any other venue: the theatre


def seed_venue(venue, rng: random.Random) -> None:
    # One draw from the shared stream whatever happens, so later apps see the same stream on
    # every run; everything below uses this venue's own generator.
    local = random.Random(rng.randrange(2**32))  # noqa: S311 (demo data, reproducible)
    if Hall.objects.exists():
        return
    profile = SLUG_PROFILES.get(venue.slug, THEATRE)
    with transaction.atomic():  # all or nothing: a failed seed leaves no half-built venue
        programme.ensure_default_tariffs()
        programme.update_sales_settings(
            fee_cents=profile.fee_cents, hold_minutes=10, single_price_mode=profile.single_price
        )
        layouts = build_music_halls() if profile.single_price else build_theatre_halls()
        season = Season(venue, profile, local)
        season.schedule(layouts)
        season.set_aside()
        offer_extras(music=profile.single_price)
        prepare_changes(season)
        people, weights = potential_buyers(venue, local, profile.new_buyers)
        sell_all(season, len(people), weights)
        move_back(season)
        apply_changes(season)
        date_sales(season)
        report_to_crm(season, people)
