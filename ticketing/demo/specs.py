"""What a demo season is made of: shows with their dates and prices, programme changes, and
each kind of venue's sales profile (see `theatre` and `music`)."""

from __future__ import annotations

from dataclasses import dataclass

# (week from the current one, weekday 0 = Monday, "HH:MM" local time)
When = tuple[int, int, str]


@dataclass(frozen=True)
class ShowSpec:
    title: str
    genres: tuple[str, ...]
    artists: str
    description: str
    duration: int
    age: str
    hall: str
    dates: tuple[When, ...]
    prices: dict[str, dict[str, int]]  # category -> tariff code -> cents
    subtitle: str = ""
    accessibility: str = ""
    popularity: float = 1.0
    school_dates: tuple[int, ...] = ()  # indexes of dates sold to school groups only


@dataclass(frozen=True)
class Change:
    title: str
    index: int
    reason: str
    days_ago: int  # when the venue decided it
    weeks_later: int = 0  # reschedule only


@dataclass(frozen=True)
class Profile:
    fee_cents: int
    single_price: bool
    web_share: float
    identified_share: float  # counter buyers who give their name
    new_buyers: int  # people not yet in the contact base who buy during the season
    sizes: dict[int, int]  # tickets per order -> weight
    methods: dict[str, int]  # counter payment methods -> weight
    shows: tuple[ShowSpec, ...]
    cancel: Change
    reschedule: Change
    exchange: bool
    access_info: str
    doors_minutes: int
