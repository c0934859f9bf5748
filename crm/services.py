"""Writes on contacts, consents and the timeline (in the current venue's schema).

Ticketing calls `find_or_create_contact` to identify a buyer and `record_purchase`,
`record_attendance`, `record_refund` to report what happened. Each `record_*` is idempotent:
its timeline event carries a `dedupe_key` under a unique constraint, and the behaviour columns
only move in the same transaction as a newly inserted event.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, CharField, F, Func, Q, Subquery, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Greatest, Least, Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.accounts.models import User
from tenants.errors import ValidationFailed
from tenants.events.services import after_publish, build_event, publish

from . import criteria, statements, windows
from .behaviour import (
    ATTENDANCE_WEIGHT,
    PURCHASE_WEIGHT,
    REFUND_WEIGHT,
    behaviour_settings,
    current_season,
    quarter_of,
    season_of,
)
from .charter import rules as charter_rules
from .charter.rules import clean_email as _clean_email
from .charter.rules import normalize_email, normalize_phone  # noqa: F401 (their old home)
from .models import (
    Affinity,
    BehaviourSettings,
    Consent,
    Contact,
    ContactEmail,
    ContactRelation,
    Favourite,
    Language,
    RelationKind,
    Source,
    TimelineEvent,
)

# Sources of staff entering a contact: the data-entry charter's required fields bind them.
STAFF_SOURCES = frozenset({Source.BOX_OFFICE, Source.PHONE, Source.BACKOFFICE, Source.IMPORT})
# Fields `find_or_create_contact` may fill on an existing contact when they are blank there.
FILLABLE_FIELDS = ("first_name", "last_name", "phone", "postcode")
# The contact's column holding the current value of a channel's consent.
CONSENT_COLUMNS = {
    Consent.Channel.EMAIL_NEWSLETTER: "email_consent",
    Consent.Channel.SMS: "sms_consent",
}


def _actor_label(actor: User | None) -> str:
    return str(actor) if actor is not None else "system"


def _check_choice(value: str, choices, *, field: str) -> None:
    if value not in choices.values:
        raise ValidationFailed(
            _("Unknown value “%(value)s”.") % {"value": value},
            code=f"crm.{field}_invalid",
            field=field,
        )


def find_or_create_contact(
    *,
    email: str | None = None,
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    postcode: str = "",
    language: str = Language.FR,
    source: str,
    consents: dict[str, bool] | None = None,
    actor: User | None = None,
) -> Contact:
    """The venue's contact for this email, created if needed.

    An existing contact only gets its blank fields filled (what the venue already knows is never
    overwritten by what a buyer types). The email is looked up among primary and other
    addresses. Without an email (a counter buyer), an active contact with the same phone
    (E.164, main or other) and a compatible name, or the same first name, last name and
    postcode (accents and case aside), is that person; else a new contact is created (typos
    and the rest are the duplicate queue's job, crm.dedup). Concurrent calls with the same
    email end with one contact: the unique constraint decides and the loser re-reads the
    winner's row. `consents` holds only the choices the person actually expressed, by channel.
    """
    typed_email, email_normalized = _clean_email(email)
    _check_choice(source, Source, field="source")
    _check_choice(language, Language, field="language")
    for channel in consents or {}:
        _check_choice(channel, Consent.Channel, field="channel")
    # The venue's charter normalises what was typed; its required fields and strict formats
    # bind staff (the counter, imports) when a new contact is created, not a spectator online.
    staff = source in STAFF_SOURCES
    values = charter_rules.normalise_identity(
        {
            "first_name": first_name or "",
            "last_name": last_name or "",
            "phone": phone or "",
            "postcode": postcode or "",
        },
        staff=staff,
    )
    # Everything is checked: what follows only writes. Within a caller's transaction (an
    # order) it takes no savepoint of its own, two round trips fewer per order with a buyer.
    with transaction.atomic(savepoint=False):
        return _find_or_create(
            typed_email, email_normalized, values, language, source, consents, actor, staff
        )


def _find_or_create(
    typed_email: str,
    email_normalized: str,
    values: dict,
    language: str,
    source: str,
    consents: dict[str, bool] | None,
    actor: User | None,
    staff: bool,
) -> Contact:
    contact = _match_email(email_normalized) if email_normalized else _match_without_email(values)
    if contact is None:
        if staff:  # nothing written yet: the caller's transaction stays clean
            charter_rules.check_required({**values, "email": email_normalized})
        contact = Contact(
            email=typed_email,
            email_normalized=email_normalized,
            language=language,
            first_source=source,
            department=charter_rules.department_for(values["postcode"]),
            **values,
        )
        created = TimelineEvent(
            code="crm.contact.created", data={"source": source}, actor_label=_actor_label(actor)
        )
        # Its key and data get the new contact's id in the statement that writes them.
        event = build_event(
            code="crm.contact.created", key="contact:", data={"source": source}, actor=actor
        )
        # A concurrent call with the same email may insert first: then this one waits for it,
        # inserts nothing, and reads the winner's row (no savepoint needed for the race).
        if not statements.create_contact(contact, created, event):
            contact = Contact.objects.select_for_update().get(email_normalized=email_normalized)
        else:
            after_publish()
            _apply_consents(contact=contact, consents=consents, source=source, actor=actor)
            return contact

    filled = [name for name in FILLABLE_FIELDS if values[name] and not getattr(contact, name)]
    for name in filled:
        setattr(contact, name, values[name])
    if filled:
        written = list(filled)
        if "postcode" in filled:
            contact.department = charter_rules.department_for(contact.postcode, contact.country)
            written.append("department")
        contact.save(update_fields=[*written, "updated_at"])
        TimelineEvent.objects.create(
            contact=contact,
            code="crm.contact.completed",
            data={"source": source, "fields": filled},
            actor_label=_actor_label(actor),
        )
        publish(
            code="crm.contact.updated",
            key=f"contact:{contact.pk}",
            data={"contact_id": contact.pk, "source": source, "fields": filled},
            actor=actor,
        )
    _apply_consents(contact=contact, consents=consents, source=source, actor=actor)
    return contact


def _folded(expression):
    """Lowercase without accents, as indexed by crm_contact_name_postcode."""
    return Lower(Func(expression, function="crm_unaccent", output_field=CharField()))


def _match_email(email_normalized: str) -> Contact | None:
    """The contact holding this address as its primary or as an other email, locked; one
    query (two index probes in sub-selects, then the primary key)."""
    primary = Contact.objects.filter(email_normalized=email_normalized).values("pk")[:1]
    other = ContactEmail.objects.filter(email_normalized=email_normalized).values("contact_id")
    return (
        Contact.objects.select_for_update()
        .filter(pk=Coalesce(Subquery(primary), Subquery(other[:1])))
        .first()
    )


def _match_without_email(values: dict) -> Contact | None:
    """A counter buyer without email: the active contact with this phone (main or other) whose
    names do not contradict the buyer's (a household shares a landline, not a first name), or
    with the same first name, last name and postcode. One query, served by the partial indexes
    crm_contact_phone, crm_contact_other_phone and crm_contact_name_postcode."""
    phone, first, last, postcode = (
        values["phone"],
        values["first_name"],
        values["last_name"],
        values["postcode"],
    )
    by_name = bool(first and last and postcode)
    if not phone and not by_name:
        return None
    # Each arm of the OR repeats its index's predicate (`phone <> ''`…) so that PostgreSQL
    # combines the three partial indexes (BitmapOr) instead of scanning the table.
    found = Q()
    if phone:
        names = Q()
        for name, typed in (("first_name", first), ("last_name", last)):
            if typed:
                names &= Q(**{name: ""}) | Q(**{f"{name}_folded": _folded(Value(typed))})
        found |= Q(phone=phone) & ~Q(phone="") & names
        found |= Q(other_phone=phone) & ~Q(other_phone="") & names
    if by_name:
        found |= Q(
            ~Q(postcode=""),
            postcode=postcode,
            last_name_folded=_folded(Value(last)),
            first_name_folded=_folded(Value(first)),
        )
    return (
        Contact.objects.select_for_update(of=("self",))
        .alias(first_name_folded=_folded(F("first_name")), last_name_folded=_folded(F("last_name")))
        .filter(found, merged_into__isnull=True, anonymised_at__isnull=True)
        .order_by(Case(When(phone=phone or None, then=0), default=1), "pk")
        .first()
    )


def _apply_consents(
    *, contact: Contact, consents: dict[str, bool] | None, source: str, actor: User | None
) -> None:
    for channel, granted in (consents or {}).items():
        set_consent(contact=contact, channel=channel, granted=granted, source=source, actor=actor)


@transaction.atomic
def set_consent(
    *,
    contact: Contact,
    channel: str,
    granted: bool,
    source: str,
    recorded_at: datetime | None = None,
    actor: User | None = None,
    wording: str = "",
    ip_address: str | None = None,
    confirmed_at: datetime | None = None,
) -> Consent | None:
    """Append the contact's choice for a channel. Returns the new row, or None when the choice
    is the current one already (the row that proves it stays the latest)."""
    _check_choice(channel, Consent.Channel, field="channel")
    _check_choice(source, Source, field="source")
    # Lock the contact: two concurrent changes on a channel are applied one after the other.
    Contact.objects.select_for_update().filter(pk=contact.pk).values_list("pk").get()
    current = Consent.objects.filter(contact=contact, channel=channel).first()
    if current is not None and current.granted == bool(granted):
        return None
    consent = Consent.objects.create(
        contact=contact,
        channel=channel,
        granted=bool(granted),
        source=source,
        recorded_at=recorded_at or timezone.now(),
        actor_label=_actor_label(actor),
        wording=wording,
        ip_address=ip_address or None,
        confirmed_at=confirmed_at,
    )
    current_column = CONSENT_COLUMNS.get(channel)
    if current_column:
        Contact.objects.filter(pk=contact.pk).update(**{current_column: bool(granted)})
        setattr(contact, current_column, bool(granted))
    TimelineEvent.objects.create(
        contact=contact,
        code="crm.consent.granted" if granted else "crm.consent.withdrawn",
        occurred_at=consent.recorded_at,
        data={"channel": channel, "source": source},
        actor_label=consent.actor_label,
    )
    return consent


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


@transaction.atomic
def relate_contacts(
    *,
    contact_id: int,
    other_id: int,
    kind: str,
    source: str,
    data: dict | None = None,
    actor: User | None = None,
) -> bool:
    """Record that `contact` relates to `other` (read "contact came with other", "contact was
    referred by other"). Idempotent: False when the relation was known already. A symmetric
    relation already recorded the other way round counts as known."""
    _check_choice(kind, RelationKind, field="kind")
    _check_choice(source, Source, field="source")
    if contact_id == other_id:
        raise ValidationFailed(
            _("A contact cannot be related to itself."), code="crm.relation_self", field="other"
        )
    if (
        kind in SYMMETRIC_RELATIONS
        and ContactRelation.objects.filter(
            contact_id=other_id, other_id=contact_id, kind=kind
        ).exists()
    ):
        return False
    _relation, created = ContactRelation.objects.get_or_create(
        contact_id=contact_id,
        other_id=other_id,
        kind=kind,
        defaults={"source": source, "data": data or {}},
    )
    if created:
        TimelineEvent.objects.create(
            contact_id=contact_id,
            code="crm.relation.added",
            data={"kind": kind, "other": other_id, "source": source, **(data or {})},
            actor_label=_actor_label(actor),
        )
        if kind == RelationKind.REFERRED_BY:
            Contact.objects.filter(pk=other_id).update(referred_buyers=F("referred_buyers") + 1)
        # "relay" follows the buyers a prescriber brought; the others' criteria may follow
        # the relations a venue defines later: both are re-decided.
        criteria.refresh_criteria(contact_ids=[contact_id, other_id])
    return created


# Relations that read the same both ways ("came with", "friend of", "household").
SYMMETRIC_RELATIONS = frozenset(
    {RelationKind.CAME_WITH, RelationKind.FRIEND, RelationKind.HOUSEHOLD}
)


@transaction.atomic
def set_favourite(*, contact_id: int, show_id: int, favourite: bool) -> bool:
    """Put or take off a heart on a show. Returns True when something changed."""
    if favourite:
        changed = Favourite.objects.get_or_create(contact_id=contact_id, show_id=show_id)[1]
    else:
        changed = bool(Favourite.objects.filter(contact_id=contact_id, show_id=show_id).delete()[0])
    if changed:
        TimelineEvent.objects.create(
            contact_id=contact_id,
            code="crm.favourite.added" if favourite else "crm.favourite.removed",
            show_id=show_id,
            data={"show": show_id},
        )
    return changed


# --- Affinities and tags -------------------------------------------------------------------
MAX_AFFINITY_STEP = 100.0
MAX_TAGS = 50


@transaction.atomic
def add_affinity(
    *,
    contact_id: int,
    kind: str,
    key: str,
    weight: float,
    source: str = "",
    actor: User | None = None,
) -> float:
    """Add `weight` (may be negative) to the contact's affinity for a genre, theme or
    keyword — a quiz answer, a click — and return the new weight (floored at zero)."""
    _check_choice(kind, Affinity.Kind, field="kind")
    key = (key or "").strip().lower()
    if not key or len(key) > 60:
        raise ValidationFailed(
            _("An affinity needs a key of at most 60 characters."),
            code="crm.affinity_key_invalid",
            field="key",
        )
    if not isinstance(weight, int | float) or not -MAX_AFFINITY_STEP <= weight <= MAX_AFFINITY_STEP:
        raise ValidationFailed(
            _("An affinity weight is a number between -100 and 100."),
            code="crm.affinity_weight_invalid",
            field="weight",
        )
    if not Contact.objects.filter(pk=contact_id).exists():
        raise ValidationFailed(
            _("This contact does not exist (any more)."), code="crm.contact_unknown"
        )
    affinity, _created = Affinity.objects.select_for_update().get_or_create(
        contact_id=contact_id, kind=kind, key=key, defaults={"weight": 0}
    )
    affinity.weight = max(0.0, affinity.weight + float(weight))
    affinity.save(update_fields=["weight", "updated_at"])
    TimelineEvent.objects.create(
        contact_id=contact_id,
        code="crm.affinity.added",
        genre=key[:40] if kind == Affinity.Kind.GENRE else "",
        data={"kind": kind, "key": key, "weight": weight, "source": source},
        actor_label=_actor_label(actor),
    )
    return affinity.weight


def _clean_tags(tags: list[str]) -> list[str]:
    cleaned = []
    for tag in tags:
        tag = " ".join((tag or "").split())
        if not tag:
            continue
        if len(tag) > 50:
            raise ValidationFailed(
                _("A tag has at most 50 characters."), code="crm.tag_too_long", field="tags"
            )
        if tag.lower() not in {t.lower() for t in cleaned}:
            cleaned.append(tag)
    return cleaned


@transaction.atomic
def change_tags(
    *,
    contact_id: int,
    add: list[str] = (),
    remove: list[str] = (),
    actor: User | None = None,
) -> list[str]:
    """Put tags on a contact and take others off (case-insensitive: "Jeune public" and
    "jeune public" are one tag, kept as first typed). Returns the contact's tags; records the
    change in the audit trail and on the timeline when there is one."""
    from tenants.accounts.audit import record_event

    contact = Contact.objects.select_for_update().only("pk", "tags").get(pk=contact_id)
    before = list(contact.tags)
    removing = {t.lower() for t in _clean_tags(list(remove))}
    tags = [t for t in before if t.lower() not in removing]
    known = {t.lower() for t in tags}
    tags += [t for t in _clean_tags(list(add)) if t.lower() not in known]
    if len(tags) > MAX_TAGS:
        raise ValidationFailed(
            _("A contact has at most %(n)s tags.") % {"n": MAX_TAGS},
            code="crm.too_many_tags",
            field="tags",
        )
    if tags == before:
        return tags
    contact.tags = tags
    contact.save(update_fields=["tags", "updated_at"])
    added = [t for t in tags if t not in before]
    removed = [t for t in before if t not in tags]
    record_event(
        code="crm.contact.tags_changed",
        actor=actor,
        obj=contact,
        changes={"tags": (before, tags)},
    )
    TimelineEvent.objects.create(
        contact_id=contact_id,
        code="crm.tags.changed",
        data={"added": added, "removed": removed},
        actor_label=_actor_label(actor),
    )
    return tags


@transaction.atomic
def update_behaviour_settings(*, actor: User | None = None, **values) -> BehaviourSettings:
    """Change the venue's season start and criteria thresholds; every contact's criteria are
    re-decided once committed (Celery, crm.refresh_all_criteria)."""
    from tenants.accounts.audit import changed_fields, record_event

    current = BehaviourSettings.objects.select_for_update().get_or_create(singleton=True)[0]
    editable = {
        f.name for f in BehaviourSettings._meta.concrete_fields if f.editable and not f.primary_key
    }
    unknown = set(values) - editable
    if unknown:
        raise ValidationFailed(
            _("Unknown setting “%(name)s”.") % {"name": sorted(unknown)[0]},
            code="crm.setting_unknown",
        )
    changes = changed_fields(current, values)
    if not changes:
        return current
    for name, value in values.items():
        setattr(current, name, value)
    try:
        current.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ValidationFailed(messages[0], code="crm.setting_invalid", field=field) from None
    current.save(update_fields=[*changes, "updated_at"])
    record_event(code="crm.behaviour_settings.updated", actor=actor, obj=current, changes=changes)
    from .tasks import refresh_all_criteria_task

    # robust: the settings are saved whatever the broker does; the hourly pass and every
    # event re-decide contacts anyway.
    transaction.on_commit(lambda: refresh_all_criteria_task.delay(), robust=True)
    return current


def note_contact_viewed(*, contact: Contact, actor: User | None) -> None:
    """Every view of a contact page is in the audit trail (who looked at whom, when): one
    INSERT of a small row per view, no lock, no read. Not debounced: a spectator asking who
    consulted their record gets every consultation."""
    from tenants.accounts.audit import record_event

    record_event(code="crm.contact.viewed", actor=actor, obj=contact)
