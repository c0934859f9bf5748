"""Extras sold with the tickets: priced by the one quote, written with the order, stock taken
once under contention and given back, refused clearly, on every channel."""

import json

import pytest

from tests.helpers import committed, in_venue, run_together
from tests.ticketing.conftest import build_performance
from tests.ticketing.test_concurrency import _cleanup
from ticketing.carts import CartError, parse_cart
from ticketing.errors import ExtraSoldOut
from ticketing.models import Extra, Order, OrderExtra, Payment, PriceCategory, Seat
from ticketing.selectors.quotes import Place, quote
from ticketing.services import orders
from ticketing.services.inventory import extras as extras_inventory
from ticketing.specs import HoldRequest, PaymentSpec, TariffChoice

pytestmark = pytest.mark.django_db


def _extras(performance):
    drink = Extra.objects.create(
        performance=performance,
        kind="drink",
        name="Verre de vin",
        price_cents=450,
        tax_rate_bp=1000,
    )
    book = Extra.objects.create(
        performance=performance,
        kind="programme",
        name="Programme",
        price_cents=800,
        tax_rate_bp=550,
        stock=2,
    )
    parking = Extra.objects.create(
        performance=performance, kind="parking", name="Parking", price_cents=600, public=False
    )
    return drink, book, parking


def _sell(performance, plein, extras, *, channel="box_office", payments=None):
    return orders.sell(
        performance=performance,
        request=HoldRequest(best_available=2),
        tariffs=TariffChoice(plein.pk),
        payments=payments if payments is not None else [PaymentSpec("cash", None)],
        channel=channel,
        extras=extras,
    )


def test_a_sale_with_extras_charges_them_once_and_takes_their_stock(venue_a, performance, plein):
    with in_venue(venue_a):
        drink, book, _parking = _extras(performance)
        order = _sell(performance, plein, {drink.pk: 2, book.pk: 1})
        # Two seats at 25 €, no fee set, 2 × 4.50 € + 8 € of extras: no booking fee on extras.
        assert order.total_cents == 2 * 2500 + 2 * 450 + 800
        lines = {line.extra_id: line for line in OrderExtra.objects.filter(order=order)}
        assert (lines[drink.pk].quantity, lines[drink.pk].unit_price_cents) == (2, 450)
        assert lines[book.pk].tax_rate_bp == 550
        assert Extra.objects.get(pk=book.pk).sold == 1
        assert Payment.objects.get(order=order).amount_cents == order.total_cents
        assert [line.pk for line in order.extras_in_hand()] == sorted(lines[k].pk for k in lines)


def test_the_quote_shows_what_the_sale_charges(venue_a, performance, plein):
    with in_venue(venue_a):
        drink, _book, _parking = _extras(performance)
        category = PriceCategory.objects.filter(performance=performance).first()
        shown = quote(performance, [Place(category.pk, plein.pk, quantity=2)], extras=[(drink, 3)])
        assert (shown.extras_cents, shown.fee_cents) == (1350, 0)
        assert shown.total_cents == shown.subtotal_cents + 1350


def test_a_sold_out_extra_is_refused_and_nothing_is_sold(venue_a, performance, plein):
    with in_venue(venue_a):
        _drink, book, _parking = _extras(performance)
        with pytest.raises(ExtraSoldOut) as error:
            _sell(performance, plein, {book.pk: 3})
        assert error.value.code == "ticketing.extra_sold_out"
        assert "2" in error.value.message  # how many are left
        assert not Order.objects.exists()
        assert Extra.objects.get(pk=book.pk).sold == 0
        _sell(performance, plein, {book.pk: 2})
        with pytest.raises(ExtraSoldOut) as error:
            _sell(performance, plein, {book.pk: 1})
        assert "2" not in error.value.message  # none left: "sold out"


def test_an_extra_kept_for_the_counter_is_not_sold_online(venue_a, performance, plein):
    with in_venue(venue_a):
        _drink, _book, parking = _extras(performance)
        other = build_performance(name="Autre salle")
        elsewhere = Extra.objects.create(performance=other, name="Ailleurs", price_cents=100)
        with pytest.raises(CartError) as error:
            _sell(performance, plein, {parking.pk: 1}, channel="web")
        assert error.value.code == "ticketing.cart.unknown_extra"
        with pytest.raises(CartError):
            _sell(performance, plein, {elsewhere.pk: 1})
        assert _sell(performance, plein, {parking.pk: 1}).total_cents == 2 * 2500 + 600


