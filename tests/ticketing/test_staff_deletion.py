"""Deleting a venue's staff member: the venue's relations to users follow their on_delete rules
(ticketing's are SET_NULL), in this venue's schema only (public side:
tests/tenants/test_user_deletion.py)."""

import pytest
from django.db import connection
from django.db.models.deletion import ProtectedError
from django.test.utils import CaptureQueriesContext

from crm.models import Contact
from tenants.accounts.models import ApiToken, AuditEvent, User
from tenants.accounts.services import create_api_token
from tenants.deletion import SchemaScopedCollector
from tests.helpers import SHARED, TENANT, in_venue, tables_of, touched
from ticketing import selectors
from ticketing.models import Hold, Order, Payment, Seat
from ticketing.services import orders
from ticketing.services.inventory import HoldRequest
from ticketing.services.orders import Buyer, PaymentSpec, TariffChoice

pytestmark = pytest.mark.django_db


def _sell_a1(performance, plein, actor=None) -> Order:
    """Seat A1 sold at the counter to Marie Curie, paid in cash."""
    seat = Seat.objects.get(section__layout=performance.layout, label="A1")
    return orders.sell(
        performance=performance,
        request=HoldRequest(seat_ids=[seat.pk]),
        tariffs=TariffChoice(plein.pk),
        buyer=Buyer(email="marie@example.fr", last_name="Curie"),
        payments=[PaymentSpec("cash", 2500)],
        actor=actor,
    )


def test_deleting_a_seller_keeps_the_venues_sales_and_forgets_who_made_them(
    venue_a, venue_b, make_staff, performance, plein
):
    seller = make_staff(venue_a, User.Role.BOX_OFFICE, email="guichet@example.fr")
    namesake = make_staff(venue_b, User.Role.BOX_OFFICE, email="guichet@example.fr")
    with in_venue(venue_a):
        order = _sell_a1(performance, plein, actor=seller)
        create_api_token(name="caisse", user=seller, actor=seller)
        assert order.sold_by == seller
        assert Payment.objects.get(order=order).created_by == seller
        assert Hold.objects.get(order=order).created_by == seller
        assert [e.actor for e in selectors.order_events(order)] == [seller]

        with CaptureQueriesContext(connection) as queries:
            seller.delete()

        # ticketing's relations are SET_NULL: the sale stays, without its seller.
        order.refresh_from_db()
        assert order.sold_by is None and order.status == Order.Status.PAID
        assert order.tickets.count() == 1
        assert Payment.objects.get(order=order).created_by is None
        assert Hold.objects.get(order=order).created_by is None
        # The order's history keeps the seller's name, no longer the account.
        (event,) = selectors.order_events(order)
        assert (event.actor_id, event.actor_label) == (None, "Test Person")
        # accounts' own: tokens CASCADE, the audit trail keeps the name.
        assert not ApiToken.objects.filter(name="caisse").exists()
        assert AuditEvent.objects.filter(actor=None, actor_label="Test Person").exists()
        assert touched(queries, tables_of(SHARED - TENANT)) == set()
        assert {"ticketing_order", "ticketing_payment", "ticketing_hold"} <= touched(
            queries, tables_of(TENANT)
        )
    with in_venue(venue_b):
        assert User.objects.filter(pk=namesake.pk, email="guichet@example.fr").exists()


def test_protect_still_protects_within_the_schema(venue_a, performance, plein):
    """No relation protects a user today: check the collector on one that protects a contact."""
    with in_venue(venue_a):
        order = _sell_a1(performance, plein)
        collector = SchemaScopedCollector(using=connection.alias)
        with pytest.raises(ProtectedError):
            collector.collect([Contact.objects.get(pk=order.contact_id)])
