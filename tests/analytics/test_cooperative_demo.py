"""The demo cooperative's figures: comparison venues with their own sales history, every
venue's figures published, enough venues of the Quai's kind for a median of its kind."""

import pytest

from analytics.cooperative import seasons_to_publish, venue_today
from demo import cooperative as demo
from tenants.models import Venue, VenueFigures
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db


def test_the_quai_has_three_venues_of_its_kind():
    kind = demo.KINDS["quai"]
    assert sum(1 for v in demo.COMPARISON_VENUES if v[3] == kind) >= 3


@pytest.mark.slow
def test_a_comparison_venue_publishes_its_own_history(monkeypatch):
    # One venue only: the history's temporary tables live until a commit, which a test's
    # transaction never makes.
    monkeypatch.setattr(demo, "COMPARISON_VENUES", demo.COMPARISON_VENUES[:1])
    demo.seed_cooperative()
    venue = Venue.objects.get(slug=demo.COMPARISON_VENUES[0][0])
    assert venue.kind == Venue.Kind.MUNICIPAL
    with in_venue(venue):
        seasons = seasons_to_publish(venue_today(venue))
    tickets = dict(
        VenueFigures.objects.filter(venue=venue, key="tickets").values_list("season", "value")
    )
    assert all(tickets[s] > 0 for s in seasons)
    first = set(VenueFigures.objects.values_list("venue_id", "season", "key", "value"))
    demo.seed_cooperative()  # again: nothing duplicated, the same figures
    assert set(VenueFigures.objects.values_list("venue_id", "season", "key", "value")) == first
