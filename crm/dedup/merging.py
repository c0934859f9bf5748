"""Merging two contacts into one, and undoing it.

`merge_contacts(keep_id=…, absorb_id=…, actor=…)` folds the absorbed contact into the kept one:

- timeline: the absorbed contact's rows move to the kept one (their ids are remembered); a row
  the kept contact holds already (same code and dedupe key: the same order reported on both)
  stays where it is;
- consents: every row moves too (the history is append-only and keeps its proofs). The
  current value per channel is the most protective one: a withdrawal on either contact wins
  over a grant on the other, whatever their dates, and a grant wins over "never asked". Why:
  the merge cannot know which identity the person thinks of as current, and the two mistakes
  are not equal: mailing someone who said no is a breach (GDPR art. 7(3): withdrawing must be
  as easy as granting, and it holds), leaving out someone who said yes once loses one
  newsletter until they subscribe again. When the kept contact's latest row on a channel does
  not say the resolved value, a row saying it is appended (source back office, "merge #n"), so
  that the latest row and the `email_consent` / `sms_consent` columns keep agreeing;
- other emails move; the absorbed contact's primary email becomes an other email of the kept
  one (or its primary if it had none) and is cleared on the absorbed row (addresses are unique);
- relations are re-pointed to the kept contact; one that would relate the contact to itself,
  or repeat a relation the kept contact has (either way round for symmetric kinds), is
  deleted (and remembered whole);
- behaviour: counters summed, first dates the earliest, last dates the latest, genres, types,
  tags and accessibility needs united; blank names, phones and a missing address filled from
  the absorbed contact (the kept contact's values win); per-season, per-genre and per-quarter
  rows and affinities summed into the kept contact's rows (copied when it has none),
  favourites copied. The absorbed contact's own rows are left as they were: it is excluded from
  lists, search and segments by `merged_into`, and its rows are the truth to restore;
- the absorbed contact keeps its row, `merged_into` set; contacts merged into it before now
  point at the kept one.

The Merge row's `snapshot` records each change: ids moved, rows created, rows deleted (whole),
and for every field changed on a kept row its value before and after. `unmerge_contacts` puts
each back. A field changed since the merge (a purchase recorded on the kept contact meanwhile)
is not overwritten: a counter gets the merge's share subtracted, any other field keeps its
newer value. So an unmerge right after a merge restores every row exactly
(tests/crm/test_merge.py compares them all), and a later one keeps what happened since.

Concurrency: both contacts are locked in one fixed order, lowest id first, whatever the
direction, then checked active. Two merges of the same pair, or A→B racing B→A, end with one
merge and a clean `MergeError` for the other, never a deadlock or a cycle.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.accounts.audit import record_event
from tenants.accounts.models import User
from tenants.errors import Conflict
from tenants.events.services import publish

from ..models import (
    Affinity,
    Consent,
    Contact,
    ContactEmail,
    ContactRelation,
    DuplicateCandidate,
    Favourite,
    GenreStats,
    Merge,
    QuarterStats,
    SeasonStats,
    Source,
    TimelineEvent,
)
from ..windows import recount_recent, refresh_busy_quarters

SNAPSHOT_VERSION = 1
COUNTERS = (
    "purchase_count",
    "tickets_bought",
    "amount_spent_cents",
    "attendance_count",
    "refund_count",
    "referred_buyers",
    "unused_credit_cents",
)
EARLIEST = ("first_purchase_at", "first_attended_at", "first_seen_at")
LATEST = ("last_purchase_at", "last_attended_at")
UNITED = ("genres_seen", "contact_types", "accessibility_needs", "tags")
NAMES = ("first_name", "last_name")
ADDRESS = ("address_line1", "address_line2", "postcode", "city", "country", "department")
CONSENT_COLUMNS = {
    Consent.Channel.EMAIL_NEWSLETTER: "email_consent",
    Consent.Channel.SMS: "sms_consent",
}
SYMMETRIC = frozenset({"came_with", "friend", "household"})

# Side tables summed into the kept contact: model, fields forming the key, counters (summed),
# latest dates (the later one).
SIDE_TABLES: tuple[tuple[type[models.Model], tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = (
    (SeasonStats, ("season",), ("purchases", "tickets", "spend_cents", "attendances"), ()),
    (
        GenreStats,
        ("genre",),
        ("purchases", "attendances", "recent_attendances"),
        ("last_purchased_at", "last_attended_at"),
    ),
    (QuarterStats, ("quarter",), ("attendances",), ()),
    (Affinity, ("kind", "key"), ("weight",), ()),
    (Favourite, ("show_id",), (), ()),
)


class MergeError(Conflict):
    code = "crm.merge_conflict"


def _label(actor: User | None) -> str:
    return str(actor) if actor is not None else "system"


def most_protective(a: bool | None, b: bool | None) -> bool | None:
    """The current consent of a merged contact: withdrawn if either withdrew, granted if
    either granted, unknown if neither was asked (see the module docstring)."""
    if a is False or b is False:
        return False
    if a is True or b is True:
        return True
    return None


# --- Values as JSON, and back -------------------------------------------------------------


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _field(model, name):
    return model._meta.get_field(name)


def _restore_value(model, name, value):
    field = _field(model, name)
    if value is None:
        return None
    return field.to_python(value)


def _row(obj: models.Model) -> dict:
    """Every concrete field of a row (attnames), JSON-ready."""
    return {f.attname: _plain(getattr(obj, f.attname)) for f in obj._meta.concrete_fields}


def _recreate(model, row: dict) -> None:
    values = {
        f.attname: _restore_value(model, f.name, row[f.attname])
        if not f.is_relation
        else row[f.attname]
        for f in model._meta.concrete_fields
    }
    obj = model(**values)
    # raw: auto_now / auto_now_add fields keep the values given.
    obj.save_base(raw=True, force_insert=True)


def _apply_changes(model, pk: int, before: dict, after: dict) -> dict:
    """Write `after` (changed fields of row pk) with an UPDATE (auto_now fields untouched)
    and return the change record {field: [before, after]}."""
    values = {name: _restore_value(model, name, v) for name, v in after.items()}
    model.objects.filter(pk=pk).update(**values)
    return {name: [before[name], after[name]] for name in after}


def _undo_changes(model, pk: int, changes: dict, counters: tuple[str, ...]) -> None:
    """Put back the fields a merge changed on row pk, unless they changed since: then a
    counter loses the merge's share and any other field keeps its newer value."""
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        return
    values = {}
    for name, (before, after) in changes.items():
        field = _field(model, name)
        current = _plain(getattr(obj, field.attname))
        if current == after:
            values[name] = _restore_value(model, name, before)
        elif name in counters and None not in (current, before, after):
            values[name] = current - (after - before)
    if values:
        model.objects.filter(pk=pk).update(**values)


