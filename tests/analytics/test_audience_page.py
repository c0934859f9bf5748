"""The audience page over HTTP: who may open it, its figures and map, exports, its cost in
queries, and that a venue sees none of another's audience."""

import pytest

from analytics import audience
from tenants.accounts.models import User
from tests.analytics.test_audience import make_seasons
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db
URL = "/backoffice/statistics/audience/"


@pytest.fixture
def filled(venue_a):
    with in_venue(venue_a):
        made = make_seasons()
        audience.refresh_audience()
    return made


def test_the_page_over_http(filled, venue_a, make_staff, client_for):
    s0, s1, s2 = filled["seasons"]
    client = client_for(venue_a, make_staff(venue_a, User.Role.COMMUNICATION))
    response = client.get(URL, {"season": s1})
    assert response.status_code == 200
    page = response.content.decode()
    board = response.context["board"]
    assert board.season == s1 and board.figures["spectators"] == 3
    # The map: one <path> per metropolitan département, titled, linked when it has spectators.
    assert page.count("<path ") == 96
    assert "<title>Paris (75): 1</title>" in page or "Paris (75)" in page
    assert 'href="/backoffice/contacts/?department=75"' in page
    assert "/backoffice/contacts/?department=974" in page  # overseas, listed beside the map
    assert "/backoffice/contacts/?criterion=lapsed" in page
    assert "/backoffice/campaigns/dropoff/" in page  # communication may act on the alerts
    assert 'data-chart="seasons"' in page and 'data-chart="regions"' in page
    assert "/backoffice/statistics/contacts/" in page  # the shared tab bar
    for key in (
        "seasons",
        "seats",
        "renewal",
        "identified",
        "firsts",
        "departments",
        "regions",
    ):
        csv = client.get(URL, {"season": s1, "export": key, "format": "csv"})
        assert csv.status_code == 200 and "text/csv" in csv["Content-Type"], key
    xlsx = client.get(URL, {"season": s0, "export": "departments", "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    csv = client.get(URL, {"season": s0, "export": "seasons", "format": "csv"}).content.decode()
    assert s0 in csv and s2 in csv
    assert client.get(URL, {"export": "nope"}).status_code == 404


def test_who_may_open_it(venue_a, make_staff, client_for):
    assert client_for(venue_a).get(URL).status_code == 302
    assert client_for(venue_a, make_staff(venue_a, User.Role.DOOR)).get(URL).status_code == 403
    box = client_for(venue_a, make_staff(venue_a, User.Role.BOX_OFFICE)).get(URL)
    assert box.status_code == 200
    # The drop-off alerts are for the communication team: no link that would answer 403.
    assert "/backoffice/campaigns/dropoff/" not in box.content.decode()


def test_an_empty_venue_shows_without_error(venue_a, make_staff, client_for):
    response = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN)).get(URL)
    assert response.status_code == 200
    assert response.context["board"].figures["spectators"] == 0
    assert response.context["board"].computed_at is not None  # refreshed on the first visit


def test_the_page_costs_a_fixed_number_of_queries(
    filled, venue_a, make_staff, client_for, django_assert_max_num_queries
):
    client = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN))
    client.get(URL)
    with django_assert_max_num_queries(14):
        assert client.get(URL).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(URL, {"season": filled["seasons"][0]}).status_code == 200


def test_a_venue_sees_none_of_another_venues_audience(filled, venue_b, make_staff, client_for):
    response = client_for(venue_b, make_staff(venue_b, User.Role.ADMIN)).get(URL)
    assert response.status_code == 200
    board = response.context["board"]
    assert board.seasons == [board.season] and board.figures["spectators"] == 0
    assert all(not t.rows for t in board.tables.values()) and board.map_counts == {}
    with in_venue(venue_b):
        for season in filled["seasons"]:
            assert audience.season_audience(season)["tickets"] == 0
            assert audience.geography(season) == []
