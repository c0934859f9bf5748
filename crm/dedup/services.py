"""Duplicate candidates of the venue's base: the thresholds, the lookup for one record (imports,
counter), the refresh for one contact (event consumer) and for the whole base (Celery task),
and the steward's "not the same person".

How a contact meets its candidates without loading the base: the refresh stores each contact's
blocking keys (crm.dedup.engine.blocking_keys as strings) in ContactMatchKey, under a GIN index;
`find_duplicates_for` computes the keys of a record and asks for the contacts sharing one (one
query), then scores them with the engine (crm.dedup.engine.score_pair), the term frequencies
of the names and localities read from the same table (four small indexed counts).

For callers (the import branch, the API):

    from crm.dedup.services import find_duplicates_for
    from crm.dedup import Record
    find_duplicates_for(Record(first_name="Anne", last_name="Martin", postcode="69003"))
    → [(contact_id, score), …] best first, scores ≥ the venue's review threshold

A score ≥ `thresholds().auto_merge` means "the same person" (merge or update that contact);
between the two thresholds, a duplicate to review (create the contact, the refresh puts the
pair in the queue). Contacts merged into another or anonymised are never returned.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.accounts.audit import record_event
from tenants.accounts.models import User
from tenants.errors import Conflict, ValidationFailed

from ..models import Contact, ContactMatchKey, DedupSettings, DuplicateCandidate
from .engine import (
    Frequencies,
    blocking_keys,
    find_duplicates_normalized,
    prior_log_odds,
    score_pair,
)
from .records import Normalized, Record, normalize

log = logging.getLogger(__name__)

# At most this many contacts sharing a key with a record are scored (the most keys shared
# first): a very common name in the venue's own town must not cost thousands of comparisons.
LOOKUP_LIMIT = 200
KEY_LENGTH = 200
REFRESH_LOCK_SECONDS = 3600
EXPECTED_DUPLICATE_RATE = 0.1


def _label(actor: User | None) -> str:
    return str(actor) if actor is not None else "system"


@dataclass(frozen=True)
class Thresholds:
    review: float
    auto_merge: float


def get_settings() -> DedupSettings:
    settings = DedupSettings.objects.first()
    if settings is None:
        settings, _created = DedupSettings.objects.get_or_create(singleton=True)
    return settings


def thresholds() -> Thresholds:
    s = get_settings()
    return Thresholds(review=s.review_threshold, auto_merge=s.auto_merge_threshold)


@transaction.atomic
def update_dedup_settings(
    *, review_threshold: float, auto_merge_threshold: float, actor: User | None
) -> DedupSettings:
    """Set the venue's thresholds (0 < review ≤ automatic merge ≤ 1)."""
    if not 0 < review_threshold <= auto_merge_threshold <= 1:
        raise ValidationFailed(
            _("The review threshold must be above 0 and at most the automatic-merge threshold.")
            if review_threshold <= auto_merge_threshold
            else _("The automatic-merge threshold cannot be below the review threshold."),
            code="crm.dedup_thresholds_invalid",
            field="review_threshold",
        )
    settings = DedupSettings.objects.select_for_update().filter(singleton=True).first()
    if settings is None:
        settings = get_settings()
    changes = {
        name: (getattr(settings, name), value)
        for name, value in (
            ("review_threshold", review_threshold),
            ("auto_merge_threshold", auto_merge_threshold),
        )
        if getattr(settings, name) != value
    }
    if changes:
        for name, (_old, new) in changes.items():
            setattr(settings, name, new)
        settings.updated_by_label = _label(actor)
        settings.save()
        record_event(code="crm.dedup_settings.updated", actor=actor, obj=settings, changes=changes)
    return settings


# --- Keys and records ---------------------------------------------------------------------


def record_of(contact: Contact) -> Record:
    return Record(
        id=contact.pk,
        first_name=contact.first_name,
        last_name=contact.last_name,
        email=contact.email,
        phone=contact.phone,
        street=contact.address_line1,
        postcode=contact.postcode,
        town=contact.city,
    )


