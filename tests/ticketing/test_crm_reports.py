"""What ticketing tells crm: each sale, payment, refund and exchange lands on the buyer's
timeline with the show, performance and order ids, the show's genres and the performance's
season, and moves the buyer's behaviour."""

import pytest

from crm.behaviour import season_of
from crm.models import Contact, GenreStats, SeasonStats, TimelineEvent
from tests.helpers import in_venue
from tests.ticketing.conftest import build_performance
from tests.ticketing.test_sales import seats_of
from ticketing.models import Show
from ticketing.services import orders
from ticketing.services.inventory import HoldRequest
from ticketing.services.orders import Buyer, PaymentSpec, TariffChoice

pytestmark = pytest.mark.django_db


def test_a_sale_its_refund_and_an_exchange_are_typed_on_the_timeline(venue_a, performance, plein):
    with in_venue(venue_a):
        Show.objects.filter(pk=performance.show_id).update(genres=["théâtre", "classique"])
        performance.show.refresh_from_db()
        other = build_performance(name="Salle 2", starts_in_days=30)
        Show.objects.filter(pk=other.show_id).update(genres=["danse"])
        a1, a2 = seats_of(performance, "A1", "A2")
        order = orders.sell(
            performance=performance,
            request=HoldRequest(seat_ids=[a1, a2]),
            tariffs=TariffChoice(plein.pk),
            payments=[PaymentSpec("cash", 5000)],
            buyer=Buyer(email="lea@example.fr", last_name="Martin"),
        )
        contact = Contact.objects.get(email_normalized="lea@example.fr")
        season = season_of(performance.starts_at)
        purchase = TimelineEvent.objects.get(contact=contact, code="ticketing.purchase")
        assert (purchase.show_id, purchase.performance_id, purchase.order_id) == (
            performance.show_id,
            performance.pk,
            order.pk,
        )
        assert purchase.data["genres"] == ["classique", "théâtre"]
        assert purchase.data["season"] == season
        assert set(GenreStats.objects.filter(contact=contact).values_list("genre", flat=True)) == {
            "classique",
            "théâtre",
        }
        assert contact.criteria == ["first_timer"]

        first = order.tickets.get(seat_id=a1)
        orders.refund_order(order=order, ticket_ids=[first.pk])
        refund = TimelineEvent.objects.get(contact=contact, code="ticketing.refund")
        assert (refund.order_id, refund.performance_id) == (order.pk, performance.pk)
        assert refund.data["whole_order"] is False
        row = SeasonStats.objects.get(contact=contact, season=season)
        assert (row.purchases, row.tickets, row.spend_cents) == (1, 1, 2500)

        (e1,) = seats_of(other, "E1")
        ticket = order.tickets.get(seat_id=a2)
        orders.exchange_tickets(
            order=order,
            ticket_ids=[ticket.pk],
            to_performance=other,
            request=HoldRequest(seat_ids=[e1]),
            tariffs=TariffChoice(plein.pk),
        )
        exchange = TimelineEvent.objects.get(contact=contact, code="ticketing.exchange")
        assert (exchange.show_id, exchange.performance_id, exchange.order_id) == (
            other.show_id,
            other.pk,
            order.pk,
        )
        assert exchange.genre == "danse" and exchange.data["difference_cents"] == -700
        contact.refresh_from_db()
        assert contact.amount_spent_cents == 2500 - 700
        # The order's last ticket left the theatre show: its genres' counts went to dance.
        genres = dict(GenreStats.objects.filter(contact=contact).values_list("genre", "purchases"))
        assert genres == {"classique": 0, "théâtre": 0, "danse": 1}
        row = SeasonStats.objects.get(contact=contact, season=season)
        assert (row.purchases, row.tickets, row.spend_cents) == (1, 1, 2500 - 700)


def test_a_pending_order_is_recorded_when_paid(venue_a, performance, plein):
    with in_venue(venue_a):
        (a1,) = seats_of(performance, "A1")
        order = orders.sell(
            performance=performance,
            request=HoldRequest(seat_ids=[a1]),
            tariffs=TariffChoice(plein.pk),
            payments=[PaymentSpec("cash", 1000)],
            buyer=Buyer(email="bob@example.fr"),
            allow_pending=True,
        )
        assert not TimelineEvent.objects.filter(code="ticketing.purchase").exists()
        orders.record_payment(order=order, payment=PaymentSpec("cash", 1500))
        purchase = TimelineEvent.objects.get(code="ticketing.purchase")
        assert (purchase.order_id, purchase.performance_id) == (order.pk, performance.pk)
