"""The ticket PDF (its QR decoded from the rendered page and verified), the ticket page behind
its unguessable link, the back-office and API downloads, the promotions printed on tickets."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone, translation

from tests.helpers import in_venue
from ticketing.models import Show, Ticket, TicketPromotion
from ticketing.selectors.tickets import active_promotions, order_documents
from ticketing.services import orders
from ticketing.tickets import keys
from ticketing.tickets.payload import verify_ticket_payload
from ticketing.tickets.pdf import (
    LocalOnlyFetcher,
    render_tickets_html,
    render_tickets_pdf,
    static_roots,
)

from .tickets_helpers import decode_qr, pdf_pages_as_png, sell

pytestmark = pytest.mark.django_db


def _pdf(order, layout="a4"):
    return render_tickets_pdf(order, order_documents(order), active_promotions(), layout=layout)


@pytest.mark.parametrize("layout", ["a4", "phone"])
def test_each_pdf_page_carries_one_ticket_whose_qr_verifies_offline(venue_a, performance, layout):
    with in_venue(venue_a):
        order = sell(performance, "A1", "A2", zone_places=1)
        pdf = _pdf(order, layout)
        public_key = keys.signing_key().public_key
        tickets = order_documents(order)
    pages = pdf_pages_as_png(pdf)
    assert len(pages) == 3  # one ticket per page
    decoded = []
    for page in pages:
        (text,) = decode_qr(page)
        decoded.append(verify_ticket_payload(text, public_key))
    assert sorted(c.ticket_id for c in decoded) == sorted(t.pk for t in tickets)
    assert {c.label for c in decoded} == {"Parterre A1", "Parterre A2", "Fosse"}
    assert {c.performance_id for c in decoded} == {performance.pk}


def test_the_pdf_prints_what_the_spectator_needs(venue_a, performance):
    with in_venue(venue_a):
        performance.access_info = "Tram 2, arrêt Quai"
        performance.doors_open_at = performance.starts_at - timedelta(minutes=30)
        performance.save()
        order = sell(performance, "A1")
        with translation.override("fr"):
            html = render_tickets_html(order, order_documents(order), [])
    for text in (
        "Théâtre Alpha",
        "Le Misanthrope",
        "Parterre A1",
        "Tram 2, arrêt Quai",
        "Marie Curie",
        order.reference,
        "25",
    ):
        assert text in html
    assert "<svg" in html and "http://" not in html.split("<svg", 1)[0].replace(
        "http://www.w3.org", ""
    )


def test_the_pdf_fetches_nothing_from_the_network():
    fetcher = LocalOnlyFetcher(static_roots())
    for url in ("http://example.com/x.png", "https://example.com/font.woff", "ftp://x/y"):
        with pytest.raises(Exception, match="Refused"):
            fetcher.fetch(url)
    with pytest.raises(Exception, match="Refused"):
        fetcher.fetch("file:///etc/passwd")


def test_a_promotion_is_printed_until_it_expires(venue_a, performance):
    with in_venue(venue_a):
        other = Show.objects.create(title="Cyrano", slug="cyrano")
        TicketPromotion.objects.create(
            show=other,
            message="20 % de remise",
            code="CYR20",
            expires_at=timezone.now() + timedelta(days=3),
        )
        own = TicketPromotion.objects.create(
            show=performance.show,
            message="never on its own tickets",
            expires_at=timezone.now() + timedelta(days=3),
        )
        assert own
        order = sell(performance, "A1")
        html = render_tickets_html(order, order_documents(order), active_promotions())
        assert "20 % de remise" in html and "CYR20" in html and "never on its own" not in html
        with time_machine.travel(timezone.now() + timedelta(days=4)):
            html = render_tickets_html(order, order_documents(order), active_promotions())
        assert "CYR20" not in html


def test_staff_set_a_promotion_in_the_back_office(venue_a, performance, make_staff, client_for):
    from tenants.accounts.models import User

    admin = make_staff(venue_a, User.Role.ADMIN)
    client = client_for(venue_a, admin)
    assert client.get("/backoffice/tickets/promotions/").status_code == 200
    until = (timezone.localtime() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        "/backoffice/tickets/promotions/",
        {
            "show": performance.show_id,
            "message": "Une place offerte",
            "code": "",
            "expires_at": until,
        },
    )
    assert response.status_code == 302
    with in_venue(venue_a):
        promotion = TicketPromotion.objects.get()
    past = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    refused = client.post(
        "/backoffice/tickets/promotions/",
        {"show": performance.show_id, "message": "x", "expires_at": past},
    )
    assert refused.status_code == 400
    assert client.post(f"/backoffice/tickets/promotions/{promotion.pk}/end/").status_code == 302
    with in_venue(venue_a):
        assert not active_promotions()
    box_office = client_for(venue_a, make_staff(venue_a, User.Role.BOX_OFFICE))
    assert box_office.get("/backoffice/tickets/promotions/").status_code == 403


# --- The ticket page -------------------------------------------------------------------------
def test_the_ticket_page_shows_the_qr_without_login(venue_a, performance, client_for):
    with in_venue(venue_a):
        ticket = sell(performance, "A1").tickets.get()
        public_key = keys.signing_key().public_key
    response = client_for(venue_a).get(f"/t/{ticket.code}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body and "Parterre A1" in body
    assert (
        response["Cache-Control"].startswith("private") and "no-store" in response["Cache-Control"]
    )
    assert response["Referrer-Policy"] == "no-referrer"
    pdf = client_for(venue_a).get(f"/t/{ticket.code}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    (page,) = pdf_pages_as_png(pdf.content)
    (text,) = decode_qr(page)
    assert verify_ticket_payload(text, public_key).ticket_id == ticket.pk


def test_the_ticket_link_is_not_derived_from_the_id(venue_a, performance):
    with in_venue(venue_a):
        tickets = list(sell(performance, "A1", "A2").tickets.all())
    for ticket in tickets:
        assert str(ticket.pk) not in ticket.code and len(ticket.code) >= 16
    assert tickets[0].code[:8] != tickets[1].code[:8]


def test_other_tokens_ids_and_venues_get_404(venue_a, venue_b, performance, client_for):
    with in_venue(venue_a):
        ticket = sell(performance, "A1").tickets.get()
    client = client_for(venue_a)
    for path in (
        f"/t/{ticket.pk}/",
        f"/t/{ticket.code[:-1]}/",
        f"/t/{ticket.code}x/",
        f"/t/{ticket.code.upper() if ticket.code.upper() != ticket.code else ticket.code.lower()}/",
        "/t/" + "a" * 300 + "/",
        f"/t/{ticket.pk}/pdf/",
    ):
        assert client.get(path).status_code == 404, path
    # The same token on another venue's host: not found there.
    assert client_for(venue_b).get(f"/t/{ticket.code}/").status_code == 404
    assert client_for(venue_b).get(f"/t/{ticket.code}/pdf/").status_code == 404


def test_a_refunded_tickets_page_says_so_and_shows_no_qr(venue_a, performance, client_for):
    with in_venue(venue_a):
        order = sell(performance, "A1")
        orders.refund_order(order=order)
        ticket = Ticket.objects.get(order=order)
    response = client_for(venue_a).get(f"/t/{ticket.code}/")
    assert response.status_code == 410
    assert "<svg" not in response.content.decode()
    assert client_for(venue_a).get(f"/t/{ticket.code}/pdf/").status_code == 404


# --- Back office and API downloads -----------------------------------------------------------
def test_back_office_downloads_the_orders_tickets(
    venue_a, venue_b, performance, make_staff, client_for
):
    from tenants.accounts.models import User

    with in_venue(venue_a):
        order = sell(performance, "A1", "A2")
    reader = client_for(venue_a, make_staff(venue_a, User.Role.READ_ONLY))
    page = reader.get(f"/backoffice/orders/{order.pk}/")
    assert page.status_code == 200 and b"tickets.pdf" in page.content
    response = reader.get(f"/backoffice/tickets/orders/{order.pk}/tickets.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert len(pdf_pages_as_png(response.content, dpi=30)) == 2
    phone = reader.get(f"/backoffice/tickets/orders/{order.pk}/tickets.pdf?layout=phone")
    assert phone.status_code == 200
    other = client_for(venue_b, make_staff(venue_b, User.Role.ADMIN))
    assert other.get(f"/backoffice/tickets/orders/{order.pk}/tickets.pdf").status_code == 404
    assert (
        client_for(venue_a).get(f"/backoffice/tickets/orders/{order.pk}/tickets.pdf").status_code
        == 302
    )


def test_api_downloads_the_orders_tickets(venue_a, performance, api):
    with in_venue(venue_a):
        order = sell(performance, "A1")
    response = api.get(f"/api/v1/orders/{order.reference}/tickets.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert api.get("/api/v1/orders/NOPE1234/tickets.pdf").status_code == 404


def test_the_pdf_reads_the_same_few_rows_whatever_the_number_of_tickets(
    venue_a, performance, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with in_venue(venue_a):
        small, big = sell(performance, "A1"), sell(performance, *[f"B{i}" for i in range(1, 9)])
        keys.signing_key()
        counts = []
        for order in (small, big):
            with CaptureQueriesContext(connection) as queries:
                render_tickets_html(order, order_documents(order), active_promotions())
            counts.append(len(queries))
    assert counts[0] == counts[1] <= 4, counts  # tickets, promotions, key (+ the logo)


def test_the_promotions_page_reads_a_fixed_number_of_rows(
    venue_a, performance, make_staff, client_for
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tenants.accounts.models import User

    client = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN))
    client.get("/backoffice/tickets/promotions/")  # warm the per-process caches
    counts = []
    for total in (1, 12):
        with in_venue(venue_a):
            while TicketPromotion.objects.count() < total:
                n = TicketPromotion.objects.count()
                show = Show.objects.create(title=f"Show {n}", slug=f"show-{n}")
                TicketPromotion.objects.create(
                    show=show, message="m", expires_at=timezone.now() + timedelta(days=n + 1)
                )
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/backoffice/tickets/promotions/")
        assert response.content.count(b"<tr>") == total + 1  # (the header row)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_other_venues_api_tokens_find_no_order(venue_a, venue_b, performance, make_staff):
    from django.test import Client

    from tenants.accounts.models import User
    from tenants.accounts.services import create_api_token
    from tests.helpers import host_for

    with in_venue(venue_a):
        order = sell(performance, "A1")
    user = make_staff(venue_b, User.Role.ADMIN)
    with in_venue(venue_b):
        _token, key = create_api_token(name="other", user=user, actor=user)
    beta = Client(HTTP_HOST=host_for(venue_b), HTTP_AUTHORIZATION=f"Token {key}")
    assert beta.get(f"/api/v1/orders/{order.reference}/tickets.pdf").status_code == 404
    resend = beta.post(
        f"/api/v1/orders/{order.reference}/resend/", {}, content_type="application/json"
    )
    assert resend.status_code == 404


def test_the_confirmation_page_links_each_ticket_page(venue_a, performance, client_for):
    from ticketing.views.storefront import ORDERS_KEY

    with in_venue(venue_a):
        order = sell(performance, "A1", "A2")
        codes = list(order.tickets.values_list("code", flat=True))
    spectator = client_for(venue_a)
    with in_venue(venue_a):
        session = spectator.session
        session[ORDERS_KEY] = [order.reference]
        session.save()
    page = spectator.get(f"/orders/{order.reference}/").content.decode()
    for code in codes:
        assert f'href="/t/{code}/"' in page


def test_an_unpaid_orders_tickets_are_neither_shown_printed_nor_sent(
    venue_a, performance, plein, client_for, api
):
    """An order waiting for its online payment holds its places, but no QR leaves yet."""
    from ticketing.models import Seat
    from ticketing.services import inventory
    from ticketing.services.inventory import HoldRequest
    from ticketing.services.orders import Buyer, TariffChoice
    from ticketing.services.tickets import queue_confirmation_email

    with in_venue(venue_a):
        seat = Seat.objects.get(section__layout=performance.layout, label="A1")
        hold = inventory.create_hold(
            performance=performance, request=HoldRequest(seat_ids=[seat.pk])
        )
        order = orders.confirm_order(
            hold_token=hold.token,
            tariffs=TariffChoice(default=plein.pk),
            buyer=Buyer(email="later@example.fr"),
            allow_pending=True,
        )
        assert order.status == "pending"
        ticket = order.tickets.get()
        assert ticket.status == "valid" and order_documents(order) == []
        assert queue_confirmation_email(order_id=order.pk) is None
    assert client_for(venue_a).get(f"/t/{ticket.code}/").status_code == 404
    assert api.get(f"/api/v1/orders/{order.reference}/tickets.pdf").status_code == 404
    resend = api.post(
        f"/api/v1/orders/{order.reference}/resend/", {}, content_type="application/json"
    )
    assert resend.status_code == 400


def test_the_venues_logo_is_inlined_in_the_pdf(venue_a, performance):
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "#8a1538").save(buffer, format="PNG")
    with in_venue(venue_a):
        venue_a.logo.save("logo-test.png", ContentFile(buffer.getvalue()), save=False)
        try:
            order = sell(performance, "A1")
            html = render_tickets_html(order, order_documents(order), [])
            pdf = _pdf(order)
        finally:
            venue_a.logo.delete(save=False)
    assert '<img src="data:image/png;base64,' in html
    assert pdf.startswith(b"%PDF")  # rendered with it, nothing fetched
