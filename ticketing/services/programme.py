"""Shows, performances, prices, programme changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from tenants.accounts.audit import changed_fields, record_event
from tenants.events.services import publish
from ticketing.errors import InvalidRequest
from ticketing.models import (
    Layout,
    Performance,
    PerformanceSeat,
    PerformanceZone,
    Price,
    PriceCategory,
    ProgrammeChange,
    SalesSettings,
    Seat,
    Show,
    Tariff,
)
from ticketing.services import images

# What a reschedule may move (and save).
RESCHEDULED_FIELDS = ("starts_at", "doors_open_at", "sale_closes_at", "status")


@dataclass
class CategoryPlan:
    name: str
    prices: dict[str, int]  # tariff code -> amount in cents
    ranks: set[int] = field(default_factory=set)  # seats of these ranks; empty = the rest
    zones: set[str] = field(default_factory=set)  # general-admission zones by name
    color: str = "#8a1538"


@transaction.atomic
def create_show(*, title: str, actor=None, **fields) -> Show:
    if not title.strip():
        raise InvalidRequest(_("Give the show a title."), field="title")
    base = slugify(title)[:180] or "spectacle"
    slug, n = base, 1
    while Show.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    show = Show.objects.create(title=title.strip(), slug=slug, **fields)
    if show.image:
        show.image_renditions = images.make_renditions(show.image)
        show.save(update_fields=["image_renditions"])
    record_event(code="ticketing.show.created", actor=actor, obj=show, data={"show": show.title})
    return show


SHOW_FIELDS = (
    "title",
    "subtitle",
    "description",
    "artists",
    "genres",
    "duration_minutes",
    "age_guidance",
    "accessibility_notes",
    "image_alt",
    "video_url",
    "show_tax_rate_bp",
)


@transaction.atomic
def update_show(
    *, show: Show, actor=None, image=None, remove_image: bool = False, **fields
) -> Show:
    """Change a show's text and picture (a new `image` replaces the old one and its copies;
    `remove_image` drops it). The slug, hence the show's address, stays."""
    unknown = set(fields) - set(SHOW_FIELDS)
    if unknown:
        raise InvalidRequest(_("Unknown field."), field=sorted(unknown)[0])
    if "title" in fields and not str(fields["title"]).strip():
        raise InvalidRequest(_("Give the show a title."), field="title")
    changes = changed_fields(show, fields)
    for name, value in fields.items():
        setattr(show, name, value.strip() if name == "title" else value)
    old_image, old_renditions = show.image.name if show.image else "", show.image_renditions
    if image is not None or (remove_image and old_image):
        show.image = image or ""
        show.image_renditions = {}
        show.save()
        if show.image:
            show.image_renditions = images.make_renditions(show.image)
        changes["image"] = {"from": old_image, "to": show.image.name if show.image else ""}
        old = old_image

        def forget() -> None:
            images.delete_renditions(old_renditions)
            if old:
                default_storage.delete(old)

        transaction.on_commit(forget)
    show.save()
    record_event(
        code="ticketing.show.updated",
        actor=actor,
        obj=show,
        data={"show": show.title, "changes": sorted(changes)},
    )
    return show


