"""The counter around the sale: prices shown fee included, the payment methods a venue takes,
the share of identified buyers, tickets printed on 80 mm thermal paper or emailed."""

import re

import pytest
from PIL import Image

from crm.services import find_or_create_contact
from tenants.accounts.models import AuditEvent, User
from tests.helpers import in_venue
from ticketing.errors import InvalidRequest
from ticketing.models import Order, OrderEmail, PaymentSettings, Tariff
from ticketing.selectors import identified_buyers
from ticketing.selectors.tickets import active_promotions, order_documents
from ticketing.services import orders, programme
from ticketing.services.inventory import HoldRequest
from ticketing.services.orders import Buyer, PaymentSpec, TariffChoice
from ticketing.services.payment_settings import update_counter_methods
from ticketing.templatetags.ticketing_ui import money
from ticketing.tickets import keys
from ticketing.tickets.payload import verify_ticket_payload
from ticketing.tickets.pdf import render_tickets_pdf

from .test_views_boxoffice import category, post_sale, sale_url, seat
from .tickets_helpers import decode_qr, pdf_pages_as_png

pytestmark = pytest.mark.django_db

THERMAL_DPI = 203  # what 80 mm receipt printers print at


@pytest.fixture
def seller(venue_a, make_staff):
    return make_staff(venue_a, User.Role.BOX_OFFICE, full_name="Yanis Morel")


@pytest.fixture
def counter(venue_a, seller, client_for):
    client = client_for(venue_a, seller)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def manager(venue_a, make_staff, client_for):
    client = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def counter_sale(performance, *labels, buyer=None, method="cash"):
    """A counter sale of these seats at full price (call it inside the venue)."""
    return orders.sell(
        performance=performance,
        request=HoldRequest(seat_ids=[seat(performance, label) for label in labels]),
        tariffs=TariffChoice(default=Tariff.objects.get(code="plein").pk),
        buyer=buyer,
        payments=[PaymentSpec(method, None)],
        channel="box_office",
    )


# --- Prices -------------------------------------------------------------------------------
def test_the_price_list_shows_what_a_place_costs_fee_included(venue_a, performance, counter):
    with in_venue(venue_a):
        programme.update_sales_settings(fee_cents=50, fee_percent_bp=0)
    html = counter.get(sale_url(performance)).content.decode()
    prices = re.search(r"data-bo-prices>(.*?)</span>", html).group(1)
    # Cat. 1: 25 € and 15 € + 0.50 € fee each: two places cost twice what is shown.
    assert money(2550) in prices and money(1550) in prices
    assert money(2500) not in prices
    assert "booking fee included" in html
    with in_venue(venue_a):
        cat1 = category(performance, "Cat. 1")
    response = post_sale(counter, performance, **{f"best_{cat1}": "2"})
    assert response.status_code == 302
    with in_venue(venue_a):
        assert Order.objects.get().total_cents == 2 * 2550


# --- Payment methods ----------------------------------------------------------------------
def test_a_venue_switches_card_off_and_the_counter_no_longer_offers_it(
    venue_a, performance, counter, manager
):
    page = manager.get("/backoffice/counter/")
    assert page.status_code == 200 and 'value="card_counter"' in page.content.decode()
    response = manager.post("/backoffice/counter/", {"methods": ["cash", "cheque"]})
    assert response.status_code == 302
    with in_venue(venue_a):
        assert PaymentSettings.current().counter_methods == ["cash", "cheque"]
        event = AuditEvent.objects.get(code="ticketing.counter_methods.updated")
        assert event.changes["counter_methods"][1] == ["cash", "cheque"]
    html = counter.get(sale_url(performance)).content.decode()
    assert 'value="card_counter"' not in html and 'value="voucher"' not in html
    assert "<kbd>Alt+2</kbd> Cheque" in html  # the shortcuts follow the methods shown
    with in_venue(venue_a):
        a1 = seat(performance, "A1")
    refused = post_sale(counter, performance, seats=[a1], pay_method=["card_counter"])
    assert refused.status_code == 400
    assert "not taken at the counter" in refused.content.decode()
    with in_venue(venue_a):
        assert not Order.objects.exists()


def test_the_sale_service_refuses_a_method_switched_off(venue_a, performance):
    with in_venue(venue_a):
        update_counter_methods(methods=["cash"])
        with pytest.raises(InvalidRequest) as refused:
            counter_sale(performance, "A1", method="cheque")
        assert refused.value.code == "ticketing.payment_method_disabled"
        assert counter_sale(performance, "A1", method="cash").status == Order.Status.PAID