def test_cancel_and_full_refund_give_the_stock_back_partial_refund_keeps_it(
    venue_a, performance, plein
):
    with in_venue(venue_a):
        drink, book, _parking = _extras(performance)
        pending = orders.sell(
            performance=performance,
            request=HoldRequest(best_available=1),
            tariffs=TariffChoice(plein.pk),
            channel="web",
            allow_pending=True,
            extras={book.pk: 1},
        )
        assert Extra.objects.get(pk=book.pk).sold == 1
        orders.cancel_order(order=pending)
        assert Extra.objects.get(pk=book.pk).sold == 0
        assert OrderExtra.objects.get(order=pending).status == OrderExtra.Status.CANCELLED

        paid = _sell(performance, plein, {book.pk: 2, drink.pk: 1})
        first, second = paid.tickets.order_by("id")
        orders.refund_order(order=paid, ticket_ids=[first.pk])
        paid.refresh_from_db()
        assert paid.refunded_cents == 2500  # the extras stay with the spectator still coming
        assert Extra.objects.get(pk=book.pk).sold == 2
        orders.refund_order(order=paid, ticket_ids=[second.pk])
        paid.refresh_from_db()
        assert paid.refunded_cents == paid.total_cents
        assert Extra.objects.get(pk=book.pk).sold == 0
        assert set(OrderExtra.objects.filter(order=paid).values_list("status", flat=True)) == {
            OrderExtra.Status.REFUNDED
        }


@pytest.mark.parametrize(
    ("extras", "code"),
    [
        ({"x": 1}, "ticketing.cart.bad_extra"),
        ({"0": 1}, "ticketing.cart.bad_extra"),
        ({"5": -1}, "ticketing.cart.bad_quantity"),
        ({"5": 21}, "ticketing.cart.too_many_places"),
        ([5], "ticketing.cart.bad_extra"),
    ],
)
def test_bad_extras_get_a_code(venue_a, performance, extras, code):
    with in_venue(venue_a), pytest.raises(CartError) as error:
        parse_cart({"performance": performance.pk, "best_available": 1, "extras": extras})
    assert (error.value.code, error.value.field) == (code, "extras")


