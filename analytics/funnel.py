"""The storefront's checkout funnel per week (show page → seats → cart → payment →
confirmation), from the steps ticketing's storefront records itself (CheckoutStep: one row
per visit, show and step reached; no third-party analytics).

The unit is a visit's path for one show: a visit that looked at two shows counts on each.
A visit may come in at any step (a link straight to a performance's seats), so a step can
count visits its previous step never saw; a conversion above 100 % says exactly that.

The days that are over are read from analytics' aggregate (FunnelDay, one row per day, show
and step, kept by analytics.funnel_services.refresh_funnel_days, hourly); the days after it
(today, or every day if the task never ran) from ticketing's rows, live, on its index on
day, show, step. Both give the same counts (tests): see docs/analytics.md, "Checkout
funnel", for the measurement."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Max, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from ticketing.models import CheckoutStep, Show

from .dashboard import Column, Dashboard, Table
from .models import FunnelDay
from .selectors import ratio

Step = CheckoutStep.Step
STEPS = list(Step)
WEEK_CHOICES = (13, 26, 52, 104)
DEFAULT_WEEKS = 52


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _aggregated_until() -> date | None:
    return FunnelDay.objects.aggregate(last=Max("day"))["last"]


def weekly_counts(
    *, since: date, show_id: int | None = None, until: date | None = None
) -> dict[tuple[date, int], int]:
    """{(week's Monday, step): visits} from `since` (a Monday) on: the aggregate for the days
    it holds (up to `until`), ticketing's rows read live after it."""
    counts: dict[tuple[date, int], int] = defaultdict(int)
    live_from = since
    if until is not None and until >= since:
        days = FunnelDay.objects.filter(day__gte=since, day__lte=until)
        if show_id:
            days = days.filter(show_id=show_id)
        grouped = (
            days.annotate(week=TruncWeek("day"))
            .values_list("week", "step")
            .annotate(n=Sum("visits"))
            .order_by()
        )
        for week, step, n in grouped:
            counts[(week, step)] += n
        live_from = until + timedelta(days=1)
    rows = CheckoutStep.objects.filter(day__gte=live_from)
    if show_id:
        rows = rows.filter(show_id=show_id)
    grouped = (
        rows.annotate(week=TruncWeek("day"))
        .values_list("week", "step")
        .annotate(n=Count("*"))
        .order_by()
    )
    for week, step, n in grouped:
        counts[(week, step)] += n
    return dict(counts)


def shows_seen(*, since: date, until: date | None = None) -> list[tuple[int, str]]:
    ids = set(
        FunnelDay.objects.filter(day__gte=since, step=Step.SHOW)
        .values_list("show_id", flat=True)
        .distinct()
        .order_by()
    )
    live_from = max(since, until + timedelta(days=1)) if until else since
    ids |= set(
        CheckoutStep.objects.filter(day__gte=live_from, step=Step.SHOW)
        .values_list("show_id", flat=True)
        .distinct()
        .order_by()
    )
    return list(Show.objects.filter(pk__in=ids).order_by("title").values_list("pk", "title"))


def build(*, weeks: int = DEFAULT_WEEKS, show_id: int | None = None) -> Dashboard:
    today = timezone.localdate()
    last = monday(today)
    since = last - timedelta(weeks=weeks - 1)
    until = _aggregated_until()
    counts = weekly_counts(since=since, show_id=show_id, until=until)
    board = Dashboard(season="", seasons=[], kpis=[])
    board.weeks = weeks
    board.show_id = show_id
    board.shows = shows_seen(since=since, until=until)
    board.since = since
    params = {"weeks": weeks, **({"show": show_id} if show_id else {})}
    board.export_params = urlencode(params)
    totals = {step: sum(n for (_w, s), n in counts.items() if s == step) for step in STEPS}
    board.kpis = _kpis(totals)
    board.tables["funnel"] = _funnel_table(totals)
    board.tables["weeks"] = _weeks_table(counts, since, weeks)
    return board


def _kpis(totals: dict[int, int]) -> list[dict]:
    def kpi(key, label, value, kind="int", url="#funnel"):
        return {"key": key, "label": label, "value": value, "kind": kind, "url": url}

    first, paid = totals[Step.SHOW], totals[Step.CONFIRMATION]
    return [
        kpi("visits", _("Visits to a show page"), first),
        kpi("carts", _("Carts"), totals[Step.CART]),
        kpi("orders", _("Confirmations"), paid),
        kpi("conversion", _("Overall conversion"), ratio(paid, first), "percent", "#weeks"),
    ]


def _funnel_table(totals: dict[int, int]) -> Table:
    rows, previous = [], None
    first = totals[Step.SHOW]
    for step in STEPS:
        n = totals[step]
        rows.append(
            {
                "step": str(step.label),
                "visits": n,
                "from_previous": ratio(n, previous) if previous is not None else None,
                "lost": max(previous - n, 0) if previous is not None else None,
                "overall": ratio(n, first),
            }
        )
        previous = n
    return Table(
        "funnel",
        _("Checkout funnel: visits reaching each step"),
        [
            Column("step", _("Step")),
            Column("visits", _("Visits"), "int"),
            Column("from_previous", _("From the previous step"), "percent"),
            Column("lost", _("Given up since the previous step"), "int"),
            Column("overall", _("From the show page"), "percent"),
        ],
        rows,
        chart={"type": "hbar", "x": "step", "series": [("visits", _("Visits"), "y")]},
        note=_(
            "A visit is one browser's path for one show. A visit can come in at a later step "
            "(a link straight to the seats), so a step may count more than the one before."
        ),
    )


def _weeks_table(counts: dict[tuple[date, int], int], since: date, weeks: int) -> Table:
    rows = []
    for i in range(weeks):
        week = since + timedelta(weeks=i)
        n = {step: counts.get((week, step), 0) for step in STEPS}
        rows.append(
            {
                "week": week,
                "show": n[Step.SHOW],
                "seats": n[Step.SEATS],
                "cart": n[Step.CART],
                "payment": n[Step.PAYMENT],
                "confirmation": n[Step.CONFIRMATION],
                "to_seats": ratio(n[Step.SEATS], n[Step.SHOW]),
                "to_cart": ratio(n[Step.CART], n[Step.SEATS]),
                "to_payment": ratio(n[Step.PAYMENT], n[Step.CART]),
                "to_confirmation": ratio(n[Step.CONFIRMATION], n[Step.PAYMENT]),
                "conversion": ratio(n[Step.CONFIRMATION], n[Step.SHOW]),
            }
        )
    return Table(
        "weeks",
        _("Checkout funnel by week"),
        [
            Column("week", _("Week of"), "date"),
            Column("show", str(Step.SHOW.label), "int"),
            Column("seats", str(Step.SEATS.label), "int"),
            Column("cart", str(Step.CART.label), "int"),
            Column("payment", str(Step.PAYMENT.label), "int"),
            Column("confirmation", str(Step.CONFIRMATION.label), "int"),
            Column("to_seats", _("Show page → seats"), "percent"),
            Column("to_cart", _("Seats → cart"), "percent"),
            Column("to_payment", _("Cart → payment"), "percent"),
            Column("to_confirmation", _("Payment → confirmation"), "percent"),
            Column("conversion", _("Overall conversion"), "percent"),
        ],
        rows,
        chart={
            "type": "bar",
            "x": "week",
            "series": [
                ("show", _("Visits to a show page"), "y"),
                ("conversion", _("Overall conversion"), "p"),
            ],
        },
        note=_("Each step on the day the visit reached it, in the venue's time."),
    )
