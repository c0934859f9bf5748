"""Who bears the booking fee: the venue's default, per channel, per tariff (most specific
wins), decided in the one price computation (selectors.quote), so what a cart shows is what
the sale charges, and the tickets record the venue's share."""

import pytest

from tests.helpers import in_venue
from ticketing.models import SalesSettings, Seat, Tariff
from ticketing.selectors import Place
from ticketing.selectors.prices import sales_settings
from ticketing.selectors.quotes import quote
from ticketing.services import orders, programme
from ticketing.services.inventory import HoldRequest
from ticketing.services.orders import PaymentSpec, TariffChoice

pytestmark = pytest.mark.django_db


def _settings(**values) -> SalesSettings:
    programme.update_sales_settings(fee_cents=101, **values)
    return sales_settings()


def _one_seat(performance, tariff_code="plein"):
    seat = Seat.objects.get(section__layout=performance.layout, label="A1")
    category = performance.seat_states.get(seat=seat).category_id
    tariff = Tariff.objects.get(code=tariff_code)
    return seat, [Place(category, tariff.pk, label="A1", seat_id=seat.pk)], tariff


@pytest.mark.parametrize(
    ("default", "by_channel", "tariff_bearer", "channel", "charged", "borne"),
    [
        ("spectator", {}, "", "web", 101, 0),
        ("venue", {}, "", "web", 0, 101),
        ("split", {}, "", "web", 50, 51),  # the buyer's half rounded down
        ("spectator", {"box_office": "venue"}, "", "box_office", 0, 101),
        ("spectator", {"box_office": "venue"}, "", "web", 101, 0),
        ("venue", {"web": "spectator"}, "split", "web", 50, 51),  # the tariff wins
    ],
)
def test_the_bearer_decides_what_the_buyer_pays(
    venue_a, performance, default, by_channel, tariff_bearer, channel, charged, borne
):
    with in_venue(venue_a):
        fees = _settings(fee_bearer=default, fee_bearer_by_channel=by_channel)
        Tariff.objects.filter(code="plein").update(fee_bearer=tariff_bearer)
        _seat, places, _tariff = _one_seat(performance)
        priced = quote(performance, places, fees=fees, channel=channel)
        line = priced.lines[0]
        assert (line.fee_cents, line.venue_fee_cents) == (charged, borne)
        assert priced.total_cents == 2500 + charged
        assert priced.venue_fee_cents == borne


def test_the_sale_charges_what_the_quote_shows_and_records_the_venues_share(venue_a, performance):
    with in_venue(venue_a):
        fees = _settings(fee_bearer="spectator", fee_bearer_by_channel={"box_office": "split"})
        seat, places, tariff = _one_seat(performance)
        shown = quote(performance, places, fees=fees, channel="box_office")
        order = orders.sell(
            performance=performance,
            request=HoldRequest(seat_ids=[seat.pk]),
            tariffs=TariffChoice(default=tariff.pk),
            payments=[PaymentSpec("cash", None)],
            channel="box_office",
        )
        assert order.total_cents == shown.total_cents == 2550
        assert order.fee_cents == 50
        ticket = order.tickets.get()
        assert (ticket.fee_cents, ticket.venue_fee_cents) == (50, 51)
        assert order.payments.get().amount_cents == 2550


def test_the_sales_settings_screen_sets_the_bearers(venue_a, performance, make_staff, client_for):
    client = client_for(venue_a, make_staff(venue_a))
    data = {
        "form": "settings",
        "fee": "0.50",
        "fee_percent": "0",
        "hold_minutes": "10",
        "fee_bearer": "venue",
        "fee_bearer_web": "spectator",
        "fee_bearer_box_office": "",
        "fee_bearer_phone": "split",
        "fee_bearer_api": "",
    }
    response = client.post("/backoffice/programme/settings/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    with in_venue(venue_a):
        current = SalesSettings.current()
        assert current.fee_bearer == "venue"
        assert current.fee_bearer_by_channel == {"web": "spectator", "phone": "split"}
