"""OrderSerializer and TicketSerializer write their answer by hand (the order endpoint is on
the hot path of an on-sale rush): it must stay exactly what their declared fields give, which
is also what the OpenAPI schema describes."""

import pytest
from rest_framework import serializers

from tests.helpers import in_venue
from ticketing.api import OrderSerializer, TicketSerializer, _order
from ticketing.models import PerformanceZone
from ticketing.services import orders
from ticketing.services.inventory import HoldRequest
from ticketing.services.orders import Buyer, PaymentSpec, TariffChoice

pytestmark = pytest.mark.django_db


def _declared(serializer_class, instance) -> dict:
    """The answer DRF builds from the serializer's declared fields."""
    return dict(serializers.ModelSerializer.to_representation(serializer_class(instance), instance))


@pytest.mark.parametrize("paid", [True, False])
def test_the_hand_written_answer_is_the_declared_one(venue_a, performance, plein, paid):
    with in_venue(venue_a):
        zone = PerformanceZone.objects.get(performance=performance)
        order = orders.sell(
            performance=performance,
            request=HoldRequest(best_available=2, zones={zone.pk: 1}),
            tariffs=TariffChoice(plein.pk),
            buyer=Buyer(email="ines@example.fr", first_name="Inès"),
            payments=[PaymentSpec("cash", 2 * 2500 + 1800)] if paid else [],
            allow_pending=not paid,
        )
        for instance in (order, _order(order.reference)):  # as sold, and as read again
            fast = OrderSerializer(instance).data
            declared = _declared(OrderSerializer, instance)
            assert {k: v for k, v in fast.items() if k != "tickets"} == {
                k: v for k, v in declared.items() if k != "tickets"
            }
            tickets = list(instance.tickets.all())
            assert fast["tickets"] == [_declared(TicketSerializer, t) for t in tickets]
            assert {t["seat"] is None for t in fast["tickets"]} == {True, False}
            assert (fast["paid_at"] is None) is not paid and fast["contact"] is not None


def test_order_input_fields_are_built_once_and_keep_no_state():
    from ticketing.api import OrderInputSerializer

    bad = OrderInputSerializer(data={"hold": "x", "tariff": "plein", "payment": {"method": "nope"}})
    assert not bad.is_valid()
    good = OrderInputSerializer(
        data={
            "performance": 3,
            "seats": [1, 2],
            "tariff": "plein",
            "buyer": {"email": "a@example.fr"},
            "payment": {"method": "cash", "amount_cents": 500},
        }
    )
    assert good.is_valid(), good.errors
    worse = OrderInputSerializer(data={"tariff": "plein", "buyer": {"email": "no"}})
    assert not worse.is_valid()
    assert good.fields is bad.fields  # built once (per thread)
    assert set(bad.errors) == {"hold", "payment"}  # (places and tariffs: ticketing.carts)
    assert set(worse.errors) == {"buyer", "payment"}
    assert good.validated_data["buyer"]["email"] == "a@example.fr"
    assert (
        good.validated_data["seats"] == [1, 2]
        and good.validated_data["payment"]["method"] == "cash"
    )
