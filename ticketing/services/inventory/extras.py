"""Extras' stock: taken with the sale, given back when an order is cancelled or refunded.
Each change is one conditional UPDATE (the stock is a counter under a CHECK constraint), so
two buyers of the last programme book cannot both have it."""

from __future__ import annotations

from django.db.models import F, Q
from django.utils.translation import gettext as _

from ticketing.errors import ExtraSoldOut
from ticketing.models import Extra, OrderExtra


def take_extras(lines: list[tuple[Extra, int]]) -> None:
    """Count `quantity` of each extra as sold, or raise ExtraSoldOut (nothing is taken: the
    caller's transaction rolls back) when one has not enough left. In id order, the lock
    order of extras (they come last: hold → seats → zones → extras)."""
    for extra, quantity in sorted(lines, key=lambda line: line[0].pk):
        taken = (
            Extra.objects.filter(pk=extra.pk, is_active=True)
            .filter(Q(stock__isnull=True) | Q(sold__lte=F("stock") - quantity))
            .update(sold=F("sold") + quantity)
        )
        if not taken:
            left = Extra.objects.filter(pk=extra.pk).values_list("stock", "sold").first()
            n = max((left[0] or 0) - left[1], 0) if left and left[0] is not None else 0
            raise ExtraSoldOut(
                _("“%(name)s”: only %(n)s left.") % {"name": extra.name, "n": n}
                if n
                else _("“%(name)s” is sold out.") % {"name": extra.name},
                field="extras",
            )


def release_extras(order_id: int, *, status: str) -> list[OrderExtra]:
    """Give back the stock of an order's valid extras and mark them `status` (cancelled or
    refunded). Returns the lines released."""
    lines = list(
        OrderExtra.objects.select_for_update()
        .filter(order_id=order_id, status=OrderExtra.Status.VALID)
        .order_by("extra_id")
    )
    for line in lines:
        Extra.objects.filter(pk=line.extra_id).update(sold=F("sold") - line.quantity)
    OrderExtra.objects.filter(pk__in=[line.pk for line in lines]).update(status=status)
    return lines
