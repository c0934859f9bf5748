"""What ticketing reports (`record_purchase`, `record_attendance`, `record_refund`,
`record_exchange`): each is idempotent, its timeline event carries a `dedupe_key` under a
unique constraint, and the behaviour columns only move in the same transaction as a newly
inserted event."""

from datetime import date, datetime

from django.db import transaction
from django.db.models import F
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.accounts.models import User
from tenants.errors import ValidationFailed

from .. import criteria, statements, windows
from ..behaviour import (
    ATTENDANCE_WEIGHT,
    PURCHASE_WEIGHT,
    REFUND_WEIGHT,
    behaviour_settings,
    current_season,
    quarter_of,
    season_of,
)
from ..charter.rules import normalize_email, normalize_phone  # noqa: F401 (their old home)
from ..models import (
    Affinity,
    TimelineEvent,
)
from .common import _actor_label


def _check_report(*, occurred_at: datetime, counts: dict[str, int]) -> None:
    if timezone.is_naive(occurred_at):
        raise ValidationFailed(_("The time of the event must be timezone-aware."))
    for name, value in counts.items():
        if value < 0:
            raise ValidationFailed(
                _("%(name)s cannot be negative.") % {"name": name}, code="crm.negative", field=name
            )


def _check_references(**references: str) -> None:
    for name, value in references.items():
        if not (value or "").strip():
            raise ValidationFailed(
                _("A reference is required."), code="crm.reference_missing", field=name
            )


def _report_once(
    *,
    contact_id: int,
    counts: dict,
    before: list = (),
    pieces: list = (),
    busy_quarter: date | None = None,
    **event,
) -> bool:
    """Record a ticketing fact on the contact's timeline once (by its dedupe key) and update
    the contact's counts and behaviour tables with it (one statement), then its criteria and
    scores if they changed (at most one more); False if it was already recorded.

    Takes no savepoint of its own inside a caller's transaction (an order: two round trips
    fewer), so it must never fail after writing: a contact that does not exist (the foreign
    key is only checked at commit) gets its just-written event removed, and the error is
    raised once the block is left cleanly."""
    now = timezone.now()
    settings = behaviour_settings()  # once per report (cached in requests)
    season = current_season(now=now, start_month=settings.season_start_month)
    with transaction.atomic(savepoint=False):
        row = TimelineEvent(contact_id=contact_id, **event)
        reported = statements.report_once(
            row, counts, before=before, pieces=pieces, current_season=season
        )
        if not reported.known:
            TimelineEvent.objects.filter(pk=row.pk).delete()
        else:
            criteria.apply_report(contact_id, reported, now=now, settings=settings)
            if busy_quarter and reported.quarter_attendances == windows.BUSY_QUARTER_MIN:
                windows.mark_busy_quarter(contact_id, busy_quarter)
    if not reported.known:
        raise ValidationFailed(
            _("This contact does not exist (any more)."), code="crm.contact_unknown"
        )
    return reported.inserted


def _typed(
    *,
    show_id: int | None,
    performance_id: int | None,
    order_id: int | None,
    genres: list[str] | None,
    season: str | None,
    occurred_at: datetime,
) -> tuple[dict, list[str], str]:
    """The event's typed columns, its genres (cleaned) and its season (the date's, in the
    venue's seasons, when ticketing gives none)."""
    genres = sorted({(g or "").strip().lower()[:40] for g in genres or [] if (g or "").strip()})
    columns = {
        "show_id": show_id,
        "performance_id": performance_id,
        "order_id": order_id,
        "genre": genres[0] if genres else "",
    }
    return columns, genres, season or season_of(occurred_at)


def record_purchase(
    *,
    contact_id: int,
    order_reference: str,
    tickets: int,
    amount_cents: int,
    occurred_at: datetime,
    performance_label: str = "",
    channel: str = "",
    show_id: int | None = None,
    performance_id: int | None = None,
    order_id: int | None = None,
    genres: list[str] | None = None,
    season: str | None = None,
    actor: User | None = None,
) -> bool:
    """Count a purchase once per order. Returns False if this order was already recorded.
    `season`: the performance's season (crm.behaviour.season_of of its date); `genres`: the
    show's."""
    _check_report(occurred_at=occurred_at, counts={"tickets": tickets, "amount": amount_cents})
    _check_references(order_reference=order_reference)
    typed, genres, season = _typed(
        show_id=show_id,
        performance_id=performance_id,
        order_id=order_id,
        genres=genres,
        season=season,
        occurred_at=occurred_at,
    )
    # One statement, computed by PostgreSQL (LEAST/GREATEST ignore NULLs there), so concurrent
    # purchases of one contact never overwrite each other's counts.
    return _report_once(
        contact_id=contact_id,
        code="ticketing.purchase",
        dedupe_key=order_reference,
        occurred_at=occurred_at,
        actor_label=_actor_label(actor),
        data={
            "order": order_reference,
            "tickets": tickets,
            "amount_cents": amount_cents,
            "performance": performance_label,
            "channel": channel,
            "genres": genres,
            "season": season,
        },
        **typed,
        counts={
            "purchase_count": F("purchase_count") + 1,
            "tickets_bought": F("tickets_bought") + tickets,
            "amount_spent_cents": F("amount_spent_cents") + amount_cents,
            "first_purchase_at": Least(F("first_purchase_at"), occurred_at),
            "last_purchase_at": Greatest(F("last_purchase_at"), occurred_at),
        },
        pieces=[
            statements.season_upsert(
                contact_id, season, purchases=1, tickets=tickets, spend_cents=amount_cents
            ),
            statements.genre_upsert(contact_id, genres, purchases=1, purchased_at=occurred_at),
            statements.affinity_add(
                contact_id, Affinity.Kind.GENRE, genres, PURCHASE_WEIGHT, now=occurred_at
            ),
        ],
    )