RECORD_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "address_line1",
    "postcode",
    "city",
)


def _record_from_values(values: tuple) -> Record:
    pk, first, last, email, phone, street, postcode, town = values
    return Record(
        id=pk,
        first_name=first,
        last_name=last,
        email=email,
        phone=phone,
        street=street,
        postcode=postcode,
        town=town,
    )


def key_strings(n: Normalized) -> list[str]:
    return sorted({"|".join(map(str, key))[:KEY_LENGTH] for key in blocking_keys(n)})


def _match_key_row(contact_id: int, n: Normalized) -> ContactMatchKey:
    return ContactMatchKey(
        contact_id=contact_id,
        keys=key_strings(n),
        first=n.first[:150],
        last_core=n.last_core[:150],
        postcode=n.postcode[:20],
        town=n.town[:100],
        updated_at=timezone.now(),
    )


def _save_match_key(contact_id: int, n: Normalized) -> None:
    row = _match_key_row(contact_id, n)
    ContactMatchKey.objects.update_or_create(
        contact_id=contact_id,
        defaults={f: getattr(row, f) for f in ("keys", "first", "last_core", "postcode", "town")}
        | {"updated_at": row.updated_at},
    )


def _frequencies(n: Normalized, others: list[Normalized]) -> Frequencies:
    """Term frequencies of the values at stake, read from the venue's match keys."""
    total = ContactMatchKey.objects.count() or 1
    freq = Frequencies(n=max(total, 1))
    everyone = [n, *others]
    for field, counter in (
        ("first", freq.first),
        ("last_core", freq.last),
        ("postcode", freq.postcode),
        ("town", freq.town),
    ):
        values = {getattr(x, field) for x in everyone} - {""}
        if values:
            rows = (
                ContactMatchKey.objects.filter(**{f"{field}__in": values})
                .values_list(field)
                .annotate(n=Count("pk"))
            )
            counter.update(dict(rows))
        for x in everyone:  # at least itself: a value seen once in the base
            counter[getattr(x, field)] = max(counter[getattr(x, field)], 1)
    return freq


def _candidates_sharing_keys(keys: list[str], exclude: set[int]) -> list[Record]:
    """Active contacts sharing at least one key with `keys`, most keys shared first."""
    if not keys:
        return []
    sql = f"""
        SELECT {", ".join(f"c.{f}" for f in RECORD_FIELDS)}
        FROM crm_contactmatchkey k JOIN crm_contact c ON c.id = k.contact_id
        WHERE k.keys && %s::varchar[] AND c.merged_into_id IS NULL AND c.anonymised_at IS NULL
          AND NOT (c.id = ANY(%s))
        ORDER BY cardinality(ARRAY(SELECT unnest(k.keys) INTERSECT SELECT unnest(%s::varchar[])))
          DESC, c.id
        LIMIT %s
    """  # noqa: S608 (column names are constants)
    with connection.cursor() as cursor:
        cursor.execute(sql, [keys, list(exclude), keys, LOOKUP_LIMIT])
        return [_record_from_values(row) for row in cursor.fetchall()]


def score_against_base(
    record: Record, *, exclude_ids: set[int] | None = None
) -> list[tuple[int, float, tuple[str, ...]]]:
    """Every active contact sharing a blocking key with `record`, scored: (id, score, reasons),
    best first, whatever the score."""
    n = normalize(record)
    exclude = set(exclude_ids or ())
    if record.id is not None:
        exclude.add(record.id)
    others = _candidates_sharing_keys(key_strings(n), exclude)
    if not others:
        return []
    normalized = [normalize(o) for o in others]
    freq = _frequencies(n, normalized)
    prior = prior_log_odds(freq.n, EXPECTED_DUPLICATE_RATE)
    scored = []
    for other, m in zip(others, normalized, strict=True):
        result = score_pair(n, m, freq, prior)
        scored.append((other.id, result.score, result.reasons))
    scored.sort(key=lambda x: (-x[1], x[0]))
    return scored