@transaction.atomic
def schedule_performance(
    *,
    show: Show,
    layout: Layout,
    starts_at: datetime,
    plan: list[CategoryPlan],
    status: str = Performance.Status.ON_SALE,
    sale_opens_at: datetime | None = None,
    sale_closes_at: datetime | None = None,
    doors_open_at: datetime | None = None,
    access_info: str = "",
    actor=None,
) -> Performance:
    """Create a performance, its price categories and its inventory (one row per seat, one
    counter per zone) in a few bulk statements."""
    if not plan:
        raise InvalidRequest(_("A performance needs at least one price category."), field="plan")
    if timezone.is_naive(starts_at):
        raise InvalidRequest(_("The start time needs a time zone."), field="starts_at")
    tariffs = {t.code: t for t in Tariff.objects.filter(is_active=True)}
    performance = Performance.objects.create(
        show=show,
        layout=layout,
        starts_at=starts_at,
        status=status,
        sale_opens_at=sale_opens_at,
        sale_closes_at=sale_closes_at,
        doors_open_at=doors_open_at,
        access_info=access_info,
    )
    categories = []
    for order, item in enumerate(plan):
        category = PriceCategory.objects.create(
            performance=performance, name=item.name, color=item.color, order=order
        )
        categories.append((item, category))
        prices = []
        for code, amount in item.prices.items():
            if code not in tariffs:
                raise InvalidRequest(_("Unknown tariff “%(code)s”.") % {"code": code}, field="plan")
            if amount < 0:
                raise InvalidRequest(_("A price cannot be negative."), field="plan")
            prices.append(Price(category=category, tariff=tariffs[code], amount_cents=amount))
        Price.objects.bulk_create(prices)
    fallback = next(
        (c for item, c in categories if not item.ranks and not item.zones), categories[-1][1]
    )
    by_rank = {rank: c for item, c in categories for rank in item.ranks}
    seats = Seat.objects.filter(section__layout=layout).values_list("id", "rank", "is_blocked")
    PerformanceSeat.objects.bulk_create(
        [
            PerformanceSeat(
                performance=performance,
                seat_id=seat_id,
                category=by_rank.get(rank, fallback),
                status=PerformanceSeat.Status.BLOCKED
                if blocked
                else PerformanceSeat.Status.AVAILABLE,
            )
            for seat_id, rank, blocked in seats
        ],
        batch_size=2000,
    )
    by_zone = {name: c for item, c in categories for name in item.zones}
    PerformanceZone.objects.bulk_create(
        [
            PerformanceZone(
                performance=performance,
                zone=zone,
                capacity=zone.capacity,
                category=by_zone.get(zone.name, fallback),
            )
            for zone in layout.zones.all()
        ]
    )
    record_event(
        code="ticketing.performance.scheduled",
        actor=actor,
        obj=performance,
        data={
            "performance": performance.pk,
            "show": show.title,
            "starts_at": starts_at.isoformat(),
        },
    )
    return performance


def _locked(performance: Performance) -> Performance:
    """The performance's row as it is now, locked, with its show (named in the audit trail)."""
    return (
        Performance.objects.select_for_update(of=("self",))
        .select_related("show")
        .get(pk=performance.pk)
    )


@transaction.atomic
def set_performance_status(*, performance: Performance, status: str, actor=None) -> Performance:
    if status not in (
        Performance.Status.DRAFT,
        Performance.Status.ON_SALE,
        Performance.Status.SOLD_OUT,
    ):
        raise InvalidRequest(_("Use cancel or reschedule for that."), field="status")
    # The row as it is now (not the caller's copy): what the change is from.
    performance = _locked(performance)
    changes = changed_fields(performance, {"status": status})
    performance.status = status
    performance.save(update_fields=["status"])
    record_event(
        code="ticketing.performance.status_changed",
        actor=actor,
        obj=performance,
        changes=changes,
        data={"performance": performance.pk, "show": performance.show.title, "status": status},
    )
    return performance


@transaction.atomic
def cancel_performance(
    *, performance: Performance, reason: str = "", actor=None
) -> ProgrammeChange:
    """Stop sales; record the change that campaigns use to tell every ticket holder.
    Refunds are a separate, deliberate step (the venue may offer exchanges first)."""
    performance = _locked(performance)
    if performance.status == Performance.Status.CANCELLED:
        raise InvalidRequest(_("This performance is already cancelled."))
    changes = changed_fields(performance, {"status": Performance.Status.CANCELLED})
    performance.status = Performance.Status.CANCELLED
    performance.save(update_fields=["status"])
    change = ProgrammeChange.objects.create(
        performance=performance,
        kind=ProgrammeChange.Kind.CANCELLED,
        previous_starts_at=performance.starts_at,
        reason=reason,
        actor_label=str(actor) if actor else "system",
    )
    record_event(
        code="ticketing.performance.cancelled",
        actor=actor,
        obj=performance,
        changes=changes,
        data={"performance": performance.pk, "show": performance.show.title, "reason": reason},
    )
    publish(
        code="ticketing.performance.cancelled",
        key=f"performance:{performance.pk}",
        data={"performance_id": performance.pk, "show_id": performance.show_id},
        actor=actor if getattr(actor, "pk", None) else None,
    )
    return change


