"""The checkout funnel page: per week, the visits reaching each step, cross-checked to the
unit against the rows made here; the show filter, the exports, bad parameters, and a
second venue's isolation."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from analytics import funnel
from tenants.accounts.models import User
from tests.helpers import in_venue
from tests.ticketing.conftest import build_performance
from ticketing.models import CheckoutStep
from ticketing.services.funnel import record_checkout_step

pytestmark = pytest.mark.django_db
URL = "/backoffice/statistics/funnel/"
NOW = datetime(2026, 12, 9, 11, tzinfo=UTC)  # a Wednesday
THIS_WEEK, LAST_WEEK = date(2026, 12, 7), date(2026, 11, 30)
Step = CheckoutStep.Step


def steps(show_id, day, prefix, counts):
    """counts: visits reaching each step, show page first (visit i reaches the first n)."""
    rows = []
    for step, n in zip(Step, counts, strict=True):
        rows += [
            CheckoutStep(visit=f"{prefix}{i}", step=step, show_id=show_id, day=day)
            for i in range(n)
        ]
    CheckoutStep.objects.bulk_create(rows)


@pytest.fixture
def visits(venue_a):
    with time_machine.travel(NOW, tick=False), in_venue(venue_a):
        show_a = build_performance().show
        show_b = build_performance(name="Salle Vilar").show
        show_b.title = "Bérénice"
        show_b.save(update_fields=["title"])
        steps(show_a.pk, THIS_WEEK + timedelta(days=1), "a", [10, 6, 4, 3, 2])
        steps(show_b.pk, THIS_WEEK, "b", [3, 1, 1, 0, 0])
        steps(show_a.pk, LAST_WEEK + timedelta(days=6), "c", [5, 5, 2, 2, 1])
        # A visit straight to the seats (a shared link), this week.
        CheckoutStep.objects.create(
            visit="direct", step=Step.SEATS, show_id=show_a.pk, day=THIS_WEEK
        )
        # Older than 52 weeks: not counted.
        steps(show_a.pk, THIS_WEEK - timedelta(weeks=52), "old", [7, 7, 7, 7, 7])
        # Through the storefront's own function, twice: once per visit, show and step.
        record_checkout_step(visit="svc", step=Step.SHOW, show_id=show_b.pk)
        record_checkout_step(visit="svc", step=Step.SHOW, show_id=show_b.pk)
        yield show_a, show_b


def test_the_counts_match_the_rows_to_the_unit(venue_a, visits):
    show_a, show_b = visits
    with time_machine.travel(NOW, tick=False), in_venue(venue_a):
        board = funnel.build()
        rows = {r["step"]: r for r in board.tables["funnel"].rows}
        expected = {
            Step.SHOW: 10 + 3 + 5 + 1,
            Step.SEATS: 6 + 1 + 5 + 1,
            Step.CART: 4 + 1 + 2,
            Step.PAYMENT: 3 + 2,
            Step.CONFIRMATION: 2 + 1,
        }
        assert {s: rows[str(s.label)]["visits"] for s in Step} == expected
        assert (
            sum(expected.values())
            == CheckoutStep.objects.filter(day__gte=THIS_WEEK - timedelta(weeks=51)).count()
        )
        assert rows[str(Step.CART.label)]["from_previous"] == pytest.approx(7 / 13)
        assert rows[str(Step.CART.label)]["lost"] == 6
        assert rows[str(Step.CONFIRMATION.label)]["overall"] == pytest.approx(3 / 19)
        assert rows[str(Step.SHOW.label)]["from_previous"] is None
        weeks = board.tables["weeks"].rows
        assert len(weeks) == 52 and weeks[0]["week"] == THIS_WEEK - timedelta(weeks=51)
        this, last = weeks[-1], weeks[-2]
        assert (this["week"], last["week"]) == (THIS_WEEK, LAST_WEEK)
        assert [this[k] for k in ("show", "seats", "cart", "payment", "confirmation")] == [
            14,
            8,
            5,
            3,
            2,
        ]
        assert [last[k] for k in ("show", "seats", "cart", "payment", "confirmation")] == [
            5,
            5,
            2,
            2,
            1,
        ]
        assert this["to_cart"] == pytest.approx(5 / 8)
        assert this["conversion"] == pytest.approx(2 / 14)
        assert weeks[0]["conversion"] is None and weeks[0]["show"] == 0
        assert {k["key"]: k["value"] for k in board.kpis}["orders"] == 3
        assert board.shows == [(show_b.pk, "Bérénice"), (show_a.pk, show_a.title)]
        # One show.
        only_b = funnel.build(show_id=show_b.pk)
        assert [r["visits"] for r in only_b.tables["funnel"].rows] == [4, 1, 1, 0, 0]
        assert only_b.tables["funnel"].rows[3]["from_previous"] == 0
        # A shorter period.
        short = funnel.build(weeks=13)
        assert len(short.tables["weeks"].rows) == 13


def test_the_page_its_charts_and_exports(venue_a, visits, make_staff, client_for):
    show_a, _show_b = visits
    client = client_for(venue_a, make_staff(venue_a, User.Role.READ_ONLY))
    with time_machine.travel(NOW, tick=False):
        response = client.get(URL, {"show": show_a.pk})
        assert response.status_code == 200
        page = response.content.decode()
        assert 'data-chart="funnel"' in page and 'data-chart="weeks"' in page
        assert f"export=weeks&amp;format=csv&amp;weeks=52&amp;show={show_a.pk}" in page
        assert [c["key"] for c in response.context["charts"]] == ["funnel", "weeks"]
        csv = client.get(URL, {"show": show_a.pk, "export": "funnel", "format": "csv"})
        assert csv.status_code == 200 and "text/csv" in csv["Content-Type"]
        lines = csv.content.decode("utf-8-sig").strip().splitlines()
        assert len(lines) == 6 and lines[1].split(";")[1] == "15"  # 10 + 5 show pages of A
        xlsx = client.get(URL, {"export": "weeks", "format": "xlsx"})
        assert xlsx.status_code == 200 and "spreadsheetml" in xlsx["Content-Type"]
        assert client.get(URL, {"export": "nope"}).status_code == 404
        for bad in ({"weeks": "-3"}, {"weeks": "x"}, {"show": "abc"}, {"show": "99999999"}):
            assert client.get(URL, bad).status_code == 200


def test_who_may_open_it(venue_a, make_staff, client_for):
    assert client_for(venue_a).get(URL).status_code == 302
    page = client_for(venue_a, make_staff(venue_a, User.Role.DOOR)).get(URL)
    assert page.status_code == 200  # sales.view: every role


def test_the_page_costs_a_fixed_number_of_queries(
    venue_a, visits, make_staff, client_for, django_assert_max_num_queries
):
    client = client_for(venue_a, make_staff(venue_a, User.Role.READ_ONLY))
    with time_machine.travel(NOW, tick=False):
        client.get(URL)
        with django_assert_max_num_queries(8):
            assert client.get(URL).status_code == 200


def test_a_venue_sees_only_its_own_funnel(venue_a, venue_b, visits, make_staff, client_for):
    client = client_for(venue_b, make_staff(venue_b, User.Role.READ_ONLY))
    with time_machine.travel(NOW, tick=False):
        board = client.get(URL).context["board"]
    assert [r["visits"] for r in board.tables["funnel"].rows] == [0, 0, 0, 0, 0]
    assert board.shows == []


def test_the_aggregate_gives_the_same_counts_as_the_rows(venue_a, visits):
    from analytics.funnel_services import refresh_funnel_days
    from analytics.models import FunnelDay

    with time_machine.travel(NOW, tick=False), in_venue(venue_a):
        live = funnel.build()
        assert funnel._aggregated_until() is None
        written = refresh_funnel_days()
        assert written == FunnelDay.objects.count() > 0
        # Days that are over only: today's steps (a Wednesday) stay in ticketing's table.
        assert FunnelDay.objects.filter(day__gte=date(2026, 12, 9)).count() == 0
        total = sum(FunnelDay.objects.values_list("visits", flat=True))
        assert total == CheckoutStep.objects.filter(day__lt=date(2026, 12, 9)).count()
        mixed = funnel.build()
        assert funnel._aggregated_until() == THIS_WEEK + timedelta(days=1)
        for key in ("funnel", "weeks"):
            assert mixed.tables[key].rows == live.tables[key].rows
        assert mixed.shows == live.shows
        show_a, show_b = visits
        only_b = [r["visits"] for r in funnel.build(show_id=show_b.pk).tables["funnel"].rows]
        assert only_b == [4, 1, 1, 0, 0]
        # Twice: the same rows (the last two days grouped again, replaced whole).
        before = sorted(FunnelDay.objects.values_list("day", "show_id", "step", "visits"))
        refresh_funnel_days()
        assert sorted(FunnelDay.objects.values_list("day", "show_id", "step", "visits")) == before
        # A step written today is seen at once, and joins the aggregate tomorrow.
        record_checkout_step(visit="late", step=Step.CONFIRMATION, show_id=show_a.pk)
        rows = {r["step"]: r["visits"] for r in funnel.build().tables["funnel"].rows}
        assert rows[str(Step.CONFIRMATION.label)] == 4
    with time_machine.travel(NOW + timedelta(days=1), tick=False), in_venue(venue_a):
        refresh_funnel_days()
        assert FunnelDay.objects.get(day=date(2026, 12, 9), step=Step.CONFIRMATION).visits == 1
        rows = {r["step"]: r["visits"] for r in funnel.build().tables["funnel"].rows}
        assert rows[str(Step.CONFIRMATION.label)] == 4


def test_the_hourly_task_aggregates_each_venue_apart(venue_a, venue_b, visits):
    from analytics.models import FunnelDay
    from analytics.tasks import refresh_funnel_task

    with time_machine.travel(NOW, tick=False):
        with in_venue(venue_b):
            assert refresh_funnel_task() == 0
            assert not FunnelDay.objects.exists()
        with in_venue(venue_a):
            assert refresh_funnel_task() == FunnelDay.objects.count() > 0
