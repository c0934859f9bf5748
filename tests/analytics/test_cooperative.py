"""The cooperative view: each venue publishes its own indicators (measured in its schema),
the cooperative admin sees aggregates without any personal data, and a venue compares itself
with anonymised medians without ever seeing another venue."""

import datetime

import pytest
from django.conf import settings
from django.db import connection

from analytics import indicators
from analytics.cooperative import publish_all, publish_figures, seasons_to_publish
from crm.behaviour import current_season
from crm.services.identity import find_or_create_contact
from tenants.accounts.models import AuditEvent, User
from tenants.events.services.dispatch import dispatch_pending
from tenants.models import Venue, VenueFigures
from tenants.services import create_venue, publish_venue_figures, set_venue_kind
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db

CONTACTS = {
    "alpha": ("Awa", "Diallo-Coopérative", "awa.diallo@alpha-spectateurs.fr"),
    "beta": ("Bruno", "Lemaire-Coopérative", "bruno.lemaire@beta-spectateurs.fr"),
}


def add_contacts(*venues):
    for venue in venues:
        first, last, email = CONTACTS[venue.slug]
        with in_venue(venue):
            find_or_create_contact(
                email=email, first_name=first, last_name=last, source="backoffice"
            )


def season_name(venue) -> str:
    with in_venue(venue):
        return current_season()


def more_venues(kind: str, values: list[float], season: str) -> list[Venue]:
    made = []
    for i, tickets in enumerate(values):
        venue = create_venue(
            name=f"Salle Témoin {i}", slug=f"temoin-{i}", admin_email=f"a@temoin{i}.fr", kind=kind
        ).venue
        publish_venue_figures(
            venue=venue,
            season=season,
            figures={"tickets": tickets, "online_share": 0.1 * (i + 1)},
        )
        made.append(venue)
    return made


def test_published_figures_are_each_venues_own_indicators(venue_a, venue_b, season):
    connection.set_schema_to_public()  # the season fixture leaves alpha's schema current
    with in_venue(venue_a):
        dispatch_pending()
    publish_all()
    name = season_name(venue_a)
    for venue in (venue_a, venue_b):
        stored = dict(
            VenueFigures.objects.filter(venue=venue, season=name).values_list("key", "value")
        )
        with in_venue(venue):
            own = {i.key: i.measure(name) for i in indicators.all_indicators() if i.per_season}
        assert {k: own[k] for k in stored} == stored
        assert set(stored) >= {"tickets", "revenue", "online_share", "fill_rate"}
    alpha = dict(
        VenueFigures.objects.filter(venue=venue_a, season=name).values_list("key", "value")
    )
    assert alpha["tickets"] == 5 and alpha["online_share"] == pytest.approx(4 / 5)
    # Beta sold nothing: alpha's sales are not in its figures.
    assert VenueFigures.objects.get(venue=venue_b, season=name, key="tickets").value is None
    now = dict(VenueFigures.objects.filter(venue=venue_a, season="").values_list("key", "value"))
    assert now["tickets_30d"] == 5 and now["last_sale_days"] == 0
    assert "integrity" in now


def test_publishing_again_changes_nothing(venue_a):
    with in_venue(venue_a):
        publish_figures()
        first = set(VenueFigures.objects.values_list("venue_id", "season", "key", "value"))
        publish_figures()
        assert set(VenueFigures.objects.values_list("venue_id", "season", "key", "value")) == first
        seasons = seasons_to_publish(datetime.date.today())
    assert {s for _v, s, _k, _x in first} == {*seasons, ""}


def test_the_daily_task_is_scheduled_per_venue():
    from analytics.tasks import publish_cooperative_figures_task

    spec = settings.PARTERRE_VENUE_PERIODIC_TASKS["analytics.publish_cooperative_figures"]
    assert spec == {"task": publish_cooperative_figures_task.name, "every": 86400}


