"""The audience figures, cross-checked to the unit against the sales made here: three
seasons, buyers coming back or not, a named companion, unnamed guests, an anonymous counter
sale, a refunded order; where they live (Paris, Corsica, overseas, abroad, unknown)."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone, translation

from analytics import audience, indicators
from analytics.geography import ABROAD
from analytics.models import AudienceSeason
from crm.behaviour import behaviour_settings, current_season, season_of
from crm.geo import department_of
from crm.models import Contact
from tests.helpers import in_venue
from tests.ticketing.conftest import build_performance
from ticketing.models import Performance, PerformanceZone, Tariff, Ticket
from ticketing.services import orders
from ticketing.specs import Buyer, HoldRequest, PaymentSpec, TariffChoice

pytestmark = pytest.mark.django_db


def sell(performance, seats: int, email: str = ""):
    zone = PerformanceZone.objects.get(performance=performance, zone__name="Fosse")
    return orders.sell(
        performance=performance,
        request=HoldRequest(zones={zone.pk: seats}),
        tariffs=TariffChoice(default=Tariff.objects.get(code="plein").pk),
        payments=[PaymentSpec("cash", None)],
        buyer=Buyer(email=email, last_name=email.split("@")[0]) if email else None,
    )


def lives(email: str, postcode: str, country: str = "FR") -> Contact:
    contact = Contact.objects.get(email=email)
    Contact.objects.filter(pk=contact.pk).update(
        postcode=postcode, country=country, department=department_of(postcode, country)
    )
    return contact


def season_start(back: int) -> datetime:
    """The first day of the season `back` seasons before the current one (venue time)."""
    first_year = int(current_season()[:4]) - back
    month = behaviour_settings().season_start_month
    return timezone.make_aware(datetime(first_year, month, 1, 20, 0))


def make_seasons() -> dict:
    """Returns the season names and the performances, oldest first."""
    p0, p1, p2, p2b = (
        build_performance(name=f"Salle {n}", starts_in_days=10 + n) for n in range(4)
    )
    # Season −2: A with a named companion F, B; three seats sold to nobody known.
    a0 = sell(p0, 2, "a@example.fr")
    sell(p0, 1, "b@example.fr")
    sell(p0, 3)
    # Season −1: A again, C (two seats), D.
    sell(p1, 1, "a@example.fr")
    sell(p1, 2, "c@example.fr")
    sell(p1, 1, "d@example.fr")
    # This season: B, E with three unnamed guests, A twice (p2, p2b); C bought and refunded.
    sell(p2, 1, "b@example.fr")
    sell(p2, 4, "e@example.fr")
    sell(p2, 1, "a@example.fr")
    refunded = sell(p2, 1, "c@example.fr")
    orders.refund_order(order=refunded)
    sell(p2b, 1, "a@example.fr")
    companion = Contact.objects.create(first_name="F", email="f@example.fr", postcode="69001")
    Contact.objects.filter(pk=companion.pk).update(department="69")
    Ticket.objects.filter(pk=a0.tickets.order_by("pk").last().pk).update(holder_contact=companion)
    lives("a@example.fr", "75011")
    lives("b@example.fr", "20090")  # Corse-du-Sud
    lives("c@example.fr", "97411")  # La Réunion
    lives("d@example.fr", "1000", "BE")  # abroad
    lives("e@example.fr", "")  # unknown
    for performance, back, days in ((p0, 2, 30), (p1, 1, 30), (p2, 0, 30), (p2b, 0, 60)):
        Performance.objects.filter(pk=performance.pk).update(
            starts_at=season_start(back) + timedelta(days=days)
        )
    names = [season_of(season_start(back) + timedelta(days=30)) for back in (2, 1, 0)]
    return {"seasons": names, "performances": [p0, p1, p2, p2b]}


@pytest.fixture
def seasons(venue_a):
    with in_venue(venue_a):
        made = make_seasons()
        audience.refresh_audience()
        yield made


def test_spectators_new_and_renewal_per_season(seasons):
    s0, s1, s2 = seasons["seasons"]
    first = audience.season_audience(s0)
    assert (first["spectators"], first["new"], first["returning"]) == (3, 3, 0)  # A, F, B
    assert first["renewed_next"] == 1 and first["renewal_rate"] == pytest.approx(1 / 3)  # A
    assert (first["tickets"], first["identified_tickets"]) == (6, 3)
    assert first["identified_share"] == pytest.approx(0.5)
    assert (first["companion_tickets"], first["companions"]) == (1, 1)
    assert first["seats_per_spectator"] == pytest.approx(1.0) and first["seats_change"] is None
    second = audience.season_audience(s1)
    assert (second["spectators"], second["new"], second["returning"]) == (3, 2, 1)  # C, D new
    assert second["renewed_next"] == 0 and second["renewal_rate"] == 0
    assert (second["tickets"], second["identified_tickets"]) == (4, 3)
    third = audience.season_audience(s2)
    # B, E and A; only E is new; A holds two seats; C's refunded ticket counts nowhere.
    assert (third["spectators"], third["new"], third["returning"]) == (3, 1, 2)
    assert third["renewed_next"] is None and third["renewal_rate"] is None
    assert (third["tickets"], third["identified_tickets"]) == (7, 4)
    assert third["unidentified_tickets"] == 3  # E's guests
    assert third["seats"] == 4 and third["seats_per_spectator"] == pytest.approx(4 / 3)
    assert third["seats_change"] == pytest.approx(4 / 3 - 1)
    assert third["performances"] == 2 and third["companions"] == 0
    assert audience.season_audience("1999-2000")["spectators"] == 0


def test_first_timers_per_performance(seasons):
    s0, _s1, s2 = seasons["seasons"]
    board = audience.build(season=s2)
    rows = board.tables["firsts"].rows
    assert [(r["spectators"], r["first_timers"]) for r in rows] == [(3, 1), (1, 0)]  # E; A
    assert all("/backoffice/orders/" in r["link"] or "order" in r["link"] for r in rows)
    rows = audience.build(season=s0).tables["firsts"].rows
    assert [(r["tickets"], r["spectators"], r["first_timers"]) for r in rows] == [(6, 3, 3)]


def test_geography_by_department_and_region(seasons):
    s0, s1, s2 = seasons["seasons"]
    by_code = {r["department"]: r for r in audience.geography(s0)}
    assert {c: r["spectators"] for c, r in by_code.items()} == {"75": 1, "2A": 1, "69": 1}
    assert by_code["2A"]["region"] == "Corse" and by_code["2A"]["name"] == "Corse-du-Sud"
    assert by_code["69"]["region"] == "Auvergne-Rhône-Alpes"
    assert all(r["new"] == 1 for r in by_code.values())
    by_code = {r["department"]: r for r in audience.geography(s1)}
    assert set(by_code) == {"75", "974", ABROAD}
    assert by_code["974"]["region"] == "La Réunion" and by_code[ABROAD]["region_code"] == ""
    assert by_code["75"]["new"] == 0 and by_code["974"]["new"] == 1
    by_code = {r["department"]: r for r in audience.geography(s2)}
    assert set(by_code) == {"75", "2A", ""}  # E has no postcode
    assert sum(r["spectators"] for r in audience.geography(s2)) == 3
    with translation.override("en"):
        regions = {r["region"]: r["spectators"] for r in audience.regions(audience.geography(s1))}
    assert regions == {"Île-de-France": 1, "La Réunion": 1, "Abroad": 1}
    board = audience.build(season=s1)
    assert board.map_counts == {"75": 1, "974": 1, ABROAD: 1}
    assert [p["department"] for p in board.overseas] == ["974"]
    with translation.override("en"):
        board = audience.build(season=s1)
    links = {r["name"]: r["link"] for r in board.tables["departments"].rows}
    assert links["Paris (75)"].endswith("/backoffice/contacts/?department=75")
    assert links["Abroad"] == ""


def test_the_refresh_is_idempotent_and_follows_new_sales(seasons):
    _s0, _s1, s2 = seasons["seasons"]
    before = list(AudienceSeason.objects.order_by("season").values())
    audience.refresh_audience()
    assert list(AudienceSeason.objects.order_by("season").values()) == before
    sell(seasons["performances"][2], 2, "g@example.fr")
    audience.refresh_audience()
    assert audience.season_audience(s2)["spectators"] == 4
    assert audience.season_audience(s2)["new"] == 2


def test_indicators_are_registered(seasons):
    s0, s1, s2 = seasons["seasons"]
    assert indicators.measure("spectators", s1) == 3
    assert indicators.measure("new_spectators", s1) == 2
    assert indicators.measure("seats_per_spectator", s2) == pytest.approx(4 / 3)
    assert indicators.measure("identified_share", s0) == pytest.approx(0.5)
    assert indicators.get("identified_share").kind == "percent"
    assert indicators.measure("spectators", "1999-2000") is None
    assert indicators.get("spectators").link(s1).endswith(f"/statistics/audience/?season={s1}")


def test_lapsed_and_first_timer_counts_are_the_contact_lists(seasons):
    Contact.objects.filter(email__in=["c@example.fr", "d@example.fr"]).update(criteria=["lapsed"])
    Contact.objects.filter(email="e@example.fr").update(criteria=["first_timer"])
    kpis = {k["key"]: k for k in audience.build().kpis}
    assert kpis["lapsed"]["value"] == 2 and kpis["lapsed"]["url"].endswith("?criterion=lapsed")
    assert kpis["new"]["url"].endswith("?criterion=first_timer")
    assert kpis["dropoff"]["value"] == 0
