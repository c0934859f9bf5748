"""seed_demo: tenants' part (admin, venues, staff), then each app's demo in each venue's schema,
in the order of the layers, with one rng per venue seeded by its slug."""

import random

import pytest
from django.db import connection

from demo import seed
from tenants import demo as tenants_demo
from tenants.accounts.models import User
from tenants.models import Venue
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db

SPEC = {**tenants_demo.DEMO_VENUES[0], "slug": "demoseed", "name": "Théâtre de démo"}


def test_each_app_is_seeded_in_each_venue_in_layer_order(monkeypatch):
    calls = []

    def recorder(app):
        def seed_venue(venue, rng):
            calls.append((app, venue.slug, connection.schema_name, rng.random()))

        return seed_venue

    monkeypatch.setattr(tenants_demo, "DEMO_VENUES", [SPEC])
    monkeypatch.setattr(seed, "VENUE_SEEDERS", [recorder("crm"), recorder("ticketing")])
    monkeypatch.setattr(
        seed,
        "COOPERATIVE_SEEDERS",
        [lambda **kw: calls.append(("cooperative", "", connection.schema_name, 0))],
    )

    logins = seed.seed_demo()
    seed.seed_demo()  # again: tops up, duplicates nothing

    venue = Venue.objects.get(slug="demoseed")
    expected_rng = random.Random("demoseed")
    first, second = expected_rng.random(), expected_rng.random()
    once = [
        ("crm", "demoseed", venue.schema_name, first),
        ("ticketing", "demoseed", venue.schema_name, second),
    ]
    once.append(("cooperative", "", "public", 0))  # after the venues, in the public schema
    assert calls == once + once
    assert connection.schema_name == "public"
    assert [login.email for login in logins] == [tenants_demo.COOP_ADMIN_EMAIL] + [
        tenants_demo.staff_email("demoseed", login) for login, _name, _role in tenants_demo.STAFF
    ]
    assert User.objects.filter(email=tenants_demo.COOP_ADMIN_EMAIL).count() == 1
    with in_venue(venue):
        assert User.objects.count() == len(tenants_demo.STAFF)
        assert all(user.check_password(tenants_demo.DEMO_PASSWORD) for user in User.objects.all())
