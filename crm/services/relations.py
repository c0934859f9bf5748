"""Relations between contacts, favourite shows, affinities and tags."""

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from tenants.accounts.models import User
from tenants.errors import ValidationFailed

from .. import criteria
from ..charter.rules import normalize_email, normalize_phone  # noqa: F401 (their old home)
from ..models import (
    Affinity,
    Contact,
    ContactRelation,
    Favourite,
    RelationKind,
    Source,
    TimelineEvent,
)
from .common import _actor_label, _check_choice


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