@transaction.atomic
def reschedule_performance(
    *, performance: Performance, starts_at: datetime, reason: str = "", actor=None
) -> ProgrammeChange:
    performance = _locked(performance)
    if performance.status == Performance.Status.CANCELLED:
        raise InvalidRequest(_("A cancelled performance cannot be rescheduled."))
    if timezone.is_naive(starts_at):
        raise InvalidRequest(_("The start time needs a time zone."), field="starts_at")
    previous = performance.starts_at
    was = {name: getattr(performance, name) for name in RESCHEDULED_FIELDS}
    # Doors and the end of sales keep their distance to the start (None stays None); the
    # sale opening is left alone: a sale already open stays open.
    delta = starts_at - previous
    moved = {}
    for name in ("doors_open_at", "sale_closes_at"):
        before = getattr(performance, name)
        if before is not None:
            setattr(performance, name, before + delta)
            moved[name] = {"from": before.isoformat(), "to": (before + delta).isoformat()}
    performance.starts_at = starts_at
    if performance.status in Performance.SELLABLE:
        # Still on sale, at its new date: the storefront says so ("New date"). A sold-out
        # performance stays sold out, a draft stays a draft.
        performance.status = Performance.Status.RESCHEDULED
    performance.save(update_fields=list(RESCHEDULED_FIELDS))
    change = ProgrammeChange.objects.create(
        performance=performance,
        kind=ProgrammeChange.Kind.RESCHEDULED,
        previous_starts_at=previous,
        new_starts_at=starts_at,
        reason=reason,
        actor_label=str(actor) if actor else "system",
    )
    record_event(
        code="ticketing.performance.rescheduled",
        actor=actor,
        obj=performance,
        changes={
            name: (old, getattr(performance, name))
            for name, old in was.items()
            if getattr(performance, name) != old
        },
        data={
            "performance": performance.pk,
            "show": performance.show.title,
            "from": previous.isoformat(),
            "to": starts_at.isoformat(),
            "reason": reason,
            **moved,
        },
    )
    publish(
        code="ticketing.performance.rescheduled",
        key=f"performance:{performance.pk}",
        data={
            "performance_id": performance.pk,
            "show_id": performance.show_id,
            "old_starts_at": previous.isoformat(),
            "starts_at": starts_at.isoformat(),
        },
        actor=actor if getattr(actor, "pk", None) else None,
    )
    return change


@transaction.atomic
def ensure_default_tariffs() -> list[Tariff]:
    """Every venue starts with the usual tariffs and its sales settings row (idempotent)."""
    SalesSettings.current()
    defaults = [
        ("plein", "Plein tarif", Tariff.Kind.FULL, 0),
        ("unique", "Tarif unique", Tariff.Kind.SINGLE, 1),
        ("reduit", "Tarif réduit", Tariff.Kind.REDUCED, 2),
        ("invitation", "Invitation", Tariff.Kind.FREE, 3),
        ("pro", "Professionnel", Tariff.Kind.PROFESSIONAL, 4),
    ]
    for code, name, kind, order in defaults:
        Tariff.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "order": order,
                "public": kind not in (Tariff.Kind.FREE, Tariff.Kind.PROFESSIONAL),
            },
        )
    return list(Tariff.objects.all())


@transaction.atomic
def update_sales_settings(*, actor=None, **values) -> SalesSettings:
    settings = SalesSettings.current()
    changes = changed_fields(settings, values)
    for name, value in values.items():
        setattr(settings, name, value)
    settings.save(update_fields=list(values))
    record_event(
        code="ticketing.sales_settings.updated",
        actor=actor,
        obj=settings,
        changes=changes,
        data=values,
    )
    return settings


@transaction.atomic
def save_tariffs(*, rows: list[dict], actor=None) -> list[Tariff]:
    """Update existing tariffs (rows with an id), create the others with a code from the name.
    Each tariff created or changed is an event of its own."""
    saved = []
    for order, row in enumerate(rows):
        row = dict(row)
        tariff = Tariff.objects.filter(pk=row.pop("id", None) or 0).first()
        if tariff is not None:
            changes = changed_fields(tariff, row)
            for name, value in row.items():
                setattr(tariff, name, value)
            tariff.order = order
            tariff.save(update_fields=[*row, "order"])
            if changes:
                record_event(
                    code="ticketing.tariff.updated",
                    actor=actor,
                    obj=tariff,
                    changes=changes,
                    data={"tariff": tariff.name},
                )
        else:
            base = slugify(row["name"])[:36] or "tarif"
            code, n = base, 1
            while Tariff.objects.filter(code=code).exists():
                n += 1
                code = f"{base}-{n}"
            tariff = Tariff.objects.create(code=code, order=order, **row)
            record_event(
                code="ticketing.tariff.created",
                actor=actor,
                obj=tariff,
                data={"tariff": tariff.name, **{k: v for k, v in row.items() if k != "name"}},
            )
        saved.append(tariff)
    return saved
