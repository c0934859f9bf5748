"""The orders screens through HTTP: find, read, refund, cancel, take a payment, exchange, each
after a confirmation; read-only staff only look; one venue never sees another's orders."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.services import find_or_create_contact
from tenants.accounts.models import User
from tests.helpers import in_venue
from tests.ticketing.conftest import build_performance
from ticketing import selectors
from ticketing.models import Order, PerformanceSeat, Seat, Tariff, Ticket
from ticketing.services import orders
from ticketing.services.inventory import HoldRequest
from ticketing.services.orders import Buyer, PaymentSpec, TariffChoice

pytestmark = pytest.mark.django_db


def seat(performance, label: str) -> int:
    return Seat.objects.get(section__layout=performance.layout, label=label).pk


def sell(performance, *labels, buyer=None, pending=False, tariff="plein") -> Order:
    """A sale through the service (call inside the venue)."""
    seat_ids = [seat(performance, label) for label in labels]
    price = {"plein": 2500, "reduit": 1500}[tariff] * len(seat_ids)
    return orders.sell(
        performance=performance,
        request=HoldRequest(seat_ids=seat_ids),
        tariffs=TariffChoice(default=Tariff.objects.get(code=tariff).pk),
        buyer=buyer,
        payments=[] if pending else [PaymentSpec("cash", price)],
        allow_pending=pending,
    )


def status_of(performance, label: str) -> str:
    return PerformanceSeat.objects.get(performance=performance, seat__label=label).status


@pytest.fixture
def seller(venue_a, make_staff):
    return make_staff(venue_a, User.Role.BOX_OFFICE, full_name="Yanis Morel")


@pytest.fixture
def counter(venue_a, seller, client_for):
    client = client_for(venue_a, seller)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def curie(venue_a, performance):
    with in_venue(venue_a):
        return sell(
            performance,
            "A1",
            "A2",
            buyer=Buyer(email="marie@example.fr", first_name="Marie", last_name="Curie"),
        )


# --- List -----------------------------------------------------------------------------------
def test_the_list_finds_orders_by_reference_name_and_email(venue_a, performance, curie, counter):
    with in_venue(venue_a):
        other = sell(performance, "B1", buyer=Buyer(email="paul@example.fr", last_name="Valéry"))
    for query in (curie.reference, curie.reference.lower()[:5], "curie", "Marie Curie", "marie@"):
        html = counter.get("/backoffice/orders/", {"q": query}).content.decode()
        assert curie.reference in html, query
        assert other.reference not in html, query
    html = counter.get("/backoffice/orders/").content.decode()
    assert curie.reference in html and other.reference in html and "Le Misanthrope" in html
    # The buyer as the counter's search finds contacts: no accents, a typo.
    for query in ("valery", "VALERI paul@"):
        html = counter.get("/backoffice/orders/", {"q": query}).content.decode()
        assert other.reference in html and curie.reference not in html, query


def test_the_list_filters_by_performance_and_status(venue_a, performance, curie, counter):
    with in_venue(venue_a):
        later = build_performance(name="Salle Vilar", starts_in_days=40)
        pending = sell(later, "A1", pending=True)
    by_performance = counter.get("/backoffice/orders/", {"performance": later.pk}).content.decode()
    assert pending.reference in by_performance and curie.reference not in by_performance
    by_status = counter.get("/backoffice/orders/", {"status": "paid"}).content.decode()
    assert curie.reference in by_status and pending.reference not in by_status


def test_invalid_filters_list_every_order_and_say_why(venue_a, performance, curie, counter):
    with in_venue(venue_a):
        pending = sell(performance, "B1", pending=True)
    page = counter.get("/backoffice/orders/", {"q": "zzz", "status": "nonsense"}).content.decode()
    assert curie.reference in page and pending.reference in page  # the search is ignored too
    assert "nonsense is not one of the available choices" in page


def test_the_list_runs_the_same_queries_whatever_the_number_of_orders(
    venue_a, performance, counter
):
    def count_queries() -> int:
        counter.get("/backoffice/orders/")  # the connection's search path, set once
        with CaptureQueriesContext(connection) as queries:
            assert counter.get("/backoffice/orders/").status_code == 200
        return len(queries)

    with in_venue(venue_a):
        sell(performance, "A1", buyer=Buyer(email="one@example.fr", last_name="One"))
        sell(performance, "A2")
    few = count_queries()
    with in_venue(venue_a):
        second = build_performance(name="Salle Vilar", starts_in_days=30)
        for i, label in enumerate(("B1", "B2", "B3", "B4", "B5", "B6")):
            buyer = Buyer(email=f"buyer{i}@example.fr", last_name=f"Buyer{i}")
            sell(second if i % 2 else performance, label, buyer=buyer)
    assert count_queries() == few
    page = counter.get("/backoffice/orders/").content.decode()
    assert page.count("<tr>") - 1 == 8  # every order listed (header row apart)


def test_the_list_is_paginated(venue_a, performance, counter, monkeypatch):
    from ticketing.views import orders as views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    with in_venue(venue_a):
        for label in ("A1", "A2", "A3"):
            sell(performance, label)
    first = counter.get("/backoffice/orders/").content.decode()
    second = counter.get("/backoffice/orders/", {"page": 2}).content.decode()
    assert "Page 1 of 2" in first and 'rel="next"' in first
    assert "Page 2 of 2" in second and 'rel="prev"' in second


# --- Detail ---------------------------------------------------------------------------------
def test_the_detail_shows_buyer_tickets_payments_and_history(venue_a, curie, counter):
    html = counter.get(f"/backoffice/orders/{curie.pk}/").content.decode()
    assert "Marie Curie" in html and "marie@example.fr" in html
    assert ">A1<" in html and ">A2<" in html and "Plein tarif" in html
    assert "Cash" in html and "50\u00a0€" in html
    # The history in words (the audit trail's labels), not codes.
    assert "Order created" in html and "ticketing.order.created" not in html
    assert f'action="/backoffice/orders/{curie.pk}/refund/"' in html


@pytest.mark.parametrize("role", [User.Role.READ_ONLY, User.Role.COMMUNICATION])
def test_read_only_staff_see_orders_but_cannot_act(role, venue_a, curie, make_staff, client_for):
    client = client_for(venue_a, make_staff(venue_a, role))
    assert client.get("/backoffice/orders/").status_code == 200
    detail = client.get(f"/backoffice/orders/{curie.pk}/")
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "/refund/" not in html and "/exchange/" not in html and 'type="checkbox"' not in html
    for action in ("refund", "cancel", "payment", "exchange"):
        response = client.post(f"/backoffice/orders/{curie.pk}/{action}/", {"confirm": "1"})
        assert response.status_code == 403, action
    with in_venue(venue_a):
        assert Order.objects.get(pk=curie.pk).status == Order.Status.PAID


def test_an_order_of_one_venue_is_not_found_on_another(
    venue_a, venue_b, curie, make_staff, client_for
):
    beta = client_for(venue_b, make_staff(venue_b, User.Role.ADMIN))
    assert beta.get(f"/backoffice/orders/{curie.pk}/").status_code == 404
    assert beta.post(f"/backoffice/orders/{curie.pk}/refund/", {"confirm": "1"}).status_code == 404
    assert curie.reference not in beta.get("/backoffice/orders/").content.decode()
    with in_venue(venue_a):
        assert Order.objects.get(pk=curie.pk).status == Order.Status.PAID


# --- Actions --------------------------------------------------------------------------------
def test_refunding_selected_tickets_asks_for_confirmation_first(
    venue_a, performance, curie, counter
):
    with in_venue(venue_a):
        a1 = curie.tickets.get(seat__label="A1")
    data = {"tickets": [a1.pk], "method": "cash", "include_fees": "on", "reason": "malade"}
    confirm = counter.post(f"/backoffice/orders/{curie.pk}/refund/", data)
    html = confirm.content.decode()
    assert confirm.status_code == 200 and "25\u00a0€" in html and 'name="confirm"' in html
    with in_venue(venue_a):
        assert Order.objects.get(pk=curie.pk).status == Order.Status.PAID  # nothing yet
    done = counter.post(f"/backoffice/orders/{curie.pk}/refund/", {**data, "confirm": "1"})
    assert done.status_code == 302
    with in_venue(venue_a):
        order = Order.objects.get(pk=curie.pk)
        assert order.status == Order.Status.PARTIALLY_REFUNDED and order.refunded_cents == 2500
        assert Ticket.objects.get(pk=a1.pk).status == Ticket.Status.REFUNDED
        assert status_of(performance, "A1") == "available"
        assert status_of(performance, "A2") == "sold"
        assert order.payments.filter(amount_cents=-2500, method="cash").exists()
        assert "ticketing.order.refunded" in {e.code for e in selectors.order_events(order)}


def test_refunding_with_no_ticket_ticked_refunds_the_whole_order(
    venue_a, performance, curie, counter
):
    data = {"method": "card_counter", "include_fees": "on", "confirm": "1"}
    assert counter.post(f"/backoffice/orders/{curie.pk}/refund/", data).status_code == 302
    with in_venue(venue_a):
        order = Order.objects.get(pk=curie.pk)
        assert order.status == Order.Status.REFUNDED and order.refunded_cents == 5000


def test_a_refused_refund_is_explained(venue_a, performance, counter):
    with in_venue(venue_a):
        pending = sell(performance, "A1", pending=True)
    data = {"method": "cash", "confirm": "1"}
    response = counter.post(f"/backoffice/orders/{pending.pk}/refund/", data, follow=True)
    assert "Only a paid order can be refunded." in response.content.decode()


def test_cancelling_a_pending_order_frees_its_seats(venue_a, performance, counter):
    with in_venue(venue_a):
        pending = sell(performance, "A1", pending=True)
    html = counter.get(f"/backoffice/orders/{pending.pk}/").content.decode()
    assert f"/backoffice/orders/{pending.pk}/cancel/" in html
    confirm = counter.post(f"/backoffice/orders/{pending.pk}/cancel/", {"reason": "abandon"})
    assert confirm.status_code == 200 and 'name="confirm"' in confirm.content.decode()
    done = counter.post(
        f"/backoffice/orders/{pending.pk}/cancel/", {"reason": "abandon", "confirm": "1"}
    )
    assert done.status_code == 302
    with in_venue(venue_a):
        assert Order.objects.get(pk=pending.pk).status == Order.Status.CANCELLED
        assert status_of(performance, "A1") == "available"


def test_recording_a_payment_settles_a_pending_order(venue_a, performance, counter):
    with in_venue(venue_a):
        pending = sell(performance, "A1", "A2", pending=True)
    html = counter.get(f"/backoffice/orders/{pending.pk}/").content.decode()
    assert 'value="50,00"' in html  # the amount due, ready to confirm
    data = {"method": "cheque", "amount": "50", "reference": "CHQ-1"}
    assert counter.post(f"/backoffice/orders/{pending.pk}/payment/", data).status_code == 200
    done = counter.post(f"/backoffice/orders/{pending.pk}/payment/", {**data, "confirm": "1"})
    assert done.status_code == 302
    with in_venue(venue_a):
        order = Order.objects.get(pk=pending.pk)
        assert order.status == Order.Status.PAID
        assert order.payments.get().provider_reference == "CHQ-1"


def test_an_invalid_payment_amount_is_shown_on_the_order(venue_a, performance, counter):
    with in_venue(venue_a):
        pending = sell(performance, "A1", pending=True)
    data = {"method": "cash", "amount": "douze"}
    response = counter.post(f"/backoffice/orders/{pending.pk}/payment/", data)
    assert response.status_code == 400 and "Type a positive amount" in response.content.decode()


def test_exchanging_a_ticket_for_a_cheaper_place_credits_the_difference(
    venue_a, performance, curie, counter
):
    with in_venue(venue_a):
        later = build_performance(name="Salle Vilar", starts_in_days=40)
        cat2 = later.categories.get(name="Cat. 2").pk
        plein = Tariff.objects.get(code="plein").pk
        a1 = curie.tickets.get(seat__label="A1")
    url = f"/backoffice/orders/{curie.pk}/exchange/"
    step1 = counter.get(url, {"tickets": [a1.pk], "performance": later.pk}).content.decode()
    assert f'value="{cat2}"' in step1 and "Work out the price difference" in step1
    data = {
        "tickets": [a1.pk],
        "performance": later.pk,
        "mode": "best",
        "category": cat2,
        "tariff": plein,
        "credit_method": "voucher",
    }
    preview = counter.post(url, data)
    html = preview.content.decode()
    assert preview.status_code == 200 and "To give back" in html and "7\u00a0€" in html
    done = counter.post(url, {**data, "expected_difference": "-700", "confirm": "1"})
    assert done.status_code == 302
    with in_venue(venue_a):
        old = Ticket.objects.get(pk=a1.pk)
        assert old.status == Ticket.Status.EXCHANGED
        assert old.exchanged_to.performance == later and old.exchanged_to.price_cents == 1800
        assert curie.payments.filter(method="voucher", amount_cents=-700).exists()
        assert status_of(performance, "A1") == "available"
    history = counter.get(f"/backoffice/orders/{curie.pk}/").content.decode()
    assert "tickets given back: A1" in history and "Le Misanthrope" in history


def test_exchanging_for_chosen_dearer_seats_takes_the_payment(venue_a, performance, counter):
    with in_venue(venue_a):
        order = sell(performance, "C1", tariff="reduit")  # Cat. 2 reduced: 10 €
        ticket = order.tickets.get()
        later = build_performance(name="Salle Vilar", starts_in_days=40)
        b5 = seat(later, "B5")
        plein = Tariff.objects.get(code="plein").pk
    url = f"/backoffice/orders/{order.pk}/exchange/"
    data = {
        "tickets": [ticket.pk],
        "performance": later.pk,
        "mode": "seats",
        "seats": [b5],
        "tariff": plein,
        "payment_method": "card_counter",
    }
    preview = counter.post(url, data).content.decode()
    assert "The buyer pays" in preview and "15\u00a0€" in preview
    stale = counter.post(url, {**data, "expected_difference": "100", "confirm": "1"})
    assert stale.status_code == 409  # the amount shown is no longer the right one
    done = counter.post(url, {**data, "expected_difference": "1500", "confirm": "1"})
    assert done.status_code == 302
    with in_venue(venue_a):
        assert order.payments.filter(method="card_counter", amount_cents=1500).exists()
        assert status_of(later, "B5") == "sold"


def test_exchanging_to_a_seat_just_taken_is_refused(venue_a, performance, curie, counter):
    with in_venue(venue_a):
        later = build_performance(name="Salle Vilar", starts_in_days=40)
        b5 = seat(later, "B5")
        a1 = curie.tickets.get(seat__label="A1")
        plein = Tariff.objects.get(code="plein").pk
        sell(later, "B5")
    data = {
        "tickets": [a1.pk],
        "performance": later.pk,
        "mode": "seats",
        "seats": [b5],
        "tariff": plein,
        "expected_difference": "0",
        "confirm": "1",
    }
    response = counter.post(f"/backoffice/orders/{curie.pk}/exchange/", data)
    assert response.status_code in (400, 409)
    with in_venue(venue_a):
        assert Ticket.objects.get(pk=a1.pk).status == Ticket.Status.VALID


def test_the_exchange_page_needs_the_right_to_sell(venue_a, curie, make_staff, client_for):
    client = client_for(venue_a, make_staff(venue_a, User.Role.READ_ONLY))
    assert client.get(f"/backoffice/orders/{curie.pk}/exchange/").status_code == 403


def test_the_buyer_of_an_order_can_be_a_contact_found_by_phone(venue_a, performance, counter):
    with in_venue(venue_a):
        contact = find_or_create_contact(last_name="Tel", phone="0600000001", source="web")
        order = sell(performance, "A1", buyer=Buyer(last_name="Autre"))
    html = counter.get("/backoffice/orders/", {"q": "Autre"}).content.decode()
    assert order.reference in html and contact.last_name not in html