# --- Locking ------------------------------------------------------------------------------


def _lock_pair(keep_id: int, absorb_id: int) -> tuple[Contact | None, Contact | None]:
    """Both contacts, locked lowest id first whatever the direction of the merge: two
    merges of one pair (either way round) queue on the same first row."""
    locked = {}
    for pk in sorted((keep_id, absorb_id)):
        locked[pk] = Contact.objects.select_for_update().filter(pk=pk).first()
    return locked[keep_id], locked[absorb_id]


def choose_kept(a_id: int, b_id: int) -> tuple[int, int]:
    """(keep, absorb) for an automatic merge: the contact with more history, else the older."""
    rows = dict(
        Contact.objects.filter(pk__in=(a_id, b_id)).values_list(
            "pk", models.F("purchase_count") + models.F("attendance_count")
        )
    )
    a, b = sorted((a_id, b_id))
    if rows.get(b, 0) > rows.get(a, 0):
        return b, a
    return a, b


# --- Merge --------------------------------------------------------------------------------


def _merged_contact_values(kept: Contact, absorbed: Contact) -> dict:
    """Fields of the kept contact that change, with their new values (model values)."""
    new: dict = {}
    for name in COUNTERS:
        add = getattr(absorbed, name) or 0
        if add:
            new[name] = getattr(kept, name) + add
    for name in EARLIEST + LATEST:
        a, b = getattr(kept, name), getattr(absorbed, name)
        if b is not None and (a is None or (b < a if name in EARLIEST else b > a)):
            new[name] = b
    if "first_seen_at" in new and absorbed.first_source:
        new["first_source"] = absorbed.first_source
    for name in UNITED:
        mine = list(getattr(kept, name))
        united = mine + [v for v in getattr(absorbed, name) if v not in mine]
        if united != mine:
            new[name] = united
    for name in NAMES:
        if not getattr(kept, name) and getattr(absorbed, name):
            new[name] = getattr(absorbed, name)
    # The address as a whole: the absorbed one when the kept contact has none, or has only the
    # same postcode (or town) without a street.
    no_street = not kept.address_line1 and absorbed.address_line1
    same_place = (kept.postcode or kept.city) and (
        kept.postcode == absorbed.postcode or kept.city == absorbed.city
    )
    if (no_street and (same_place or not (kept.postcode or kept.city))) or (
        not (kept.address_line1 or kept.postcode or kept.city)
        and (absorbed.postcode or absorbed.city)
    ):
        for name in ADDRESS:
            if getattr(kept, name) != getattr(absorbed, name):
                new[name] = getattr(absorbed, name)
    phones = [p for p in (kept.phone, kept.other_phone) if p]
    for phone in (absorbed.phone, absorbed.other_phone):
        if phone and phone not in phones:
            if not kept.phone and "phone" not in new:
                new["phone"] = phone
            elif not kept.other_phone and "other_phone" not in new:
                new["other_phone"] = phone
            phones.append(phone)
    if absorbed.notes and absorbed.notes not in kept.notes:
        new["notes"] = f"{kept.notes}\n\n{absorbed.notes}".strip()
    if not kept.email and absorbed.email:
        new["email"] = absorbed.email
        new["email_normalized"] = absorbed.email_normalized
    for column in CONSENT_COLUMNS.values():
        value = most_protective(getattr(kept, column), getattr(absorbed, column))
        if value != getattr(kept, column):
            new[column] = value
    return new


