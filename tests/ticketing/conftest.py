from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tenants.accounts.models import User
from tenants.accounts.services import create_api_token
from tests.helpers import host_for, in_venue
from ticketing.models import Tariff
from ticketing.services import halls, programme
from ticketing.services.programme import CategoryPlan


def build_performance(
    *, rows=5, seats_per_row=10, zone_capacity=20, starts_in_days=20, name="Salle Jouvet"
):
    """A hall with one seated section (ranks 1,1,2,2,3 by row), one standing zone and a
    performance on sale with two categories: Cat. 1 (rank 1) 25 € / 15 €, Cat. 2 the rest."""
    programme.ensure_default_tariffs()
    hall = halls.create_hall(name=name)
    layout = halls.create_layout(hall=hall, name="Assis")
    halls.generate_section(
        layout=layout,
        name="Parterre",
        rows=rows,
        seats_per_row=seats_per_row,
        rank_rows=[1, 1, 2, 2, 3],
    )
    if zone_capacity:
        halls.add_zone(layout=layout, name="Fosse", capacity=zone_capacity)
    show = programme.create_show(title="Le Misanthrope")
    return programme.schedule_performance(
        show=show,
        layout=layout,
        starts_at=timezone.now() + timedelta(days=starts_in_days),
        plan=[
            CategoryPlan(name="Cat. 1", ranks={1}, prices={"plein": 2500, "reduit": 1500}),
            CategoryPlan(name="Cat. 2", zones={"Fosse"}, prices={"plein": 1800, "reduit": 1000}),
        ],
    )


@pytest.fixture
def performance(venue_a):
    with in_venue(venue_a):
        yield build_performance()


@pytest.fixture
def plein(performance):
    return Tariff.objects.get(code="plein")


@pytest.fixture
def api(venue_a, make_staff):
    """An API client with a box-office token of venue A."""
    user = make_staff(venue_a, User.Role.BOX_OFFICE)
    with in_venue(venue_a):
        _token, key = create_api_token(name="bench", user=user, actor=user)
    return Client(HTTP_HOST=host_for(venue_a), HTTP_AUTHORIZATION=f"Token {key}")
