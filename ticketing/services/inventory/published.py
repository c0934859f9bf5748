"""What the storefront shows of the inventory is cached for a second or two
(selectors.seatmaps.public_availability); every change of a seat or standing place drops
that cache for its performance, at once and again when the transaction commits (a visitor
who read the old rows in between may have stored them: the second drop removes them; at
worst they live AVAILABILITY_TTL_S)."""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import transaction

from ticketing.selectors.seatmaps import availability_keys

log = logging.getLogger(__name__)


def _drop(keys: list[str]) -> None:
    try:
        cache.delete_many(keys)
    except Exception:  # the entries expire by themselves within seconds
        log.warning("availability cache not dropped: %s", keys, exc_info=True)


def availability_changed(performance_ids) -> None:
    ids = sorted({pk for pk in performance_ids if pk})
    keys = [key for pk in ids for key in availability_keys(pk)]
    if not keys:
        return
    _drop(keys)
    transaction.on_commit(lambda: _drop(keys))