def _move_timeline(kept: Contact, absorbed: Contact) -> list[int]:
    taken = set(
        TimelineEvent.objects.filter(contact=kept, dedupe_key__isnull=False).values_list(
            "code", "dedupe_key"
        )
    )
    ids = [
        pk
        for pk, code, key in TimelineEvent.objects.filter(contact=absorbed).values_list(
            "pk", "code", "dedupe_key"
        )
        if key is None or (code, key) not in taken
    ]
    TimelineEvent.objects.filter(pk__in=ids).update(contact=kept)
    return sorted(ids)


def _move_relations(kept: Contact, absorbed: Contact) -> dict:
    moved, deleted = [], []
    relations = ContactRelation.objects.filter(Q(contact=absorbed) | Q(other=absorbed)).order_by(
        "pk"
    )
    for relation in relations:
        contact_id = kept.pk if relation.contact_id == absorbed.pk else relation.contact_id
        other_id = kept.pk if relation.other_id == absorbed.pk else relation.other_id
        repeats = ContactRelation.objects.filter(
            contact_id=contact_id, other_id=other_id, kind=relation.kind
        )
        if relation.kind in SYMMETRIC:
            repeats = repeats | ContactRelation.objects.filter(
                contact_id=other_id, other_id=contact_id, kind=relation.kind
            )
        if contact_id == other_id or repeats.exclude(pk=relation.pk).exists():
            deleted.append(_row(relation))
            relation.delete()
        else:
            moved.append([relation.pk, relation.contact_id, relation.other_id])
            ContactRelation.objects.filter(pk=relation.pk).update(
                contact_id=contact_id, other_id=other_id
            )
    return {"moved": moved, "deleted": deleted}


