"""The Goals page in a real browser, at desktop and phone sizes: an admin sets a goal
through the form and sees its progress; the checkout funnel page draws its two charts.
Without a console error."""

import os
from datetime import timedelta

import pytest

from tenants.accounts.models import User
from tests.browser.statistics_helpers import drawn_charts, log_in, open_statistics, watch_errors
from tests.helpers import PASSWORD, committed

pytestmark = [pytest.mark.django_db, pytest.mark.browser]
EMAIL = "browser-goals@alpha.test"
SHOW_ID = 987654321  # checkout steps of a show id nobody else uses


def _data():
    from decimal import Decimal

    from django.utils import timezone

    from analytics.goals.models import Goal
    from analytics.goals.selectors import previous_season, season_bounds
    from analytics.goals.services import create_goal
    from analytics.models import PerformanceSales
    from crm.behaviour import current_season
    from crm.integrity.models import IntegritySnapshot
    from ticketing.models import CheckoutStep

    admin = User.objects.create_user(EMAIL, PASSWORD, role=User.Role.ADMIN, full_name="Inès")
    season = current_season()
    for n, (name, tickets, web) in enumerate(
        [(previous_season(season), 130, 27), (season, 120, 37)] * 3
    ):
        PerformanceSales.objects.create(
            performance_id=900_000 + n,
            season=name,
            capacity=200,
            tickets=tickets,
            web_tickets=web,
            orders=tickets // 2,
            revenue_cents=tickets * 2200,
        )
    today = timezone.localdate()
    IntegritySnapshot.objects.create(
        day=today - timedelta(days=90), contacts=100, complete=40, average_score=60
    )
    # Another page's browser test may have taken today's snapshot already.
    IntegritySnapshot.objects.update_or_create(
        day=today, defaults={"contacts": 100, "complete": 55, "average_score": 70}
    )
    first, last = season_bounds(season)
    for indicator, mode, amount, start in (
        ("tickets", Goal.Mode.PERCENT, Decimal(10), None),
        ("online_share", Goal.Mode.ABSOLUTE, Decimal("0.35"), None),
        ("integrity", Goal.Mode.ABSOLUTE, Decimal("0.70"), 0.4),
    ):
        create_goal(
            actor=admin,
            indicator=indicator,
            season=season,
            mode=mode,
            amount=amount,
            starts_on=first,
            deadline=last,
            start_value=start,
        )
    rows, monday = [], today - timedelta(days=today.weekday())
    for week in range(12):
        day = monday - timedelta(weeks=week)
        for step, n in zip(CheckoutStep.Step, (60 + week * 3, 40 + week, 22, 15, 11), strict=True):
            rows += [
                CheckoutStep(visit=f"bw{week}-{i}", step=step, show_id=SHOW_ID, day=day)
                for i in range(n)
            ]
    CheckoutStep.objects.bulk_create(rows)


def _wipe():
    from analytics.goals.models import Goal, GoalDigest
    from analytics.models import PerformanceSales
    from crm.integrity.models import IntegritySnapshot
    from tenants.accounts.models import AuditEvent
    from ticketing.models import CheckoutStep

    Goal.objects.all().delete()
    GoalDigest.objects.all().delete()
    PerformanceSales.objects.filter(performance_id__gte=900_000).delete()
    IntegritySnapshot.objects.all().delete()
    CheckoutStep.objects.filter(show_id=SHOW_ID).delete()
    AuditEvent.objects.filter(code__startswith="analytics.goal.").delete()
    User.objects.filter(email=EMAIL).delete()


@pytest.fixture
def goals(venue_a):
    try:
        yield committed(venue_a, _data)
    finally:
        committed(venue_a, _wipe)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_an_admin_sets_a_goal_and_sees_its_progress(size, page, phone, url, venue_a, goals):
    tab = page if size == "desktop" else phone
    # (400: the form sent back with its errors, on purpose below)
    errors = watch_errors(tab, allowed=(400,))
    log_in(tab, url(venue_a, "/backoffice/statistics/goals/"), EMAIL)
    tab.wait_for_selector("#goal-form")
    assert tab.locator(".goal").count() == 3
    tab.select_option("#id_indicator", "tickets")
    tab.select_option("#id_mode", "absolute")
    tab.fill("#id_amount", "500")
    tab.fill("#id_label", "Billets de la saison")
    tab.locator("#goal-form button[type=submit]").first.click()
    card = tab.locator(".goal", has_text="Billets de la saison")
    card.wait_for()
    # 360 tickets sold of 500: 72 % of the way.
    assert card.locator("[role=progressbar]").get_attribute("aria-valuenow") == "72"
    assert (
        card.locator(".goal-figure a").get_attribute("href").startswith("/backoffice/statistics/")
    )
    # A deadline before the start: the form says so, nothing is added.
    tab.fill("#id_amount", "600")
    tab.fill("#id_deadline", "2001-01-01")
    tab.locator("#goal-form button[type=submit]").first.click()
    tab.wait_for_selector(".field-invalid #id_deadline")
    assert tab.locator(".goal").count() == 4
    tab.goto(url(venue_a, "/backoffice/statistics/goals/"))
    shots = os.environ.get("PARTERRE_SHOTS")
    if shots:
        tab.screenshot(path=f"{shots}/goals-goals-{size}.png", full_page=True)
        tab.goto(url(venue_a, "/backoffice/statistics/"))
        tab.wait_for_selector(".goal-card")
        tab.screenshot(path=f"{shots}/goals-sales-card-{size}.png")
    assert not errors


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_funnel_page_draws_its_charts(size, page, phone, url, venue_a, goals):
    tab = page if size == "desktop" else phone
    errors = open_statistics(tab, url(venue_a, "/backoffice/statistics/funnel/?weeks=13"), EMAIL)
    assert drawn_charts(tab) == {"funnel", "weeks"}
    shots = os.environ.get("PARTERRE_SHOTS")
    if shots:
        tab.screenshot(path=f"{shots}/goals-funnel-{size}.png", full_page=True)
    assert not errors
