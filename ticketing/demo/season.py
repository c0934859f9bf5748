"""A venue's demo season while it is built: the programme (scheduled through the services) and,
in memory, every sale, refund, exchange and programme change made, so that later steps can
date them and tell crm (`sales`, `changes`, `backdating`, `buyers`)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from tenants.accounts.models import User
from ticketing.demo.seats import SeatPicker, layout_seats
from ticketing.demo.specs import Profile, ShowSpec, When
from ticketing.models import (
    Allocation,
    Layout,
    Performance,
    PerformanceZone,
    SalesSettings,
    Tariff,
)
from ticketing.services import programme
from ticketing.services.inventory import allocate_seats
from ticketing.services.programme import CategoryPlan

# Christmas, New Year's Day, Labour Day: the season's dates move a week rather than fall on them.
NO_SHOW_DAYS = {(12, 24), (12, 25), (1, 1), (5, 1)}
CAT1_COLOR, CAT2_COLOR, SINGLE_COLOR = "#8a1538", "#c9822b", "#1d5c63"


@dataclass
class Perf:
    performance: Performance
    spec: ShowSpec
    starts_at: datetime  # the real date (past performances are sold at a later one first)
    picker: SeatPicker | None
    zones: dict[int, int]  # PerformanceZone id -> places left
    categories: dict[int, str]  # seat rank -> price category, if not the default one
    default_category: str  # every other seat, and the general-admission zones
    school: bool = False
    sell_until: datetime | None = None

    def price(self, seat_id: int | None, tariff: str) -> int:
        rank = self.picker.by_id[seat_id].rank if seat_id else None
        return self.spec.prices[self.categories.get(rank, self.default_category)][tariff]


@dataclass
class Sale:
    order_id: int
    reference: str
    perf: Perf
    channel: str
    method: str
    tickets: int
    total: int
    sold_at: datetime
    buyer: int | None  # index into the buyer list, None for an anonymous counter buyer
    seats: list[int] = field(default_factory=list)


@dataclass
class Refund:
    sale: Sale
    at: datetime
    tickets: int
    amount: int


@dataclass
class Exchange:
    sale: Sale
    at: datetime
    tickets: list[int]
    hold: int
    payments: list[int]  # a top-up or a voucher, if the prices differed


class Season:
    def __init__(self, venue, profile: Profile, rng: random.Random):
        self.venue, self.profile, self.rng = venue, profile, rng
        self.tz = ZoneInfo(venue.timezone or "Europe/Paris")
        self.now = timezone.now()
        today = timezone.localtime(self.now, self.tz).date()
        self.monday = today - timedelta(days=today.weekday())
        self.season_open = self.now - timedelta(days=110)
        self.tariffs = dict(Tariff.objects.values_list("code", "id"))
        self.settings = SalesSettings.current()
        staff = User.objects.filter(is_active=True).order_by("pk")
        self.cashier = staff.filter(role=User.Role.BOX_OFFICE).first()
        self.admin = staff.filter(role=User.Role.ADMIN).first()
        self.perfs: list[Perf] = []
        self.sales: list[Sale] = []
        self.refunds: list[Refund] = []
        self.exchange: Exchange | None = None
        self.changes: list[tuple[int, datetime]] = []  # ProgrammeChange id -> decided at

    # Dates ---------------------------------------------------------------------------------
    def at(self, when: When) -> datetime:
        week, weekday, hhmm = when
        day = self.monday + timedelta(weeks=week, days=weekday)
        if (day.month, day.day) in NO_SHOW_DAYS:
            day += timedelta(weeks=1)
        hours, minutes = (int(p) for p in hhmm.split(":"))
        return datetime.combine(day, time(hours, minutes), tzinfo=self.tz)

    def local(self, day, hours: float) -> datetime:
        return datetime.combine(day, time(0, 0), tzinfo=self.tz) + timedelta(hours=hours)

    # Programme -----------------------------------------------------------------------------
    def schedule(self, layouts: dict[str, Layout]) -> None:
        seats = {key: layout_seats(layout) for key, layout in layouts.items()}
        for spec in self.profile.shows:
            show = programme.create_show(
                title=spec.title,
                subtitle=spec.subtitle,
                description=spec.description,
                artists=spec.artists,
                genres=list(spec.genres),
                duration_minutes=spec.duration,
                age_guidance=spec.age,
                accessibility_notes=spec.accessibility,
                # Concerts (variety shows) pay the show tax: 3.5 % of ticket revenue excl. VAT.
                show_tax_rate_bp=350 if "concert" in spec.genres else 0,
            )
            layout = layouts[spec.hall]
            plan = self.plan(spec, layout)
            # Cat. 1 is the rank-1 seats and Cat. 2 the rest, or one category for everything.
            categories = {1: "Cat. 1"} if len(plan) > 1 else {}
            default = plan[-1].name
            for index, when in enumerate(spec.dates):
                starts = self.at(when)
                scheduled = starts
                if starts <= self.now:
                    # Demo data only: the services rightly refuse to sell a performance that is
                    # over, so a past performance is scheduled the same weekday and hour some
                    # weeks ahead, sold, then moved back to its real date (backdating.py).
                    weeks = math.ceil((self.now - starts) / timedelta(weeks=1)) + 1
                    scheduled = starts + timedelta(weeks=weeks)
                performance = programme.schedule_performance(
                    show=show,
                    layout=layout,
                    starts_at=scheduled,
                    plan=plan,
                    doors_open_at=scheduled - timedelta(minutes=self.profile.doors_minutes),
                    access_info=self.profile.access_info,
                )
                zones = dict(
                    PerformanceZone.objects.filter(performance=performance).values_list(
                        "id", "capacity"
                    )
                )
                self.perfs.append(
                    Perf(
                        performance=performance,
                        spec=spec,
                        starts_at=starts,
                        picker=SeatPicker(seats[spec.hall]) if seats[spec.hall] else None,
                        zones=zones,
                        categories=categories,
                        default_category=default,
                        school=index in spec.school_dates,
                    )
                )

    def plan(self, spec: ShowSpec, layout: Layout) -> list[CategoryPlan]:
        if len(spec.prices) == 1:  # one category for every seat and zone
            ((name, prices),) = spec.prices.items()
            return [CategoryPlan(name=name, prices=prices, color=SINGLE_COLOR)]
        return [
            CategoryPlan(name="Cat. 1", ranks={1}, prices=spec.prices["Cat. 1"], color=CAT1_COLOR),
            CategoryPlan(name="Cat. 2", prices=spec.prices["Cat. 2"], color=CAT2_COLOR),
        ]

    def find(self, title: str, index: int) -> Perf:
        return [p for p in self.perfs if p.spec.title == title][index]

    def set_aside(self) -> None:
        """Press seats for a première, partner seats at a concert (public sale skips them)."""
        upcoming = [p for p in self.perfs if p.starts_at > self.now and p.picker]
        if not upcoming:
            return
        perf = (
            upcoming[0]
            if self.profile.single_price
            else next(
                (p for p in upcoming if len(p.spec.prices) > 1 and p.spec.hall == "grande"),
                upcoming[0],
            )
        )
        kind, name, ranks = (
            (Allocation.Kind.PARTNER, "Partenaires — radio locale", None)
            if self.profile.single_price
            else (Allocation.Kind.PRESS, "Presse — première", {1})
        )
        seat_ids = perf.picker.take(4 if self.profile.single_price else 6, self.rng, ranks)
        if seat_ids:
            allocate_seats(performance=perf.performance, kind=kind, name=name, seat_ids=seat_ids)