def record_attendance(
    *,
    contact_id: int,
    ticket_reference: str,
    performance_label: str,
    occurred_at: datetime,
    show_id: int | None = None,
    performance_id: int | None = None,
    order_id: int | None = None,
    genres: list[str] | None = None,
    season: str | None = None,
    actor: User | None = None,
) -> bool:
    """Record an attendance once per ticket; returns False if this ticket was already
    recorded. The contact's behaviour counts performances, not tickets: a buyer's second
    ticket at the same performance (a companion) is on the timeline but counts nothing."""
    _check_report(occurred_at=occurred_at, counts={})
    _check_references(ticket_reference=ticket_reference)
    typed, genres, season = _typed(
        show_id=show_id,
        performance_id=performance_id,
        order_id=order_id,
        genres=genres,
        season=season,
        occurred_at=occurred_at,
    )
    first = statements.FIRST
    return _report_once(
        contact_id=contact_id,
        code="ticketing.attendance",
        dedupe_key=ticket_reference,
        occurred_at=occurred_at,
        actor_label=_actor_label(actor),
        data={
            "ticket": ticket_reference,
            "performance": performance_label,
            "genres": genres,
            "season": season,
        },
        **typed,
        counts={
            "attendance_count": F("attendance_count") + RawSQL(first, []),  # noqa: S611
            "first_attended_at": Least(F("first_attended_at"), occurred_at),
            "last_attended_at": Greatest(F("last_attended_at"), occurred_at),
            **({"genres_seen": statements.genres_seen_with(genres)} if genres else {}),
        },
        before=[
            statements.first_at_performance(contact_id, performance_id),
            statements.Piece(*windows.WINDOW_CTE),
        ],
        pieces=[
            statements.season_upsert(contact_id, season, attendances=first),
            statements.genre_upsert(
                contact_id,
                genres,
                attendances=first,
                attended_at=occurred_at,
                recent_genre=typed["genre"],
            ),
            statements.affinity_add(
                contact_id,
                Affinity.Kind.GENRE,
                genres,
                ATTENDANCE_WEIGHT,
                now=occurred_at,
                scale=first,
            ),
            statements.quarter_upsert(contact_id, quarter_of(occurred_at), attendances=first),
        ],
        busy_quarter=quarter_of(occurred_at),
    )


def record_refund(
    *,
    contact_id: int,
    order_reference: str,
    refund_reference: str,
    tickets: int,
    amount_cents: int,
    occurred_at: datetime,
    whole_order: bool = False,
    show_id: int | None = None,
    performance_id: int | None = None,
    order_id: int | None = None,
    genres: list[str] | None = None,
    season: str | None = None,
    actor: User | None = None,
) -> bool:
    """Count a refund once per (order, refund). Returns False if it was already counted.

    The purchase stays counted (it happened; the refund is counted apart). Tickets and spend
    come off the contact and the order's season; a `whole_order` refund also takes the
    order's weight off the genres' affinities. Totals are floored at zero rather than
    refused: the money has been returned in ticketing whatever crm knew (e.g. an order placed
    before crm recorded purchases)."""
    _check_report(occurred_at=occurred_at, counts={"tickets": tickets, "amount": amount_cents})
    _check_references(order_reference=order_reference, refund_reference=refund_reference)
    typed, genres, season = _typed(
        show_id=show_id,
        performance_id=performance_id,
        order_id=order_id,
        genres=genres,
        season=season,
        occurred_at=occurred_at,
    )
    pieces = [
        statements.season_decrease(contact_id, season, tickets=tickets, spend_cents=amount_cents)
    ]
    if whole_order and genres:
        pieces.append(
            statements.affinity_add(
                contact_id, Affinity.Kind.GENRE, genres, REFUND_WEIGHT, now=occurred_at
            )
        )
    return _report_once(
        contact_id=contact_id,
        code="ticketing.refund",
        dedupe_key=f"{order_reference}:{refund_reference}",
        occurred_at=occurred_at,
        actor_label=_actor_label(actor),
        data={
            "order": order_reference,
            "refund": refund_reference,
            "tickets": tickets,
            "amount_cents": amount_cents,
            "whole_order": whole_order,
            "season": season,
        },
        **typed,
        counts={
            "refund_count": F("refund_count") + 1,
            "tickets_bought": Greatest(F("tickets_bought") - tickets, 0),
            "amount_spent_cents": Greatest(F("amount_spent_cents") - amount_cents, 0),
        },
        pieces=pieces,
    )