def test_at_least_one_method_stays_on(venue_a, manager):
    response = manager.post("/backoffice/counter/", {})
    assert response.status_code == 400
    assert "at least one payment method" in response.content.decode()
    with in_venue(venue_a):
        assert PaymentSettings.current().counter_methods == [
            "cash",
            "card_counter",
            "cheque",
            "voucher",
        ]


def test_split_payment_across_the_methods_still_on(venue_a, performance, counter):
    with in_venue(venue_a):
        a1, a2 = seat(performance, "A1"), seat(performance, "A2")
    response = post_sale(
        counter,
        performance,
        seats=[a1, a2],
        pay_method=["voucher", "cheque", "cash"],
        pay_amount=["10", "20", "50"],
        pay_reference=["BON-1", "CHQ-77", ""],
    )
    assert response.status_code == 302
    with in_venue(venue_a):
        order = Order.objects.get()
        paid = {p.method: (p.amount_cents, p.change_cents) for p in order.payments.all()}
    assert paid == {"voucher": (1000, 0), "cheque": (2000, 0), "cash": (2000, 3000)}


# --- Identified buyers --------------------------------------------------------------------
def test_the_performance_page_reports_the_share_of_identified_buyers(venue_a, performance, manager):
    with in_venue(venue_a):
        contact = find_or_create_contact(
            first_name="Ada", last_name="Lovelace", email="a@l.fr", source="box_office"
        )
        counter_sale(performance, "A1", "A2", buyer=Buyer(contact_id=contact.pk))
        counter_sale(performance, "A3")  # anonymous
        counter_sale(performance, "A4", "A5", buyer=Buyer(first_name="Léa", email="lea@x.fr"))
        # A postcode alone makes no contact: it stays on the order.
        localised = counter_sale(performance, "A6", buyer=Buyer(postcode=" 49 100 "))
        assert localised.contact is None and localised.buyer_postcode == "49 100"
        shares = identified_buyers(performance)
    counter_row, total = shares[0], shares[-1]
    assert (counter_row.channel, counter_row.orders, counter_row.identified_orders) == (
        "box_office",
        4,
        2,
    )
    assert (total.tickets, total.identified_tickets, total.percent) == (6, 4, 50)
    assert total.postcode_only == 1
    html = manager.get(f"/backoffice/programme/performances/{performance.pk}/").content.decode()
    assert "Identified buyers" in html and "50 %" in html and "2 of 4 orders" in html


# --- Tickets: thermal paper, email --------------------------------------------------------
def test_thermal_tickets_are_80_mm_wide_one_per_page_and_their_qr_reads(venue_a, performance):
    with in_venue(venue_a):
        order = counter_sale(performance, "A1", "A2", buyer=Buyer(email="p@example.fr"))
        tickets = order_documents(order)
        pdf = render_tickets_pdf(order, tickets, active_promotions(), layout="thermal")
        public_key = keys.signing_key().public_key
    pages = pdf_pages_as_png(pdf, dpi=THERMAL_DPI)
    assert len(pages) == 2
    decoded = []
    for page in pages:
        width_mm = Image.open(page).width / THERMAL_DPI * 25.4
        assert 79 < width_mm < 81
        (text,) = decode_qr(page)
        decoded.append(verify_ticket_payload(text, public_key).ticket_id)
    assert sorted(decoded) == sorted(t.pk for t in tickets)


def test_the_receipt_prints_thermal_or_a4_and_emails_the_tickets(venue_a, performance, counter):
    with in_venue(venue_a):
        a1 = seat(performance, "A1")
    sold = post_sale(counter, performance, seats=[a1])  # anonymous
    receipt = counter.get(sold["Location"]).content.decode()
    with in_venue(venue_a):
        order = Order.objects.get()
    pdf_url = f"/backoffice/tickets/orders/{order.pk}/tickets.pdf"
    assert f"{pdf_url}?layout=thermal" in receipt and f"{pdf_url}?layout=a4" in receipt
    assert 'data-bo-key="p"' in receipt and 'name="to"' in receipt  # no email known: ask
    pdf = counter.get(f"{pdf_url}?layout=thermal")
    assert pdf["Content-Type"] == "application/pdf"
    assert f"tickets-{order.reference}-thermal.pdf" in pdf["Content-Disposition"]
    sent = counter.post(
        f"/backoffice/box-office/receipt/{order.pk}/email/", {"to": "late@example.fr"}
    )
    assert sent.status_code == 302 and sent["Location"] == sold["Location"]
    bad = counter.post(f"/backoffice/box-office/receipt/{order.pk}/email/", {"to": "nope"})
    assert bad.status_code == 302
    with in_venue(venue_a):
        assert list(OrderEmail.objects.values_list("to", flat=True)) == ["late@example.fr"]
