"""Setting up the extras offered with a performance's tickets (their stock moves only through
ticketing.services.inventory.extras)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from tenants.accounts.audit import changed_fields, record_event
from ticketing.errors import InvalidRequest
from ticketing.models import Extra, Performance

EDITABLE = (
    "kind",
    "name",
    "description",
    "price_cents",
    "tax_rate_bp",
    "stock",
    "public",
    "is_active",
)


def _check(values: dict, *, sold: int = 0) -> None:
    if values.get("kind", Extra.Kind.OTHER) not in Extra.Kind.values:
        raise InvalidRequest(_("Unknown kind of extra."), field="kind")
    if not (values.get("name") or "").strip():
        raise InvalidRequest(_("Give the extra a name."), field="name")
    if not 0 <= values.get("price_cents", 0) <= 100_000_00:
        raise InvalidRequest(_("The price must be between 0 and 100,000 €."), field="price_cents")
    if not 0 <= values.get("tax_rate_bp", 0) <= 10_000:
        raise InvalidRequest(_("The VAT rate must be between 0 and 100 %."), field="tax_rate_bp")
    stock = values.get("stock")
    if stock is not None and stock < sold:
        raise InvalidRequest(
            _("%(n)s are sold already: the stock cannot be lower.") % {"n": sold}, field="stock"
        )


@transaction.atomic
def create_extra(*, performance: Performance, actor=None, **values) -> Extra:
    values = {k: v for k, v in values.items() if k in EDITABLE}
    _check(values)
    extra = Extra.objects.create(performance=performance, **values)
    record_event(
        code="ticketing.extra.created",
        actor=actor,
        obj=extra,
        data={"name": extra.name, "performance": performance.pk},
    )
    return extra


@transaction.atomic
def update_extra(*, extra: Extra, actor=None, **values) -> Extra:
    """Change an extra; the stock may not go below what is sold (the row is locked, so a sale
    in flight either counts first or waits)."""
    extra = Extra.objects.select_for_update().get(pk=extra.pk)
    values = {k: v for k, v in values.items() if k in EDITABLE}
    _check({**{k: getattr(extra, k) for k in EDITABLE}, **values}, sold=extra.sold)
    changes = changed_fields(extra, values)
    if changes:
        for name, (_old, new) in changes.items():
            setattr(extra, name, new)
        extra.save(update_fields=list(changes))
        record_event(code="ticketing.extra.updated", actor=actor, obj=extra, changes=changes)
    return extra
