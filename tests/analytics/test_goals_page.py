"""The Goals page over HTTP (the form, its errors, who may do what), the Sales page's card,
a second venue's isolation, and the monthly digest sent once per venue and month."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from analytics import indicators
from analytics.goals import selectors
from analytics.goals.models import Goal, GoalDigest
from analytics.goals.services import create_goal, send_goal_digest
from analytics.goals.tasks import send_goal_digest_task
from crm.behaviour import current_season
from tenants.accounts.models import User
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db
URL = "/backoffice/statistics/goals/"


def form(venue, **changes):
    with in_venue(venue):
        season = current_season()
        first, last = selectors.season_bounds(season)
    data = {
        "indicator": "online_share",
        "season": season,
        "mode": "absolute",
        "amount": "30",
        "starts_on": first.isoformat(),
        "deadline": last.isoformat(),
        "label": "Vente en ligne",
    }
    return {**data, **changes}


def a_goal(venue, **extra):
    with in_venue(venue):
        season = current_season()
        first, last = selectors.season_bounds(season)
        return create_goal(
            actor=None,
            indicator=extra.pop("indicator", "tickets"),
            season=season,
            mode=extra.pop("mode", Goal.Mode.ABSOLUTE),
            amount=extra.pop("amount", Decimal(100)),
            starts_on=first,
            deadline=last,
            **extra,
        )


def test_an_admin_adds_a_goal_through_the_form(venue_a, make_staff, client_for):
    client = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN))
    page = client.get(URL)
    assert page.status_code == 200 and 'id="goal-form"' in page.content.decode()
    response = client.post(URL, form(venue_a))
    assert response.status_code == 302
    with in_venue(venue_a):
        made = Goal.objects.get()
    assert made.amount == Decimal("0.30") and made.label == "Vente en ligne"
    page = client.get(URL).content.decode()
    assert "Vente en ligne" in page and f'id="goal-{made.pk}"' in page
    # Money in euros, a growth in points of share.
    client.post(URL, form(venue_a, indicator="revenue", amount="12500.50", label="Recettes"))
    client.post(URL, form(venue_a, mode="units", amount="5", label="Points"))
    with in_venue(venue_a):
        assert Goal.objects.get(label="Recettes").amount == Decimal("1250050")
        assert Goal.objects.get(label="Points").amount == Decimal("0.05")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"indicator": "nope"}, "indicator", "Select a valid choice"),
        ({"amount": "beaucoup"}, "amount", "Enter a number"),
        ({"amount": "150"}, "amount", "between 0 and 100"),
        ({"amount": "1e40"}, "amount", ""),
        ({"deadline": "2001-01-01"}, "deadline", "before the start"),
        ({"starts_on": "31/02/2026"}, "starts_on", "valid date"),
        ({"indicator": "integrity", "mode": "percent", "amount": "5"}, "mode", "no previous"),
        ({"mode": "sideways"}, "mode", "Select a valid choice"),
        ({"season": "1900-1901"}, "season", "Select a valid choice"),
        ({"label": "x" * 300}, "label", "at most 120"),
    ],
)
def test_bad_input_is_a_form_error(venue_a, make_staff, client_for, changes, field, message):
    client = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN))
    response = client.post(URL, form(venue_a, **changes), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    with in_venue(venue_a):
        assert not Goal.objects.exists()


def test_an_admin_edits_and_archives_a_goal(venue_a, make_staff, client_for):
    made = a_goal(venue_a)
    client = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN))
    edit = f"{URL}{made.pk}/"
    shown = client.get(edit)
    assert shown.context["form"].initial["amount"] == Decimal(100)
    assert 'name="amount" value="100"' in shown.content.decode()
    share = a_goal(venue_a, indicator="online_share", amount=Decimal("0.3"))
    assert 'name="amount" value="30"' in client.get(f"{URL}{share.pk}/").content.decode()
    bad = client.post(edit, form(venue_a, indicator="tickets", amount="100", deadline="2001-01-01"))
    assert bad.status_code == 400 and "deadline" in bad.context["form"].errors
    assert client.post(edit, form(venue_a, indicator="tickets", amount="120")).status_code == 302
    with in_venue(venue_a):
        made.refresh_from_db()
        assert made.amount == Decimal(120)
    assert client.post(edit, {"action": "archive"}).status_code == 302
    with in_venue(venue_a):
        made.refresh_from_db()
        assert made.archived_at is not None
    assert client.get(edit).status_code == 404
    assert "Vente en ligne" not in client.get(URL).content.decode()


def test_who_may_see_and_who_may_set_goals(venue_a, make_staff, client_for):
    made = a_goal(venue_a)
    assert client_for(venue_a).get(URL).status_code == 302
    reader = client_for(venue_a, make_staff(venue_a, User.Role.READ_ONLY))
    page = reader.get(URL)
    assert page.status_code == 200 and page.context["form"] is None
    assert f'id="goal-{made.pk}"' in page.content.decode()
    assert "goal-form" not in page.content.decode()
    assert reader.post(URL, form(venue_a)).status_code == 403
    assert reader.get(f"{URL}{made.pk}/").status_code == 403
    assert reader.post(f"{URL}{made.pk}/", {"action": "archive"}).status_code == 403
    comms = client_for(venue_a, make_staff(venue_a, User.Role.COMMUNICATION))
    assert comms.post(URL, form(venue_a)).status_code == 403
    with in_venue(venue_a):
        assert Goal.objects.count() == 1 and Goal.objects.get().archived_at is None


def test_a_venue_sees_and_touches_only_its_own_goals(venue_a, venue_b, make_staff, client_for):
    made = a_goal(venue_a, label="Objectif de A")
    client = client_for(venue_b, make_staff(venue_b, User.Role.ADMIN))
    page = client.get(URL)
    assert page.status_code == 200 and page.context["rows"] == []
    assert "Objectif de A" not in page.content.decode()
    assert client.get(f"{URL}{made.pk}/").status_code == 404
    assert client.post(f"{URL}{made.pk}/", {"action": "archive"}).status_code == 404
    sales = client.get("/backoffice/statistics/")
    assert sales.status_code == 200 and sales.context["goals"] == []
    with in_venue(venue_a):
        assert Goal.objects.get().archived_at is None


def test_the_sales_page_shows_a_goals_card_for_one_query(
    venue_a, make_staff, client_for, django_assert_num_queries
):
    a_goal(venue_a, label="Billets")
    client = client_for(venue_a, make_staff(venue_a, User.Role.READ_ONLY))
    page = client.get("/backoffice/statistics/").content.decode()
    assert "goal-card" in page and "Billets" in page
    with in_venue(venue_a):
        selectors.goals_progress()  # the Goals page keeps the measures
        with django_assert_num_queries(1):
            [row] = selectors.goals_summary()
        assert row.goal.label == "Billets"


def test_the_tab_bar_names_the_goals_and_funnel_pages(venue_a, make_staff, client_for):
    client = client_for(venue_a, make_staff(venue_a, User.Role.READ_ONLY))
    page = client.get(URL).content.decode()
    assert 'href="/backoffice/statistics/funnel/"' in page
    assert 'href="/backoffice/statistics/goals/" aria-current="page"' in page


# --- The monthly digest ---------------------------------------------------------------------
def test_the_digest_goes_once_a_month_to_the_admins(venue_a, venue_b, make_staff):
    make_staff(venue_a, User.Role.ADMIN, email="boss@a.test")
    make_staff(venue_a, User.Role.ADMIN, email="gone@a.test", is_active=False)
    make_staff(venue_a, User.Role.COMMUNICATION, email="comms@a.test")
    make_staff(venue_b, User.Role.ADMIN, email="boss@b.test")
    with time_machine.travel(datetime(2026, 12, 3, 8, tzinfo=UTC), tick=False):
        a_goal(venue_a, label="Billets de la saison")
        a_goal(venue_a, indicator="online_share", amount=Decimal("0.3"))
        with in_venue(venue_a):
            admins = sorted(
                User.objects.filter(role=User.Role.ADMIN, is_active=True).values_list(
                    "email", flat=True
                )
            )
            assert "boss@a.test" in admins and "gone@a.test" not in admins
            assert send_goal_digest_task() == len(admins)
            assert send_goal_digest() is None  # the month's digest is sent
            send_goal_digest_task()
        with in_venue(venue_b):
            assert send_goal_digest() is None  # no goal there: nothing to say
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.bcc == admins and "comms@a.test" not in message.bcc
    assert "décembre 2026" in message.subject  # in the venue's language, French by default
    assert "Billets de la saison" in message.body
    html = message.alternatives[0][0]
    assert "Billets de la saison" in html and "/backoffice/statistics/goals/" in html
    with in_venue(venue_a):
        digest = GoalDigest.objects.get()
        assert (digest.month, digest.recipients, digest.goals) == (
            date(2026, 12, 1),
            len(admins),
            2,
        )
    late = datetime(2026, 12, 31, 22, 30, tzinfo=UTC)  # 23:30 in Paris: still December
    with time_machine.travel(late, tick=False), in_venue(venue_a):
        assert send_goal_digest() is None
    january = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 in Paris: January's digest
    with time_machine.travel(january, tick=False), in_venue(venue_a):
        assert send_goal_digest() is not None
        assert GoalDigest.objects.count() == 2
    assert len(mail.outbox) == 2


def test_the_goals_page_costs_a_bounded_number_of_queries(
    venue_a, make_staff, client_for, django_assert_max_num_queries
):
    for key in ("tickets", "revenue", "online_share", "fill_rate", "basket_seats"):
        a_goal(venue_a, indicator=key, amount=Decimal("0.5"))
    client = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN))
    client.get(URL)
    # The goals, each indicator on its season and the previous one, the session and user.
    with django_assert_max_num_queries(18):
        assert client.get(URL).status_code == 200


def test_a_failing_indicator_is_no_data_not_an_error(venue_a, make_staff, client_for, monkeypatch):
    def broken(season):
        raise RuntimeError("the audience tables are not there yet")

    monkeypatch.setitem(
        indicators._REGISTRY, "broken", indicators.Indicator("broken", "Cassé", "int", broken)
    )
    a_goal(venue_a, indicator="broken", label="Cassé")
    page = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN)).get(URL)
    assert page.status_code == 200
    [row] = page.context["rows"]
    assert row.state == selectors.NO_DATA
