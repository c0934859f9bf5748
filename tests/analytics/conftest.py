"""A small season sold through ticketing's services: counter and online sales, a promo code,
an invitation, a refund, an exchange and a cancelled reservation."""

import pytest

from tests.helpers import in_venue
from tests.ticketing.conftest import build_performance
from ticketing.models import OrderAttribution, PerformanceZone, SalesSettings, Seat, Tariff
from ticketing.services import orders
from ticketing.specs import Buyer, HoldRequest, PaymentSpec, TariffChoice


def seat_ids(performance, *labels):
    return list(
        Seat.objects.filter(section__layout=performance.layout, label__in=labels)
        .order_by("label")
        .values_list("id", flat=True)
    )


def sell_scenario(main, other):
    """Returns the orders made (references), everything in the current venue."""
    SalesSettings.objects.update_or_create(
        singleton=True,
        defaults={
            "fee_cents": 100,
            "fee_bearer": "spectator",
            "fee_bearer_by_channel": {"web": "venue"},
        },
    )
    plein = Tariff.objects.get(code="plein")
    reduit = Tariff.objects.get(code="reduit")
    fosse = PerformanceZone.objects.get(performance=main, zone__name="Fosse")
    counter = orders.sell(
        performance=main,
        request=HoldRequest(seat_ids=seat_ids(main, "A1", "A2")),
        tariffs=TariffChoice(default=plein.pk),
        payments=[PaymentSpec("cash", None)],
    )
    online = orders.sell(
        performance=main,
        request=HoldRequest(seat_ids=seat_ids(main, "A3")),
        tariffs=TariffChoice(default=reduit.pk),
        payments=[PaymentSpec("online", None)],
        channel="web",
    )
    promo = orders.sell(
        performance=main,
        request=HoldRequest(seat_ids=seat_ids(main, "A4"), zones={fosse.pk: 2}),
        tariffs=TariffChoice(default=plein.pk),
        payments=[PaymentSpec("online", None)],
        channel="web",
    )
    OrderAttribution.objects.create(order=promo, promo_code="AMIS")
    invitation = orders.invite(
        performance=main,
        request=HoldRequest(seat_ids=seat_ids(main, "A5", "A6")),
        tariffs=TariffChoice(default=plein.pk),
        guest=Buyer(email="presse@example.fr", last_name="Presse"),
        reason="press",
    )
    orders.refund_order(order=counter, ticket_ids=[counter.tickets.order_by("pk").first().pk])
    orders.exchange_tickets(
        order=promo,
        ticket_ids=[promo.tickets.get(seat__isnull=False).pk],
        to_performance=other,
        request=HoldRequest(seat_ids=seat_ids(other, "E1")),
        tariffs=TariffChoice(default=plein.pk),
    )
    pending = orders.sell(
        performance=other,
        request=HoldRequest(seat_ids=seat_ids(other, "A1")),
        tariffs=TariffChoice(default=plein.pk),
        payments=[],
        allow_pending=True,
    )
    orders.cancel_order(order=pending)
    return [counter, online, promo, invitation, pending]


@pytest.fixture
def season(venue_a):
    with in_venue(venue_a):
        main = build_performance()
        other = build_performance(name="Salle Vilar", starts_in_days=30)
        made = sell_scenario(main, other)
        yield main, other, made
