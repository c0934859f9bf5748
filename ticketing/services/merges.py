"""Orders and tickets follow crm's merges (ticketing.consumers, on crm.contact.merged and
crm.contact.unmerged): crm never imports ticketing, so ticketing moves its own rows.

A merge moves every order bought by, every invitation given by, and every ticket held by the
absorbed contact to the kept one, and writes one ContactMergeMove per row moved; undoing the
merge moves back exactly the rows that merge moved (still on the kept contact), so an order
the kept contact placed after the merge stays theirs. The events of one kept contact come in
order (one outbox key), and crm only undoes the latest merge of a pair, so chains of merges
unwind in the right order. See docs/contacts-behaviour.md ("Orders follow merges")."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from tenants.accounts.audit import record_event
from ticketing.models import ContactMergeMove, Order, Ticket

Kind = ContactMergeMove.Kind
# kind → (model, contact column)
MOVED = {
    Kind.ORDER_BUYER: (Order, "contact_id"),
    Kind.ORDER_INVITER: (Order, "invited_by_id"),
    Kind.TICKET_HOLDER: (Ticket, "holder_contact_id"),
}


@transaction.atomic
def follow_contact_merge(*, merge_id: int, kept_id: int, absorbed_id: int) -> dict[str, int]:
    """Move the absorbed contact's orders, invitations and held tickets to the kept contact.
    Idempotent: a second call finds nothing left on the absorbed contact."""
    counts = {}
    for kind, (model, column) in MOVED.items():
        rows = model.objects.select_for_update().filter(**{column: absorbed_id})
        ids = list(rows.order_by("pk").values_list("pk", flat=True))
        counts[kind] = len(ids)
        if not ids:
            continue
        ContactMergeMove.objects.bulk_create(
            [
                ContactMergeMove(
                    merge_id=merge_id,
                    kind=kind,
                    row_id=pk,
                    from_contact_id=absorbed_id,
                    to_contact_id=kept_id,
                )
                for pk in ids
            ],
            ignore_conflicts=True,
        )
        model.objects.filter(pk__in=ids).update(**{column: kept_id})
    if any(counts.values()):
        record_event(
            code="ticketing.contact_merge.followed",
            object_type="crm.contact",
            object_id=kept_id,
            data={"merge_id": merge_id, "absorbed_id": absorbed_id, **counts},
        )
    return counts


@transaction.atomic
def undo_contact_merge(*, merge_id: int, kept_id: int, absorbed_id: int) -> dict[str, int]:
    """Put back on the absorbed contact the rows this merge moved (those still on the kept
    contact). Idempotent: moves already undone are skipped."""
    moves = ContactMergeMove.objects.select_for_update().filter(
        merge_id=merge_id, undone_at__isnull=True
    )
    counts = {}
    for kind, (model, column) in MOVED.items():
        ids = [m.row_id for m in moves if m.kind == kind]
        counts[kind] = (
            model.objects.filter(pk__in=ids, **{column: kept_id}).update(**{column: absorbed_id})
            if ids
            else 0
        )
    moves.update(undone_at=timezone.now())
    if any(counts.values()):
        record_event(
            code="ticketing.contact_merge.undone",
            object_type="crm.contact",
            object_id=absorbed_id,
            data={"merge_id": merge_id, "kept_id": kept_id, **counts},
        )
    return counts