def record_exchange(
    *,
    contact_id: int,
    order_reference: str,
    exchange_reference: str,
    tickets: int,
    difference_cents: int,
    occurred_at: datetime,
    performance_label: str = "",
    show_id: int | None = None,
    performance_id: int | None = None,
    order_id: int | None = None,
    genres: list[str] | None = None,
    season: str | None = None,
    from_season: str | None = None,
    from_genres: list[str] | None = None,
    from_amount_cents: int | None = None,
    whole_order: bool = False,
    actor: User | None = None,
) -> bool:
    """Record tickets moved to another performance (the typed columns name the new one),
    once per (order, exchange). The price difference (positive: paid, negative: credited)
    moves the contact's spend.

    The counts per season and genre follow the tickets when ticketing says where they came
    from (`from_season`, `from_genres`, `from_amount_cents`: the old performance's season
    and genres, what the old tickets cost): the tickets and their price leave the old season
    and the new price joins the new one; a `whole_order` exchange (no ticket of the order left
    at the old performance) also moves the order itself — the season's and the genres'
    purchase counts and the genres' affinity weight. Within one season (or without
    `from_*`), only the difference moves the season's spend. Floored at zero throughout."""
    _check_report(occurred_at=occurred_at, counts={"tickets": tickets})
    _check_references(order_reference=order_reference, exchange_reference=exchange_reference)
    typed, genres, season = _typed(
        show_id=show_id,
        performance_id=performance_id,
        order_id=order_id,
        genres=genres,
        season=season,
        occurred_at=occurred_at,
    )
    pieces = _exchange_seasons(
        contact_id,
        tickets=tickets,
        difference_cents=difference_cents,
        season=season,
        from_season=from_season,
        from_amount_cents=from_amount_cents,
        whole_order=whole_order,
    )
    if whole_order and from_genres is not None:
        before = _typed(
            show_id=None,
            performance_id=None,
            order_id=None,
            genres=from_genres,
            season=None,
            occurred_at=occurred_at,
        )[1]
        left, joined = sorted(set(before) - set(genres)), sorted(set(genres) - set(before))
        if left:
            pieces += [
                statements.genre_decrease(contact_id, left, purchases=1, name="go"),
                statements.affinity_add(
                    contact_id,
                    Affinity.Kind.GENRE,
                    left,
                    -PURCHASE_WEIGHT,
                    now=occurred_at,
                    name="ao",
                ),
            ]
        if joined:
            pieces += [
                statements.genre_upsert(contact_id, joined, purchases=1, purchased_at=occurred_at),
                statements.affinity_add(
                    contact_id, Affinity.Kind.GENRE, joined, PURCHASE_WEIGHT, now=occurred_at
                ),
            ]
    return _report_once(
        contact_id=contact_id,
        code="ticketing.exchange",
        dedupe_key=f"{order_reference}:{exchange_reference}",
        occurred_at=occurred_at,
        actor_label=_actor_label(actor),
        data={
            "order": order_reference,
            "exchange": exchange_reference,
            "tickets": tickets,
            "difference_cents": difference_cents,
            "performance": performance_label,
            "genres": genres,
            "season": season,
            **({"from_season": from_season} if from_season else {}),
        },
        **typed,
        counts={
            "amount_spent_cents": Greatest(F("amount_spent_cents") + difference_cents, 0),
        },
        pieces=pieces,
    )


def _exchange_seasons(
    contact_id: int,
    *,
    tickets: int,
    difference_cents: int,
    season: str,
    from_season: str | None,
    from_amount_cents: int | None,
    whole_order: bool,
) -> list:
    """The season rows an exchange changes: one statement may touch a row only once, so a
    move within one season is its net change (the difference)."""
    if from_season and from_amount_cents is not None and from_season != season:
        orders = 1 if whole_order else 0
        return [
            statements.season_decrease(
                contact_id,
                from_season,
                tickets=tickets,
                spend_cents=max(from_amount_cents, 0),
                purchases=orders,
                name="so",
            ),
            statements.season_upsert(
                contact_id,
                season,
                purchases=orders,
                tickets=tickets,
                spend_cents=max(from_amount_cents + difference_cents, 0),
            ),
        ]
    if difference_cents > 0:
        return [statements.season_upsert(contact_id, season, spend_cents=difference_cents)]
    if difference_cents < 0:
        return [
            statements.season_decrease(contact_id, season, tickets=0, spend_cents=-difference_cents)
        ]
    return []
