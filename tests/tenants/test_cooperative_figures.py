"""The figures venues share with the cooperative (tenants.figures): the allow-list, the
publication (whole, logged) and the medians (k-anonymous: at least three other venues)."""

import pytest

from tenants.accounts.models import AuditEvent
from tenants.errors import ValidationFailed
from tenants.figures import MIN_VENUES
from tenants.models import Venue, VenueFigures
from tenants.selectors import median_of_kind, medians
from tenants.services import create_venue, publish_venue_figures, set_venue_kind

pytestmark = pytest.mark.django_db

SEASON = "2026-2027"


def make_venues(*kinds: str) -> list[Venue]:
    return [
        create_venue(
            name=f"Lieu {i}", slug=f"lieu-{i}", admin_email=f"a@lieu{i}.fr", kind=kind
        ).venue
        for i, kind in enumerate(kinds)
    ]


def test_only_the_allow_list_leaves_a_venue(venue_a):
    with pytest.raises(ValidationFailed) as refused:
        publish_venue_figures(venue=venue_a, season=SEASON, figures={"contact_emails": 3})
    assert refused.value.code == "figures.not_shareable"
    # A name smuggled as a value, a per-season figure published as "now": refused too.
    with pytest.raises(ValidationFailed):
        publish_venue_figures(venue=venue_a, season=SEASON, figures={"tickets": "Awa Diallo"})
    with pytest.raises(ValidationFailed):
        publish_venue_figures(venue=venue_a, season="", figures={"tickets": 3})
    assert not VenueFigures.objects.filter(venue=venue_a).exists()


def test_a_season_is_published_whole_and_logged(venue_a):
    publish_venue_figures(
        venue=venue_a, season=SEASON, figures={"tickets": 10, "revenue": 1500, "fill_rate": None}
    )
    publish_venue_figures(venue=venue_a, season=SEASON, figures={"tickets": 12})
    stored = dict(VenueFigures.objects.filter(venue=venue_a).values_list("key", "value"))
    assert stored == {"tickets": 12.0}
    events = AuditEvent.objects.filter(code="tenants.figures.published", object_id=venue_a.pk)
    assert events.count() == 2
    assert events.first().data["keys"] in (["tickets"], ["fill_rate", "revenue", "tickets"])


def test_the_median_needs_three_other_venues(venue_a, venue_b):
    set_venue_kind(venue=venue_a, kind=Venue.Kind.SMAC, actor=None)
    set_venue_kind(venue=venue_b, kind=Venue.Kind.SMAC, actor=None)
    c, d, e = make_venues(Venue.Kind.SMAC, Venue.Kind.SMAC, Venue.Kind.FESTIVAL)
    for venue, tickets in ((venue_a, 1), (venue_b, 100), (c, 200), (e, 900)):
        publish_venue_figures(venue=venue, season=SEASON, figures={"tickets": tickets})
    # Alpha's kind: beta and c have a value (d has none yet): two venues, no median.
    found = median_of_kind(
        kind=Venue.Kind.SMAC, season=SEASON, key="tickets", exclude_venue=venue_a
    )
    assert found.value is None and found.venues == 2 < MIN_VENUES
    # All venues: beta, c, e.
    assert (
        median_of_kind(kind=None, season=SEASON, key="tickets", exclude_venue=venue_a).value == 200
    )
    publish_venue_figures(venue=d, season=SEASON, figures={"tickets": 300})
    found = median_of_kind(
        kind=Venue.Kind.SMAC, season=SEASON, key="tickets", exclude_venue=venue_a
    )
    assert (found.value, found.venues) == (200, 3)  # 100, 200, 300: alpha's own 1 left out
    # A suspended venue is no longer compared with.
    d.status = Venue.Status.SUSPENDED
    d.save(update_fields=["status"])
    assert (
        medians(venue=venue_a, season=SEASON, keys=["tickets"], kind=Venue.Kind.SMAC)[
            "tickets"
        ].value
        is None
    )


def test_every_read_is_logged_in_the_cooperative_trail(venue_a, make_staff):
    staff = make_staff(venue_a)
    medians(
        venue=venue_a, season=SEASON, keys=["tickets", "last_sale_days"], kind=None, actor=staff
    )
    event = AuditEvent.objects.get(code="tenants.figures.compared")  # the public schema's
    assert event.object_id == venue_a.pk and event.actor_id is None
    assert str(staff) in event.actor_label and event.actor_kind == "user"
    # A figure that is not compared (the days since the last sale) is never read.
    assert event.data["keys"] == ["tickets"]


def test_kind_is_set_at_onboarding_and_by_the_cooperative(coop_admin, cooperative, client_for):
    client = client_for(cooperative, coop_admin)
    response = client.post(
        "/venues/new/",
        {"name": "Le Hangar", "slug": "hangar", "admin_email": "a@hangar.fr", "kind": "festival"},
    )
    assert response.status_code == 302
    hangar = Venue.objects.get(slug="hangar")
    assert hangar.kind == Venue.Kind.FESTIVAL
    client.post(f"/venues/{hangar.pk}/kind/", {f"v{hangar.pk}-kind": "small"})
    hangar.refresh_from_db()
    assert hangar.kind == Venue.Kind.SMALL
    assert AuditEvent.objects.filter(code="tenants.venue.kind_changed").exists()
    with pytest.raises(ValidationFailed):
        set_venue_kind(venue=hangar, kind="opera", actor=None)


def test_a_venue_publishes_only_its_own_figures(venue_a, venue_b):
    from tests.helpers import in_venue

    with in_venue(venue_a), pytest.raises(ValidationFailed) as refused:
        publish_venue_figures(venue=venue_b, season=SEASON, figures={"tickets": 1})
    assert refused.value.code == "figures.other_venue"
    with in_venue(venue_b):
        publish_venue_figures(venue=venue_b, season=SEASON, figures={"tickets": 1})
    assert list(VenueFigures.objects.values_list("venue_id", flat=True)) == [venue_b.pk]
