"""What a sale charges: the venue's sales settings (fees, hold time) and the prices of a
performance. Reads only; every price a quote shows or a sale writes is looked up here and
computed by `selectors.quotes.quote`."""

from __future__ import annotations

import contextlib

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django_tenants.utils import schema_context

from tenants import generations
from ticketing.models import PerformanceZone, Price, SalesSettings

SALES_SETTINGS_KEY = "ticketing:sales_settings"  # the cache's KEY_FUNCTION adds the schema
SALES_SETTINGS_SECONDS = 300

# The venue's SalesSettings in this process (tenants/generations.py), then in Redis.
_SETTINGS = generations.LocalCache("sales_settings", size=512)


def sales_settings() -> SalesSettings:
    """The venue's SalesSettings (read only: use the services to change them): every hold
    and order needs them, and they change a few times a year. Kept in this process while the
    venue's generation is current, and in the cache; both forgotten when they are saved or
    deleted (below)."""
    found = _SETTINGS.get("current")
    if isinstance(found, SalesSettings):
        return found
    try:
        found = cache.get(SALES_SETTINGS_KEY)
    except Exception:  # the cache is an optimisation: without it, read the table
        found = None
    if not isinstance(found, SalesSettings):
        found = SalesSettings.current()
        with contextlib.suppress(Exception):  # same: the next call reads the table again
            cache.set(SALES_SETTINGS_KEY, found, SALES_SETTINGS_SECONDS)
    _SETTINGS.set("current", found)
    return found


@receiver([post_save, post_delete], sender=SalesSettings)
def _forget_sales_settings(**kwargs) -> None:
    schema = connection.schema_name
    generations.bump(schema)

    def forget() -> None:
        if connection.schema_name == schema:
            cache.delete(SALES_SETTINGS_KEY)
        else:
            with schema_context(schema):
                cache.delete(SALES_SETTINGS_KEY)

    forget()
    # Again once committed: a request may have cached the old row before the commit.
    transaction.on_commit(forget)


def price_table(
    performance_id: int, tariff_ids: set[int] | None = None
) -> dict[tuple[int, int], Price]:
    """(category id, tariff id) → Price, with its tariff, for every active tariff priced at
    this performance (or only these tariffs), in tariff order, in one query."""
    prices = Price.objects.select_related("tariff").filter(
        category__performance_id=performance_id, tariff__is_active=True
    )
    if tariff_ids is not None:
        prices = prices.filter(tariff_id__in=tariff_ids)
    return {
        (p.category_id, p.tariff_id): p for p in prices.order_by("tariff__order", "tariff__name")
    }


# What sale_prices read, per performance and tariff codes, in this process while the venue's
# generation is current (tenants/generations.py; ticketing/apps.py bumps it on writes to the
# programme, prices and tariffs).
_SALE_PRICES = generations.LocalCache("sale_prices", size=4096)


def sale_prices(*, performance_id: int, codes: set[str]) -> list[Price]:
    """The prices of these tariff codes at this performance, each with its tariff and its
    performance (layout and show included): what an order needs to read before it takes
    seats, in one query, or none when this process read them already. Empty when the
    performance does not exist. Read only: the objects may be shared between requests."""
    key = (performance_id, frozenset(codes))
    found = _SALE_PRICES.get(key)
    if found is not generations.MISSING:
        return found
    prices = list(
        Price.objects.select_related(
            "tariff", "category__performance__layout", "category__performance__show"
        ).filter(
            category__performance_id=performance_id, tariff__code__in=codes, tariff__is_active=True
        )
    )
    if prices:  # (a performance whose prices are still being written is not remembered)
        _SALE_PRICES.set(key, prices)
    return prices


# Standing zone → its price category, per process: a performance's zones are created with it
# and never change category, so an entry never goes stale (a zone not found is read again).
_ZONE_CATEGORIES = generations.LocalCache("zone_categories", size=4096)


def zone_categories(performance_id: int, zone_ids) -> dict[int, int]:
    """PerformanceZone id → price category id, for those of `zone_ids` that are zones of
    this performance: what pricing standing places needs before any place is taken."""
    found = _ZONE_CATEGORIES.get(performance_id)
    known = {} if found is generations.MISSING else found
    if not set(zone_ids) <= known.keys():
        known = dict(
            PerformanceZone.objects.filter(performance_id=performance_id).values_list(
                "id", "category_id"
            )
        )
        _ZONE_CATEGORIES.set(performance_id, known)
    return {zone_id: known[zone_id] for zone_id in zone_ids if zone_id in known}