def test_the_console_shows_aggregates_without_personal_data(
    venue_a, venue_b, coop_admin, cooperative, client_for, make_staff, season
):
    connection.set_schema_to_public()
    add_contacts(venue_a, venue_b)
    with in_venue(venue_a):
        dispatch_pending()
    publish_all()
    client = client_for(cooperative, coop_admin)
    response = client.get("/venues/figures/")
    assert response.status_code == 200
    page = response.content.decode()
    assert venue_a.name in page and venue_b.name in page
    csv = client.get(f"/venues/figures/?season={season_name(venue_a)}&export=csv").content.decode()
    assert venue_a.name in csv
    for text in (page, csv):
        for first, last, email in CONTACTS.values():
            assert first not in text and last not in text and email not in text
        assert "presse@example.fr" not in text  # the invitation's guest (sell_scenario)
    assert AuditEvent.objects.filter(code="tenants.figures.read", actor_id=coop_admin.pk).exists()
    # Venue staff have no way in: the page is not on a venue's host, and a public account
    # that is not the cooperative's admin is refused.
    staff = make_staff(venue_a, User.Role.ADMIN)
    assert client_for(venue_a, staff).get("/venues/figures/").status_code == 404
    connection.set_schema_to_public()  # the request left alpha's schema current
    plain = User.objects.create_user("someone@coop.test", "x" * 12)
    assert client_for(cooperative, plain).get("/venues/figures/").status_code == 403
    assert client_for(cooperative).get("/venues/figures/").status_code == 302


def test_the_compare_page_shows_only_medians(venue_a, venue_b, make_staff, client_for):
    name = season_name(venue_a)
    set_venue_kind(venue=venue_a, kind=Venue.Kind.MUNICIPAL, actor=None)
    set_venue_kind(venue=venue_b, kind=Venue.Kind.MUNICIPAL, actor=None)
    publish_venue_figures(venue=venue_b, season=name, figures={"tickets": 4321})
    others = more_venues(Venue.Kind.MUNICIPAL, [1357, 2468, 9753], name)
    client = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN))
    response = client.get("/backoffice/statistics/compare/")
    assert response.status_code == 200
    page = response.content.decode()
    for venue in (venue_b, *others):
        assert venue.name not in page and venue.slug not in page
    digits = page.replace("\u202f", "").replace("\xa0", "").replace(",", "")
    for value in ("4321", "1357", "2468", "9753"):
        assert value not in digits  # no venue's own figure
    rows = {r["key"]: r for r in response.context["sections"][0]["rows"]}
    # Four other venues of its kind: 1357, 2468, 4321, 9753 → (2468 + 4321) / 2.
    assert rows["tickets"]["kind_venues"] == 4
    assert rows["tickets"]["kind_median"].replace("\u202f", "").replace(",", "") == "3394"
    # Online share: three of them (beta published none).
    assert rows["online_share"]["kind_venues"] == 3
    assert rows["fill_rate"]["kind_venues"] == 0
    connection.set_schema_to_public()  # the cooperative's trail, one event per page
    assert AuditEvent.objects.filter(code="tenants.figures.compared").count() == 1


def test_too_few_venues_give_no_median(venue_a, venue_b, make_staff, client_for):
    name = season_name(venue_a)
    publish_venue_figures(venue=venue_b, season=name, figures={"tickets": 4321})
    more_venues(Venue.Kind.FESTIVAL, [1357], name)
    client = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN))
    response = client.get(f"/backoffice/statistics/compare/?season={name}")
    rows = {r["key"]: r for r in response.context["sections"][0]["rows"]}
    assert rows["tickets"]["all_venues"] == 2
    assert rows["tickets"]["all_median"] == "—"
    page = response.content.decode().replace("\u202f", "")
    assert "4321" not in page and "1357" not in page and "2889" not in page


def test_the_compare_tab_is_for_who_sees_the_sales(venue_a, make_staff, client_for):
    assert client_for(venue_a).get("/backoffice/statistics/compare/").status_code == 302
    admin = make_staff(venue_a, User.Role.ADMIN)
    page = client_for(venue_a, admin).get("/backoffice/statistics/").content.decode()
    assert "/backoffice/statistics/compare/" in page


def test_the_task_publishes_only_its_own_venue(venue_a, venue_b, season):
    from analytics.tasks import publish_cooperative_figures_task

    connection.set_schema_to_public()
    with in_venue(venue_a):
        dispatch_pending()
    with in_venue(venue_b):
        publish_cooperative_figures_task.apply()  # as the fan-out sends it, in beta's schema
    assert set(VenueFigures.objects.values_list("venue_id", flat=True)) == {venue_b.pk}
    name = season_name(venue_b)
    assert VenueFigures.objects.get(venue=venue_b, season=name, key="tickets").value is None
    with in_venue(venue_a):
        publish_cooperative_figures_task.apply()
    alpha = VenueFigures.objects.get(venue=venue_a, season=name, key="tickets")
    assert alpha.value == 5
    assert AuditEvent.objects.filter(code="tenants.figures.published").count() == 2 * 3