def _sum_side_tables(kept: Contact, absorbed: Contact) -> dict:
    report: dict[str, list] = {}
    for model, key, counters, latest in SIDE_TABLES:
        label = model._meta.label_lower
        entries = report.setdefault(label, [])
        mine = {tuple(getattr(r, k) for k in key): r for r in model.objects.filter(contact=kept)}
        for row in model.objects.filter(contact=absorbed).order_by("pk"):
            target = mine.get(tuple(getattr(row, k) for k in key))
            if target is None:
                copy = model(
                    **{
                        f.attname: getattr(row, f.attname)
                        for f in model._meta.concrete_fields
                        if not f.primary_key and f.name != "contact"
                    },
                    contact=kept,
                )
                copy.save_base(raw=True, force_insert=True)  # auto_now fields copied as they are
                entries.append({"id": copy.pk, "created": True, "row": _row(copy)})
                continue
            before, after = {}, {}
            for name in counters:
                add = getattr(row, name) or 0
                if add:
                    before[name] = getattr(target, name)
                    after[name] = getattr(target, name) + add
            for name in latest:
                a, b = getattr(target, name), getattr(row, name)
                if b is not None and (a is None or b > a):
                    before[name], after[name] = _plain(a), _plain(b)
            if after:
                entries.append(
                    {
                        "id": target.pk,
                        "created": False,
                        "changes": _apply_changes(model, target.pk, before, after),
                    }
                )
    return report


def _move_emails(kept: Contact, absorbed: Contact, merge_label: str) -> tuple[list, list]:
    moved = sorted(ContactEmail.objects.filter(contact=absorbed).values_list("pk", flat=True))
    ContactEmail.objects.filter(pk__in=moved).update(contact=kept)
    created = []
    if absorbed.email_normalized and kept.email:
        email = ContactEmail.objects.create(
            contact=kept,
            email=absorbed.email,
            email_normalized=absorbed.email_normalized,
            source=absorbed.first_source or Source.BACKOFFICE,
        )
        created.append(email.pk)
    return moved, created


def _resolve_consents(kept: Contact, new_values: dict, merge_label: str) -> list[int]:
    """Append a row where the kept contact's latest row per channel disagrees with the
    resolved value, so the latest row stays the current value."""
    created = []
    for channel, column in CONSENT_COLUMNS.items():
        resolved = new_values.get(column, getattr(kept, column))
        if resolved is None:
            continue
        latest = Consent.objects.filter(contact=kept, channel=channel).first()
        if latest is None or latest.granted != resolved:
            row = Consent.objects.create(
                contact=kept,
                channel=channel,
                granted=resolved,
                source=Source.BACKOFFICE,
                actor_label=merge_label,
            )
            created.append(row.pk)
    return created


