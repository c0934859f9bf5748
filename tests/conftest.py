"""Shared fixtures. Two venues (alpha, beta) are created once per test database by cloning the
template schema, like a real onboarding; each test then runs in a transaction rolled back at
the end. Clients are bound to a venue's host name, as a browser would be."""

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django_redis import get_redis_connection

from tenants import generations
from tenants.accounts.models import User
from tenants.models import Venue

from .helpers import PASSWORD, host_for, in_venue

FIXTURE_VENUES = {"alpha": "Théâtre Alpha", "beta": "Scène Beta"}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from tenants.services import create_venue

    with django_db_blocker.unblock():
        for slug, name in FIXTURE_VENUES.items():
            if not Venue.objects.filter(slug=slug).exists():
                create_venue(name=name, slug=slug, admin_email=f"admin@{slug}.test")
        connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _venues_left_as_found(request) -> Iterator[None]:
    """A committing test (a browser test, or one writing through helpers.committed) must
    leave the fixture venues as it found them: tests/leaks.py reports what it left."""
    from . import leaks

    if "db" not in request.fixturenames and "django_db_setup" not in request.fixturenames:
        yield
        return
    before = leaks.counts() if leaks.committing(request.node) else None
    yield
    leaks.check(request.node, before)


@pytest.fixture(autouse=True)
def _back_to_public() -> Iterator[None]:
    connection.set_schema_to_public()
    yield
    connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    """Rate limits and cached values never leak from one test into the next. Only this test
    run's keys are removed (never FLUSHDB: the broker and other runs share the server).
    Nor do the process-local caches: the test's rolled-back writes bumped no generation."""
    yield
    generations.clear_local_caches()
    redis = get_redis_connection("default")
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    keys = list(redis.scan_iter(match=f"*:{prefix}:*", count=1000))
    if keys:
        redis.delete(*keys)


def _fixture_venue(slug: str) -> Venue:
    return Venue.objects.get(slug=slug)


@pytest.fixture
def venue_a(db) -> Venue:
    return _fixture_venue("alpha")


@pytest.fixture
def venue_b(db) -> Venue:
    return _fixture_venue("beta")


@pytest.fixture
def cooperative(db) -> Venue:
    return Venue.objects.get(schema_name="public")


@pytest.fixture
def make_staff(db):
    counter = {"n": 0}

    def make(venue: Venue, role: str = User.Role.ADMIN, **extra) -> User:
        counter["n"] += 1
        email = extra.pop("email", f"{role}{counter['n']}@{venue.slug}.test")
        with in_venue(venue):
            return User.objects.create_user(
                email,
                PASSWORD,
                role=role,
                full_name=extra.pop("full_name", "Test Person"),
                **extra,
            )

    return make


@pytest.fixture
def client_for(db):
    """`client_for(venue, user=None)` → a test client on the venue's host, logged in if asked."""

    def make(venue: Venue, user: User | None = None) -> Client:
        host = settings.PARTERRE_BASE_DOMAIN if venue.is_public else host_for(venue)
        client = Client(HTTP_HOST=host)
        if user is not None:
            with in_venue(venue):
                client.force_login(user)
        return client

    return make


@pytest.fixture
def coop_admin(cooperative) -> User:
    return User.objects.create_superuser("coop@test.coop", PASSWORD, full_name="Coop Admin")
