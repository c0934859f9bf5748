"""The season's sales: how full each performance gets, who buys how many seats where, at which
tariff and how they pay, and when each sale happened. Sold through the order services; the
demo records each sale (`Sale`) to date it and attach its buyer afterwards."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from ticketing.demo.season import Perf, Sale, Season
from ticketing.models import Payment
from ticketing.services import orders
from ticketing.services.inventory import HoldRequest
from ticketing.services.orders import PaymentSpec, TariffChoice
from ticketing.specs import OrderTerms

INVITATION_REASONS = ("press", "artist", "partner", "professional")


def sell_all(season: Season, buyers: int, weights: list[float]) -> None:
    weights = list(itertools.accumulate(weights))  # cumulative: drawn once per order
    for perf in season.perfs:
        sold, target = 0, _target(season, perf)
        if perf.picker and perf.picker.wheelchair and season.rng.random() < 0.5:
            sold += _sell_one(season, perf, 2, buyers, weights, accessible=True)
        while sold < target:
            got = _sell_one(season, perf, None, buyers, weights, left=target - sold)
            if not got:
                break
            sold += got


def _target(season: Season, perf: Perf) -> int:
    rng = season.rng
    capacity = (perf.picker.remaining() if perf.picker else 0) + sum(perf.zones.values())
    if perf.school:
        fill = rng.uniform(0.7, 0.8)  # school groups, booked well ahead
    elif perf.starts_at <= season.now:
        fill = min(0.9, rng.uniform(0.3, 0.55) * perf.spec.popularity)
    else:
        weeks = (perf.starts_at - season.now) / timedelta(weeks=1)
        fill = (0.5 - 0.035 * weeks) * perf.spec.popularity * rng.uniform(0.85, 1.1)
        fill = max(0.10, min(0.80, fill))
    return int(capacity * fill)


def _sell_one(
    season: Season,
    perf: Perf,
    size: int | None,
    buyers: int,
    weights: list[float],
    accessible: bool = False,
    left: int = 20,
) -> int:
    rng, profile = season.rng, season.profile
    channel = "web" if rng.random() < profile.web_share else "box_office"
    # Associations, works councils, schools: a good share of a theatre's seats.
    group = perf.school or (channel == "box_office" and rng.random() < 0.06)
    invitation = (
        "invitation" in perf.spec.prices[perf.default_category]
        and channel == "box_office"
        and not group
        and rng.random() < 0.03
    )
    if size is None:
        if group:
            size = rng.randint(12, 20) if perf.school else rng.randint(8, 14)
        else:
            size = rng.choices(list(profile.sizes), list(profile.sizes.values()))[0]
        size = min(size, 2 if invitation else 20, max(left, 1))
    if perf.school or accessible:
        channel = "box_office"

    # Where: a seat map, or a general-admission zone (the balcony tempts a few).
    request, seat_ids, zone_id = None, [], None
    open_zones = [z for z, places in perf.zones.items() if places >= size]
    if perf.picker and (not open_zones or rng.random() < 0.12):
        seat_ids = perf.picker.take_accessible() if accessible else perf.picker.take(size, rng)
        if seat_ids:
            request = HoldRequest(seat_ids=seat_ids)
    if request is None and open_zones:
        zone_id = rng.choice(open_zones)
        request = HoldRequest(zones={zone_id: size})
    if request is None:
        return 0

    # What: the tariff of each place, and a payment of exactly the total (the services
    # price the order; the demo works the same total out, checked below).
    default, per_seat = _tariff_codes(season, perf, seat_ids, group=group, invitation=invitation)
    prices = [perf.price(sid, per_seat.get(sid, default)) for sid in seat_ids]
    if zone_id is not None:
        prices = [perf.price(None, default)] * size
    total = sum(price + season.settings.fee_for(price) for price in prices)
    method = _payment_method(season, channel, group=group)
    order = orders.sell(
        performance=perf.performance,
        request=request,
        tariffs=TariffChoice(
            default=season.tariffs[default],
            seats={sid: season.tariffs[code] for sid, code in per_seat.items()},
        ),
        payments=[PaymentSpec(method=method, amount_cents=total)] if total else [],
        channel=channel,
        actor=season.cashier if channel == "box_office" else None,
        # Invitations counted apart in every report, with a reason (no random draw: the rest
        # of the season's draws stay as they were).
        terms=OrderTerms(invitation_reason=INVITATION_REASONS[len(season.sales) % 4])
        if invitation
        else None,
    )
    if order.total_cents != total:  # the demo's arithmetic must agree with the services'
        raise RuntimeError(f"Order {order.reference}: paid {total}, priced {order.total_cents}")
    if zone_id is not None:
        perf.zones[zone_id] -= size
    # Who: people from the contact base, newcomers, or an anonymous counter buyer. The
    # buyer is attached after the sale is dated (see buyers.report_to_crm()).
    buyer = None
    if not perf.school and (
        channel == "web" or accessible or rng.random() < profile.identified_share
    ):
        buyer = rng.choices(range(buyers), cum_weights=weights)[0]
    season.sales.append(
        Sale(
            order_id=order.pk,
            reference=order.reference,
            perf=perf,
            channel=channel,
            method=method,
            tickets=size,
            total=total,
            sold_at=_sale_time(season, perf, channel),
            buyer=buyer,
            seats=seat_ids,
        )
    )
    return size


def _tariff_codes(
    season: Season, perf: Perf, seat_ids: list[int], *, group: bool, invitation: bool
) -> tuple[str, dict[int, str]]:
    """The default tariff code, and the seats that take another one."""
    if season.profile.single_price:
        return "unique", {}
    if invitation:
        return "invitation", {}
    if group:
        return "reduit", {}
    share = 0.55 if "jeune public" in perf.spec.genres else 0.3  # children, students...
    return "plein", {sid: "reduit" for sid in seat_ids if season.rng.random() < share}


def _payment_method(season: Season, channel: str, *, group: bool) -> str:
    if channel == "web":
        online = season.rng.random() >= 0.06  # a few went through the offline test provider
        return Payment.Method.ONLINE if online else Payment.Method.OFFLINE_TEST
    if group and Payment.Method.CHEQUE in season.profile.methods:
        return Payment.Method.CHEQUE  # schools and associations pay by cheque
    methods = season.profile.methods
    return season.rng.choices(list(methods), list(methods.values()))[0]


def _sale_time(season: Season, perf: Perf, channel: str) -> datetime:
    """Two thirds of the seats sell in the last two weeks before the show. In UTC: adding
    a duration to a local time would be off by an hour across a daylight-saving change."""
    rng, starts = season.rng, perf.starts_at
    latest = min(season.now - timedelta(minutes=30), starts - timedelta(minutes=10))
    if perf.sell_until:
        latest = min(latest, perf.sell_until)
    latest = latest.astimezone(UTC)
    earliest = max(season.season_open, starts - timedelta(days=80)).astimezone(UTC)
    if earliest >= latest:  # a show far ahead: on sale since the season opened
        earliest = season.season_open
    for _try in range(6):
        days = rng.uniform(0, 14) if rng.random() < 0.65 else rng.uniform(14, 80)
        day = timezone.localtime(starts - timedelta(days=days), season.tz).date()
        if channel == "web":  # any waking hour
            moment = season.local(day, rng.uniform(7.5, 23.5))
        elif day == timezone.localtime(starts, season.tz).date() and rng.random() < 0.5:
            moment = starts - timedelta(minutes=rng.uniform(5, 60))  # at the door
        else:
            if day.weekday() == 6:  # the box office is closed on Sundays
                day -= timedelta(days=1)
            moment = season.local(day, rng.uniform(13, 18.5))
        if earliest <= moment <= latest:
            return moment.astimezone(UTC)
    return earliest + (latest - earliest) * rng.random()