def find_duplicates_for(
    record: Record, *, threshold: float | None = None, exclude_ids: set[int] | None = None
) -> list[tuple[int, float]]:
    """The venue's active contacts that may be the person of `record`: (contact id, score),
    best first, score ≥ `threshold` (default: the venue's review threshold). See the module
    docstring for what the scores mean."""
    limit = thresholds().review if threshold is None else threshold
    return [
        (pk, score)
        for pk, score, _r in score_against_base(record, exclude_ids=exclude_ids)
        if score >= limit
    ]


# --- Candidates ---------------------------------------------------------------------------


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _upsert_candidates(matches: list[tuple[int, int, float, tuple[str, ...]]]) -> None:
    """Insert or re-score pairs; a pair already decided (merged, dismissed) keeps its
    decision and only gets its new score."""
    if not matches:
        return
    now = timezone.now()
    rows = [
        DuplicateCandidate(
            contact_low_id=low,
            contact_high_id=high,
            score=round(score, 4),
            reasons=list(reasons),
            created_at=now,
            scored_at=now,
        )
        for low, high, score, reasons in matches
    ]
    DuplicateCandidate.objects.bulk_create(
        rows,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["contact_low", "contact_high"],
        update_fields=["score", "reasons", "scored_at"],
    )


def _auto_merge(pairs: list[tuple[int, int]], *, auto: float) -> int:
    from .merging import MergeError, choose_kept, merge_contacts

    merged = 0
    for low, high in pairs:
        candidate = DuplicateCandidate.objects.filter(
            contact_low_id=low, contact_high_id=high, status=DuplicateCandidate.Status.PENDING
        ).first()
        if candidate is None or candidate.score < auto:
            continue
        keep_id, absorb_id = choose_kept(low, high)
        try:
            with transaction.atomic():
                merge_contacts(keep_id=keep_id, absorb_id=absorb_id, actor=None, automatic=True)
            merged += 1
        except MergeError as error:  # one of them was merged meanwhile: nothing to do
            log.info("dedup: automatic merge %s/%s skipped: %s", low, high, error.code)
    return merged


@transaction.atomic
def refresh_candidates_for(*, contact_id: int, auto_merge: bool = True) -> list[int]:
    """Re-score one contact against the base (after it was created or changed): its match keys,
    its pending candidates (new, re-scored, or gone when no longer similar), and an automatic
    merge for a pair at or above the venue's threshold. Returns the ids of its candidates."""
    contact = Contact.objects.filter(pk=contact_id).first()
    mine = Q(contact_low_id=contact_id) | Q(contact_high_id=contact_id)
    pending = DuplicateCandidate.objects.filter(mine, status=DuplicateCandidate.Status.PENDING)
    if contact is None or not contact.is_active:
        pending.delete()
        return []
    limits = thresholds()
    record = record_of(contact)
    _save_match_key(contact.pk, normalize(record))
    found = [
        (*_pair(contact.pk, pk), score, reasons)
        for pk, score, reasons in score_against_base(record)
        if score >= limits.review
    ]
    _upsert_candidates(found)
    keep = {(low, high) for low, high, _s, _r in found}
    stale = [c.pk for c in pending if (c.contact_low_id, c.contact_high_id) not in keep]
    DuplicateCandidate.objects.filter(pk__in=stale).delete()
    if auto_merge:
        _auto_merge(
            [(low, high) for low, high, s, _r in found if s >= limits.auto_merge],
            auto=limits.auto_merge,
        )
    return list(DuplicateCandidate.objects.filter(mine).values_list("pk", flat=True).order_by("pk"))


@dataclass
class RefreshReport:
    contacts: int
    pairs_compared: int
    candidates: int
    auto_merged: int
    seconds: float


class RefreshRunning(Conflict):
    code = "crm.dedup_refresh_running"


