"""The sales dashboard over HTTP: who may open it, what it shows, its exports, its cost in
queries (aggregates only), and that a venue sees only its own figures."""

import csv
import io

import pytest
from openpyxl import load_workbook

from analytics.services import rebuild_sales_aggregates
from tenants.accounts.models import User
from tenants.events.services.dispatch import dispatch_pending
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db
URL = "/backoffice/statistics/"


@pytest.fixture
def staff_client(venue_a, make_staff, client_for):
    return client_for(venue_a, make_staff(venue_a, User.Role.READ_ONLY))


def _dispatched(venue):
    with in_venue(venue):
        dispatch_pending()


def test_the_dashboard_shows_the_seasons_figures(venue_a, season, staff_client):
    main, _other, _made = season
    _dispatched(venue_a)
    response = staff_client.get(URL, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Le Misanthrope" in page
    board = response.context["board"]
    kpis = {k["key"]: k["value"] for k in board.kpis}
    assert kpis["tickets"] == 5  # 4 for the main performance, 1 exchanged in
    perfs = board.tables["performances"].rows
    assert sum(r["tickets"] for r in perfs) == 5
    assert sum(r["invitations"] for r in perfs) == 2
    channels = {r["code"]: r["tickets"] for r in board.tables["channels"].rows}
    assert channels == {"box_office": 1, "web": 4}  # A1 refunded; E1 came online
    assert kpis["online_share"] == pytest.approx(4 / 5)
    assert kpis["invitations"] == 2 and kpis["refunded"] == 1
    assert [r["code"] for r in board.tables["promo"].rows] == ["AMIS"]
    assert [r["tickets"] for r in board.tables["invitations"].rows] == [2]  # press
    assert 'id="analytics-charts"' in page and "chart.umd.min.js" in page
    # Every performance links to the lists behind it: its statement and its orders.
    assert f"/backoffice/statements/performance/{main.pk}/" in page
    assert f"/backoffice/orders/?performance={main.pk}" in page


def test_the_dashboard_costs_a_fixed_number_of_queries(
    venue_a, season, staff_client, django_assert_max_num_queries
):
    _dispatched(venue_a)
    staff_client.get(URL)  # warm: session, venue caches
    with django_assert_max_num_queries(20):
        assert staff_client.get(URL).status_code == 200


def test_tables_export_as_csv_and_xlsx(venue_a, season, staff_client):
    _dispatched(venue_a)
    response = staff_client.get(URL, {"export": "performances", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff")), delimiter=";"))
    assert {r[0] for r in rows[1:]} == {"Le Misanthrope"}
    assert sum(int(r[4]) for r in rows[1:]) == 5
    xlsx = staff_client.get(URL, {"export": "channels", "format": "xlsx"})
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.values)
    assert sum(v[1] for v in values[1:]) == 5
    assert staff_client.get(URL, {"export": "nope", "format": "csv"}).status_code == 404
    assert staff_client.get(URL, {"export": "days", "format": "pdf"}).status_code == 404


def test_bad_parameters_are_ignored_not_errors(venue_a, season, staff_client):
    _dispatched(venue_a)
    for params in (
        {"season": "x" * 300},
        {"performance": "abc"},
        {"performance": "99999999"},
        {"j14_below": "-4"},
        {"j14_below": "50"},
    ):
        assert staff_client.get(URL, params).status_code == 200, params


def test_who_may_open_it(venue_a, venue_b, make_staff, client_for):
    assert client_for(venue_a).get(URL).status_code == 302  # to the login page
    for role in (User.Role.ADMIN, User.Role.BOX_OFFICE, User.Role.COMMUNICATION):
        assert client_for(venue_a, make_staff(venue_a, role)).get(URL).status_code == 200
    # A venue's staff is not staff of another venue.
    signed_in = client_for(venue_a, make_staff(venue_a))
    other = client_for(venue_b)
    other.cookies = signed_in.cookies
    assert other.get(URL).status_code == 302


def test_a_venue_sees_only_its_own_figures(venue_a, venue_b, season, make_staff, client_for):
    _dispatched(venue_a)
    with in_venue(venue_b):
        rebuild_sales_aggregates()
    response = client_for(venue_b, make_staff(venue_b)).get(URL)
    assert response.status_code == 200
    board = response.context["board"]
    assert board.tables["performances"].rows == []
    assert "Le Misanthrope" not in response.content.decode()