def test_the_api_sells_extras_and_answers_them(venue_a, performance, api):
    with in_venue(venue_a):
        drink, book, _parking = _extras(performance)
    body = {
        "performance": performance.pk,
        "best_available": 1,
        "tariff": "plein",
        "extras": {str(drink.pk): 2},
        "payment": {"method": "cash"},
    }
    response = api.post("/api/v1/orders/", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["total_cents"] == 2500 + 900
    assert answer["extras"] == [
        {
            "id": answer["extras"][0]["id"],
            "extra": drink.pk,
            "name": "Verre de vin",
            "quantity": 2,
            "unit_price_cents": 450,
            "tax_rate_bp": 1000,
            "status": "valid",
        }
    ]
    detail = api.get(f"/api/v1/orders/{answer['reference']}/").json()
    assert detail["extras"] == answer["extras"]
    body["extras"] = {str(book.pk): 5}
    refused = api.post("/api/v1/orders/", json.dumps(body), content_type="application/json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "ticketing.extra_sold_out"
    body["extras"] = {"abc": 1}
    assert (
        api.post("/api/v1/orders/", json.dumps(body), content_type="application/json").json()[
            "code"
        ]
        == "ticketing.cart.bad_extra"
    )


def _take_unsafely(lines):
    """A read-check-write variant of take_extras: what the conditional UPDATE prevents."""
    import time

    for extra, quantity in lines:
        row = Extra.objects.get(pk=extra.pk)
        if row.stock is not None and row.sold + quantity > row.stock:
            raise ExtraSoldOut("sold out")
        time.sleep(0.01)
        Extra.objects.filter(pk=extra.pk).update(sold=row.sold + quantity)


def _rush_last_books(venue, performance_pk: int) -> int:
    book_pk = committed(
        venue,
        lambda: (
            Extra.objects.create(
                performance_id=performance_pk, name="Programme", price_cents=800, stock=3
            ).pk
        ),
    )

    def buy(_i):
        try:
            book = Extra.objects.get(pk=book_pk)
            extras_inventory.take_extras([(book, 1)])
            return True
        except ExtraSoldOut:
            return False

    return sum(run_together(venue, buy, threads=8)), book_pk


@pytest.fixture
def rush(venue_a):
    """A committed performance, removed afterwards with its extras and orders."""
    performance = committed(venue_a, lambda: build_performance(name="Salle des programmes"))
    yield venue_a, performance
    committed(venue_a, lambda: Extra.objects.filter(performance_id=performance.pk).delete())
    committed(venue_a, lambda: _cleanup(performance.pk))


@pytest.mark.slow
def test_the_last_programme_books_go_to_three_buyers_only(rush):
    venue, performance = rush
    granted, book_pk = _rush_last_books(venue, performance.pk)
    assert granted == 3
    assert committed(venue, lambda: Extra.objects.get(pk=book_pk).sold) == 3


@pytest.mark.slow
def test_without_protection_more_books_are_sold_than_printed(rush, monkeypatch):
    monkeypatch.setattr(extras_inventory, "take_extras", _take_unsafely)
    venue, performance = rush
    granted, _book = _rush_last_books(venue, performance.pk)
    assert granted > 3


def test_the_counter_sells_extras_with_the_places(venue_a, performance, make_staff, client_for):
    seller = make_staff(venue_a, "box_office")
    client = client_for(venue_a, seller)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with in_venue(venue_a):
        drink, book, parking = _extras(performance)
        cat1 = PriceCategory.objects.get(performance=performance, name="Cat. 1").pk
    url = f"/backoffice/box-office/{performance.pk}/"
    page = client.get(url).content.decode()
    assert "Verre de vin" in page and "Parking" in page  # the counter sells counter-only ones
    base = {"pay_method": ["cash"], "pay_amount": [""], "pay_reference": [""], f"best_{cat1}": 1}
    refused = client.post(url, {**base, f"extra-{book.pk}": "3"})
    assert refused.status_code == 409
    assert "only 2 left" in refused.content.decode()
    bad = client.post(url, {**base, f"extra-{drink.pk}": "deux"})
    assert bad.status_code == 400
    response = client.post(url, {**base, f"extra-{drink.pk}": "2", f"extra-{parking.pk}": "1"})
    assert response.status_code == 302
    with in_venue(venue_a):
        order = Order.objects.get()
        assert order.total_cents == 2500 + 2 * 450 + 600
        assert {(e.extra_id, e.quantity) for e in order.extras.all()} == {
            (drink.pk, 2),
            (parking.pk, 1),
        }


def test_staff_set_up_extras_on_the_performance_page(venue_a, performance, make_staff, client_for):
    admin = client_for(venue_a, make_staff(venue_a, "admin"))
    url = f"/backoffice/programme/performances/{performance.pk}/"
    response = admin.post(
        f"{url}extras/",
        {
            "new-kind": "drink",
            "new-name": "Coupe de champagne",
            "new-price": "9,50",
            "new-vat": "20",
            "new-stock": "40",
            "new-public": "on",
            "new-is_active": "on",
        },
    )
    assert response.status_code == 302
    with in_venue(venue_a):
        extra = Extra.objects.get()
        assert (extra.price_cents, extra.tax_rate_bp, extra.stock) == (950, 2000, 40)
        Extra.objects.filter(pk=extra.pk).update(sold=5)
    page = admin.get(url).content.decode()
    assert "Coupe de champagne" in page and "35" in page
    prefix = f"extra{extra.pk}"
    admin.post(
        f"{url}extras/{extra.pk}/",
        {
            f"{prefix}-kind": "drink",
            f"{prefix}-name": "Coupe",
            f"{prefix}-price": "9,50",
            f"{prefix}-vat": "20",
            f"{prefix}-stock": "3",
            f"{prefix}-is_active": "on",
        },
    )
    with in_venue(venue_a):
        extra.refresh_from_db()
        assert extra.stock == 40  # not below the 5 sold: refused with a message
    admin.post(
        f"{url}extras/{extra.pk}/",
        {
            f"{prefix}-kind": "drink",
            f"{prefix}-name": "Coupe",
            f"{prefix}-price": "9,50",
            f"{prefix}-vat": "20",
            f"{prefix}-stock": "",
            f"{prefix}-is_active": "on",
        },
    )
    with in_venue(venue_a):
        extra.refresh_from_db()
        assert (extra.name, extra.stock, extra.public) == ("Coupe", None, False)
    box_office = client_for(venue_a, make_staff(venue_a, "box_office"))
    assert box_office.post(f"{url}extras/", {"new-name": "x"}).status_code == 403


def test_a_spectator_adds_extras_online_and_they_are_charged_once(venue_a, performance, client_for):
    spectator = client_for(venue_a)
    spectator.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with in_venue(venue_a):
        drink, book, _parking = _extras(performance)
        a1 = Seat.objects.get(section__layout=performance.layout, label="A1").pk
    spectator.post(f"/performances/{performance.pk}/hold/", {"seats": [a1]})
    page = spectator.get("/checkout/").content.decode()
    assert "Verre de vin" in page and "Programme" in page
    assert "Parking" not in page  # kept for the counter
    # The total follows what is typed (HTMX), extras at their price without booking fee.
    updated = spectator.post(
        "/checkout/",
        {"action": "update", f"extra_{drink.pk}": "2"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "34" in updated  # 25 € + 2 × 4.50 €
    buyer = {"email": "ada@example.org", "first_name": "Ada", "last_name": "Lovelace"}
    response = spectator.post(
        "/checkout/",
        {
            **buyer,
            "action": "pay",
            f"extra_{drink.pk}": "2",
            f"extra_{book.pk}": "1",
            "shown_total": 2500 + 900 + 800,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with in_venue(venue_a):
        order = Order.objects.get()
        assert order.total_cents == 2500 + 900 + 800
        assert {(e.extra_id, e.quantity) for e in order.extras.all()} == {
            (drink.pk, 2),
            (book.pk, 1),
        }
        assert Extra.objects.get(pk=book.pk).sold == 1


def test_an_extra_that_went_up_is_refused_before_paying(venue_a, performance, client_for):
    spectator = client_for(venue_a)
    spectator.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with in_venue(venue_a):
        drink, _book, _parking = _extras(performance)
        a1 = Seat.objects.get(section__layout=performance.layout, label="A1").pk
    spectator.post(f"/performances/{performance.pk}/hold/", {"seats": [a1]})
    with in_venue(venue_a):
        Extra.objects.filter(pk=drink.pk).update(price_cents=500)
    buyer = {"email": "ada@example.org", "first_name": "Ada", "last_name": "Lovelace"}
    response = spectator.post(
        "/checkout/",
        {**buyer, "action": "pay", f"extra_{drink.pk}": "1", "shown_total": 2500 + 450},
    )
    assert response.status_code == 200
    assert "The price changed" in response.content.decode()
    with in_venue(venue_a):
        assert not Order.objects.exists()


def test_the_confirmation_email_and_the_tickets_list_the_extras(venue_a, performance, plein):
    from ticketing.models import OrderEmail
    from ticketing.specs import Buyer
    from ticketing.tickets.emails import build_order_email
    from ticketing.tickets.pdf import render_tickets_html

    with in_venue(venue_a):
        drink, _book, _parking = _extras(performance)
        order = orders.sell(
            performance=performance,
            request=HoldRequest(best_available=1),
            tariffs=TariffChoice(plein.pk),
            payments=[PaymentSpec("cash", None)],
            buyer=Buyer(email="ada@example.org"),
            extras={drink.pk: 2},
        )
        html = render_tickets_html(order, list(order.tickets.all()), [])
        assert "2 × Verre de vin" in html
        email = OrderEmail(order=order, kind=OrderEmail.Kind.CONFIRMATION, language="en")
        message = build_order_email(email)
        assert "2 × Verre de vin" in message.body
        assert "2 × Verre de vin" in message.alternatives[0][0]