@transaction.atomic
def merge_contacts(
    *,
    keep_id: int,
    absorb_id: int,
    actor: User | None,
    automatic: bool = False,
) -> Merge:
    """Fold contact `absorb_id` into contact `keep_id` (see the module docstring). Raises
    MergeError when they are the same, unknown, or either is merged or anonymised already."""
    if keep_id == absorb_id:
        raise MergeError(_("A contact cannot be merged with itself."), code="crm.merge_self")
    kept, absorbed = _lock_pair(keep_id, absorb_id)
    if kept is None or absorbed is None:
        raise MergeError(_("This contact does not exist (any more)."), code="crm.contact_unknown")
    if not kept.is_active or not absorbed.is_active:
        raise MergeError(
            _("One of these contacts was merged or anonymised meanwhile."),
            code="crm.merge_inactive",
        )
    low, high = sorted((keep_id, absorb_id))
    candidate = (
        DuplicateCandidate.objects.select_for_update()
        .filter(contact_low_id=low, contact_high_id=high)
        .first()
    )
    label = _label(actor)
    merge = Merge.objects.create(
        kept=kept,
        absorbed=absorbed,
        candidate=candidate,
        score=candidate.score if candidate else None,
        automatic=automatic,
        actor_label=label,
    )
    merge_label = f"merge #{merge.pk} ({label})"

    # The absorbed contact first: its primary email is freed before the kept one may take it.
    absorbed_changes = {"merged_into": merge.kept_id}
    if absorbed.email_normalized:
        absorbed_changes |= {"email": "", "email_normalized": ""}
    absorbed_snapshot = _apply_changes(
        Contact,
        absorbed.pk,
        {
            "merged_into": None,
            "email": absorbed.email,
            "email_normalized": absorbed.email_normalized,
        },
        absorbed_changes,
    )
    new_values = _merged_contact_values(kept, absorbed)
    kept_changes = _apply_changes(
        Contact,
        kept.pk,
        {name: _plain(getattr(kept, name)) for name in new_values},
        {name: _plain(value) for name, value in new_values.items()},
    )
    timeline = _move_timeline(kept, absorbed)
    consents_moved = sorted(Consent.objects.filter(contact=absorbed).values_list("pk", flat=True))
    Consent.objects.filter(pk__in=consents_moved).update(contact=kept)
    consents_created = _resolve_consents(kept, new_values, merge_label)
    emails_moved, emails_created = _move_emails(kept, absorbed, merge_label)
    relations = _move_relations(kept, absorbed)
    side = _sum_side_tables(kept, absorbed)
    refresh_busy_quarters([kept.pk])
    earlier = sorted(Contact.objects.filter(merged_into=absorbed).values_list("pk", flat=True))
    Contact.objects.filter(pk__in=earlier).update(merged_into=kept)
    # Pending pairs naming the absorbed contact leave the queue (the kept one is re-scored).
    others = DuplicateCandidate.objects.filter(
        Q(contact_low=absorbed) | Q(contact_high=absorbed), status=DuplicateCandidate.Status.PENDING
    )
    if candidate is not None:
        others = others.exclude(pk=candidate.pk)
    candidates_deleted = [_row(c) for c in others.order_by("pk")]
    others.delete()
    candidate_before = None
    if candidate is not None:
        candidate_before = {
            "status": candidate.status,
            "decided_at": _plain(candidate.decided_at),
            "decided_by_label": candidate.decided_by_label,
        }
        candidate.status = DuplicateCandidate.Status.MERGED
        candidate.decided_at = timezone.now()
        candidate.decided_by_label = label
        candidate.save(update_fields=["status", "decided_at", "decided_by_label"])
    event = TimelineEvent.objects.create(
        contact=kept,
        code="crm.contact.merged",
        data={"merge": merge.pk, "absorbed": absorbed.pk, "automatic": automatic},
        actor_label=label,
    )
    merge.snapshot = {
        "version": SNAPSHOT_VERSION,
        "kept": kept_changes,
        "absorbed": absorbed_snapshot,
        "timeline_moved": timeline,
        "timeline_created": [event.pk],
        "consents_moved": consents_moved,
        "consents_created": consents_created,
        "emails_moved": emails_moved,
        "emails_created": emails_created,
        "relations": relations,
        "side_tables": side,
        "merged_contacts": earlier,
        "candidates_deleted": candidates_deleted,
        "candidate": candidate_before,
    }
    merge.save(update_fields=["snapshot"])
    data = {
        "merge_id": merge.pk,
        "kept_id": kept.pk,
        "absorbed_id": absorbed.pk,
        "automatic": automatic,
        "score": merge.score,
    }
    record_event(code="crm.contact.merged", actor=actor, obj=kept, data=data)
    publish(code="crm.contact.merged", key=f"contact:{kept.pk}", data=data, actor=actor)
    return merge


class UnmergeError(Conflict):
    code = "crm.unmerge_conflict"


