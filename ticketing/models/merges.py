"""Which orders and tickets ticketing moved when crm merged two contacts, so that undoing
the merge puts exactly those back (ticketing.services.merges)."""

from django.db import models


class ContactMergeMove(models.Model):
    """One row moved from the absorbed contact to the kept one by a merge."""

    class Kind(models.TextChoices):
        ORDER_BUYER = "order_contact"  # Order.contact
        ORDER_INVITER = "order_invited_by"  # Order.invited_by
        TICKET_HOLDER = "ticket_holder"  # Ticket.holder_contact

    # crm's Merge (crm.dedup.models.Merge) by id: the event names it; no constraint, so that
    # ticketing never blocks what crm does with its own rows.
    merge_id = models.BigIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    row_id = models.BigIntegerField()
    from_contact_id = models.BigIntegerField()
    to_contact_id = models.BigIntegerField()
    moved_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merge_id", "kind", "row_id"], name="ticketing_merge_move_once"
            )
        ]

    def __str__(self) -> str:
        return f"merge {self.merge_id}: {self.kind} {self.row_id}"
