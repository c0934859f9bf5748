"""The sales ledger for an order paid online: the sale and its online payment when the
provider says it is paid, then a partial refund to the card."""

import pytest

from tests.helpers import in_venue
from ticketing.ledger.selectors import verify_chain
from ticketing.ledger.services import chain_pending
from ticketing.models import LedgerEntry
from ticketing.services import orders

from .test_stripe_refunds_and_keys import paid_online

pytestmark = pytest.mark.django_db


def test_an_online_payment_and_its_partial_refund_are_in_the_ledger(stripe_alpha, fake):
    order, _payment = paid_online(stripe_alpha, fake)
    with in_venue(stripe_alpha):
        chain_pending()  # after the commit in real life: the test's transaction never commits
        sale, paid = LedgerEntry.objects.filter(order_id=order.pk).order_by("number")
        assert (sale.kind, sale.total_cents, sale.data["channel"]) == ("sale", 5000, "web")
        assert (paid.kind, paid.method, paid.total_cents) == ("payment", "online", 5000)
        assert paid.number == sale.number + 1 and paid.actor_label  # spectator / system
        orders.refund_order(order=order, ticket_ids=[order.tickets.first().pk], method="online")
        chain_pending()
        refund, back = LedgerEntry.objects.filter(order_id=order.pk).order_by("number")[2:]
        assert (refund.kind, refund.total_cents) == ("refund", -2500)
        assert (back.kind, back.method, back.total_cents) == ("payment", "online", -2500)
        assert verify_chain().ok