def refresh_all_candidates(*, auto_merge: bool = True) -> RefreshReport:
    """Re-score the venue's whole base (the Celery task `crm.refresh_duplicates`): match keys
    of every active contact rewritten, candidates found by the engine upserted, pending ones
    no longer similar deleted, pairs at or above the automatic threshold merged.

    One run at a time per venue (a lock in the cache, whose keys carry the venue's schema);
    running it twice does no harm (upserts; a merge skips a contact merged already)."""
    import time

    started = time.perf_counter()
    lock = "crm:dedup:refresh-running"
    if not cache.add(lock, 1, timeout=REFRESH_LOCK_SECONDS):
        raise RefreshRunning(_("A refresh of the duplicates is already running."))
    try:
        limits = thresholds()
        rows = list(
            Contact.objects.filter(merged_into__isnull=True, anonymised_at__isnull=True)
            .order_by("pk")
            .values_list(*RECORD_FIELDS)
        )
        records = [_record_from_values(r) for r in rows]
        normalized = [normalize(r) for r in records]
        ids = [r.id for r in records]
        with transaction.atomic():
            ContactMatchKey.objects.all().delete()
            ContactMatchKey.objects.bulk_create(
                [_match_key_row(pk, n) for pk, n in zip(ids, normalized, strict=True)],
                batch_size=2000,
            )
        result = find_duplicates_normalized(
            normalized,
            ids,
            auto_threshold=limits.auto_merge,
            review_threshold=limits.review,
            expected_duplicate_rate=EXPECTED_DUPLICATE_RATE,
        )
        found = [(*_pair(m.a, m.b), m.score, m.reasons) for m in result.matches]
        with transaction.atomic():
            _upsert_candidates(found)
            keep = {(low, high) for low, high, _s, _r in found}
            stale = [
                pk
                for pk, low, high in DuplicateCandidate.objects.filter(
                    status=DuplicateCandidate.Status.PENDING
                ).values_list("pk", "contact_low_id", "contact_high_id")
                if (low, high) not in keep
            ]
            DuplicateCandidate.objects.filter(pk__in=stale).delete()
        merged = 0
        if auto_merge:
            merged = _auto_merge(
                [(low, high) for low, high, s, _r in found if s >= limits.auto_merge],
                auto=limits.auto_merge,
            )
        return RefreshReport(
            contacts=len(records),
            pairs_compared=result.pairs_compared,
            candidates=len(found),
            auto_merged=merged,
            seconds=round(time.perf_counter() - started, 2),
        )
    finally:
        cache.delete(lock)


class CandidateDecided(Conflict):
    code = "crm.duplicate_decided"


@transaction.atomic
def dismiss_candidate(*, candidate_id: int, actor: User | None) -> DuplicateCandidate:
    """ "Not the same person": the pair leaves the queue for good (re-scoring keeps the
    decision, and no automatic merge will join them)."""
    candidate = DuplicateCandidate.objects.select_for_update().get(pk=candidate_id)
    if candidate.status != DuplicateCandidate.Status.PENDING:
        raise CandidateDecided(_("This pair was already decided."))
    candidate.status = DuplicateCandidate.Status.DISMISSED
    candidate.decided_at = timezone.now()
    candidate.decided_by_label = _label(actor)
    candidate.save(update_fields=["status", "decided_at", "decided_by_label"])
    record_event(
        code="crm.duplicate.dismissed",
        actor=actor,
        obj=candidate,
        data={
            "contacts": [candidate.contact_low_id, candidate.contact_high_id],
            "score": candidate.score,
        },
    )
    return candidate


def on_contact_event(event) -> None:
    """Event consumer (crm.contact.created, .updated, .merged, .unmerged): re-score the
    contacts it names."""
    data = event.data or {}
    for name in ("contact_id", "kept_id", "absorbed_id"):
        if data.get(name):
            refresh_candidates_for(contact_id=int(data[name]))