@transaction.atomic
def unmerge_contacts(*, merge_id: int, actor: User | None) -> Merge:
    """Undo a merge: both contacts as they were (see the module docstring); the pair is then
    marked "not the same person" so that no automatic merge joins them again."""
    merge = Merge.objects.filter(pk=merge_id).values("kept_id", "absorbed_id").first()
    if merge is None:
        raise UnmergeError(_("This merge does not exist."), code="crm.merge_unknown")
    kept, absorbed = _lock_pair(merge["kept_id"], merge["absorbed_id"])
    merge = Merge.objects.select_for_update().get(pk=merge_id)
    if merge.undone_at is not None:
        raise UnmergeError(_("This merge was undone already."), code="crm.merge_undone")
    if absorbed.merged_into_id != kept.pk or kept.merged_into_id is not None:
        raise UnmergeError(
            _("A later merge involves these contacts: undo it first."),
            code="crm.merge_not_latest",
        )
    s = merge.snapshot
    email = s["absorbed"].get("email_normalized", ["", ""])[0]
    if email:
        ContactEmail.objects.filter(pk__in=s["emails_created"]).delete()
        if (
            Contact.objects.filter(email_normalized=email).exclude(pk=kept.pk).exists()
            or ContactEmail.objects.filter(email_normalized=email).exists()
        ):
            raise UnmergeError(
                _("The address %(email)s now belongs to another contact.") % {"email": email},
                code="crm.unmerge_email_taken",
            )
    else:
        ContactEmail.objects.filter(pk__in=s["emails_created"]).delete()
    # The kept contact first: it may hold the absorbed contact's primary email.
    _undo_changes(Contact, kept.pk, s["kept"], COUNTERS)
    _undo_changes(Contact, absorbed.pk, s["absorbed"], ())
    Contact.objects.filter(pk=absorbed.pk).update(merged_into=None)
    TimelineEvent.objects.filter(pk__in=s["timeline_created"]).delete()
    TimelineEvent.objects.filter(pk__in=s["timeline_moved"], contact=kept).update(contact=absorbed)
    Consent.objects.filter(pk__in=s["consents_created"]).delete()
    Consent.objects.filter(pk__in=s["consents_moved"], contact=kept).update(contact=absorbed)
    ContactEmail.objects.filter(pk__in=s["emails_moved"], contact=kept).update(contact=absorbed)
    for pk, contact_id, other_id in s["relations"]["moved"]:
        ContactRelation.objects.filter(pk=pk).update(contact_id=contact_id, other_id=other_id)
    for row in s["relations"]["deleted"]:
        if not ContactRelation.objects.filter(pk=row["id"]).exists():
            _recreate(ContactRelation, row)
    for model, _key, counters, _latest in SIDE_TABLES:
        for entry in s["side_tables"].get(model._meta.label_lower, []):
            if entry["created"]:
                row = model.objects.filter(pk=entry["id"]).first()
                if row is not None and _row(row) == entry["row"]:
                    row.delete()
                elif row is not None:  # changed since: take the copied share back
                    changes = {c: [0, entry["row"][c]] for c in counters if entry["row"].get(c)}
                    _undo_changes(model, row.pk, changes, counters)
            else:
                _undo_changes(model, entry["id"], entry["changes"], counters)
    # Counted again from the split timelines and quarters (the window may have moved since).
    refresh_busy_quarters([kept.pk, absorbed.pk])
    recount_recent([kept.pk, absorbed.pk])
    Contact.objects.filter(pk__in=s["merged_contacts"], merged_into=kept).update(
        merged_into=absorbed
    )
    for row in s["candidates_deleted"]:
        if not DuplicateCandidate.objects.filter(
            contact_low_id=row["contact_low_id"], contact_high_id=row["contact_high_id"]
        ).exists():
            _recreate(DuplicateCandidate, row)
    label = _label(actor)
    now = timezone.now()
    if merge.candidate_id:
        DuplicateCandidate.objects.filter(pk=merge.candidate_id).update(
            status=DuplicateCandidate.Status.DISMISSED, decided_at=now, decided_by_label=label
        )
    merge.undone_at = now
    merge.undone_by_label = label
    merge.save(update_fields=["undone_at", "undone_by_label"])
    data = {"merge_id": merge.pk, "kept_id": kept.pk, "absorbed_id": absorbed.pk}
    record_event(code="crm.contact.unmerged", actor=actor, obj=kept, data=data)
    publish(code="crm.contact.unmerged", key=f"contact:{kept.pk}", data=data, actor=actor)
    return merge
