"""The box-office screens through HTTP: sell at the counter, identify the buyer, take cash,
cards and split payments, lose a race for a seat cleanly, and stay inside one venue."""

import pytest

from crm.models import Contact
from crm.services import find_or_create_contact
from tenants.accounts.models import User
from tests.helpers import in_venue
from ticketing.models import Order, Payment, PerformanceSeat, Seat, Tariff
from ticketing.services import orders
from ticketing.services.inventory import HoldRequest
from ticketing.services.orders import PaymentSpec, TariffChoice

pytestmark = pytest.mark.django_db


def seat(performance, label: str) -> int:
    return Seat.objects.get(section__layout=performance.layout, label=label).pk


def tariff(code: str) -> int:
    return Tariff.objects.get(code=code).pk


def category(performance, name: str) -> int:
    return performance.categories.get(name=name).pk


def sale_url(performance) -> str:
    return f"/backoffice/box-office/{performance.pk}/"


def post_sale(client, performance, **fields):
    """A counter sale as the form posts it; pay_* default to one cash line for the rest."""
    data = {"pay_method": ["cash"], "pay_amount": [""], "pay_reference": [""], **fields}
    return client.post(sale_url(performance), data)


@pytest.fixture
def seller(venue_a, make_staff):
    return make_staff(venue_a, User.Role.BOX_OFFICE, full_name="Yanis Morel")


@pytest.fixture
def counter(venue_a, seller, client_for):
    client = client_for(venue_a, seller)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # assertions read the English wording
    return client


def test_the_board_lists_performances_with_free_places_per_category(venue_a, performance, counter):
    page = counter.get("/backoffice/box-office/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Le Misanthrope" in html and f"/backoffice/box-office/{performance.pk}/" in html
    assert "Cat. 1 <strong>20</strong>" in html  # rows A and B
    assert "Cat. 2 <strong>50</strong>" in html  # rows C–E and the 20 standing places


def test_the_sale_page_shows_categories_seat_map_and_shortcuts(venue_a, performance, counter):
    html = counter.get(sale_url(performance)).content.decode()
    assert 'name="best_' in html and 'name="zone_' in html
    assert "data-seatmap" in html  # the shared SVG seat map, staff mode
    assert "Alt+1" in html and 'name="pay_method"' in html


def test_selling_chosen_seats_records_a_paid_order_and_the_buyer(
    venue_a, performance, counter, seller
):
    with in_venue(venue_a):
        a1, a2 = seat(performance, "A1"), seat(performance, "A2")
        reduit = tariff("reduit")
    response = post_sale(
        counter,
        performance,
        seats=[a1, a2],
        **{f"tariff_{a2}": reduit},
        first_name="Marie",
        last_name="Curie",
        email="Marie.Curie@example.fr",
        phone="06 12 34 56 78",
    )
    assert response.status_code == 302
    with in_venue(venue_a):
        order = Order.objects.get()
        assert response["Location"] == f"/backoffice/box-office/receipt/{order.pk}/"
        assert order.status == Order.Status.PAID and order.channel == "box_office"
        assert order.total_cents == 2500 + 1500 and order.sold_by == seller
        assert sorted(t.price_cents for t in order.tickets.all()) == [1500, 2500]
        assert PerformanceSeat.objects.get(performance=performance, seat_id=a1).status == "sold"
        contact = Contact.objects.get(email_normalized="marie.curie@example.fr")
        assert order.contact == contact and contact.phone == "+33612345678"
        assert [(p.method, p.amount_cents) for p in order.payments.all()] == [("cash", 4000)]
    receipt = counter.get(response["Location"]).content.decode()
    assert order.reference in receipt and "A1" in receipt and "A2" in receipt
    assert "40\u00a0€" in receipt and "New sale" in receipt
    assert f'href="{sale_url(performance)}"' in receipt


def test_cash_tendered_over_the_total_gives_change_on_the_receipt(venue_a, performance, counter):
    with in_venue(venue_a):
        a1 = seat(performance, "A1")
    response = post_sale(counter, performance, seats=[a1], pay_amount=["50"])
    assert response.status_code == 302
    with in_venue(venue_a):
        order = Order.objects.get()
        # The drawer keeps the price; the 25 € handed back are change, not a payment.
        assert [(p.method, p.amount_cents) for p in order.payments.all()] == [("cash", 2500)]
    receipt = counter.get(response["Location"]).content.decode()
    assert "25\u00a0€" in receipt and "50\u00a0€" in receipt
    assert "bo-change-big" in receipt


def test_split_payment_card_then_cash_for_the_rest(venue_a, performance, counter):
    with in_venue(venue_a):
        seats = [seat(performance, label) for label in ("B1", "B2", "B3")]
    response = post_sale(
        counter,
        performance,
        seats=seats,
        pay_method=["card_counter", "cheque", "cash"],
        pay_amount=["40", "20,50", ""],
        pay_reference=["", "CHQ-0042", ""],
    )
    assert response.status_code == 302
    with in_venue(venue_a):
        payments = {p.method: p for p in Order.objects.get().payments.all()}
        assert payments["card_counter"].amount_cents == 4000
        assert payments["cheque"].amount_cents == 2050
        assert payments["cheque"].provider_reference == "CHQ-0042"
        assert payments["cash"].amount_cents == 7500 - 4000 - 2050


def test_payments_that_do_not_cover_the_total_sell_nothing(venue_a, performance, counter):
    with in_venue(venue_a):
        a1 = seat(performance, "A1")
    response = post_sale(counter, performance, seats=[a1], pay_amount=["10"])
    assert response.status_code == 400
    assert "15\u00a0€ still to pay" in response.content.decode()
    with in_venue(venue_a):
        assert not Order.objects.exists()
        assert PerformanceSeat.objects.get(performance=performance, seat_id=a1).status == (
            "available"
        )


def test_card_over_the_total_is_refused(venue_a, performance, counter):
    with in_venue(venue_a):
        a1 = seat(performance, "A1")
    response = post_sale(
        counter, performance, seats=[a1], pay_method=["card_counter"], pay_amount=["30"]
    )
    assert response.status_code == 400
    with in_venue(venue_a):
        assert not Order.objects.exists()


def test_an_anonymous_counter_buyer_gets_no_contact(venue_a, performance, counter):
    with in_venue(venue_a):
        a1 = seat(performance, "A1")
    assert post_sale(counter, performance, seats=[a1]).status_code == 302
    with in_venue(venue_a):
        assert Order.objects.get().contact is None
        assert not Contact.objects.exists()


def test_a_new_buyer_without_email_is_recorded(venue_a, performance, counter):
    with in_venue(venue_a):
        a1 = seat(performance, "A1")
    post_sale(counter, performance, seats=[a1], last_name="Dupont", postcode="49100")
    with in_venue(venue_a):
        contact = Order.objects.get().contact
        assert contact.last_name == "Dupont" and contact.email == ""


def test_a_mistyped_phone_or_email_is_shown_on_its_field_and_nothing_is_sold(
    venue_a, performance, counter
):
    with in_venue(venue_a):
        a1 = seat(performance, "A1")
    bad_phone = post_sale(counter, performance, seats=[a1], last_name="Durand", phone="12")
    assert bad_phone.status_code == 400
    assert "is not a valid phone number" in bad_phone.content.decode()
    bad_email = post_sale(counter, performance, seats=[a1], email="durand@")
    assert bad_email.status_code == 400
    with in_venue(venue_a):
        assert not Order.objects.exists() and not Contact.objects.exists()
        assert PerformanceSeat.objects.get(performance=performance, seat_id=a1).status == (
            "available"
        )


def test_an_unknown_amount_is_refused_without_selling(venue_a, performance, counter):
    with in_venue(venue_a):
        a1 = seat(performance, "A1")
    for amount in ("douze", "NaN", "-5", "12,345"):
        response = post_sale(counter, performance, seats=[a1], pay_amount=[amount])
        assert response.status_code == 400, amount
    with in_venue(venue_a):
        assert not Order.objects.exists()


def test_picking_a_known_contact_links_the_order_to_it(venue_a, performance, counter):
    with in_venue(venue_a):
        known = find_or_create_contact(
            email="lea@example.fr", first_name="Léa", last_name="Martin", source="web"
        )
        a1 = seat(performance, "A1")
    post_sale(counter, performance, seats=[a1], contact=known.pk, first_name="ignored")
    with in_venue(venue_a):
        assert Order.objects.get().contact == known
        assert Contact.objects.count() == 1
        known.refresh_from_db()
        assert known.purchase_count == 1 and known.first_name == "Léa"


def test_picking_a_known_contact_without_email_links_the_order_to_it(venue_a, performance, counter):
    with in_venue(venue_a):
        known = find_or_create_contact(
            last_name="Sans-Mail", phone="0612345678", source="box_office"
        )
        a1 = seat(performance, "A1")
    post_sale(counter, performance, seats=[a1], contact=known.pk)
    with in_venue(venue_a):
        assert Order.objects.get().contact == known
        assert Contact.objects.count() == 1


def test_best_available_and_standing_places_in_one_sale(venue_a, performance, counter):
    with in_venue(venue_a):
        cat1 = category(performance, "Cat. 1")
        fosse = performance.zone_states.get().pk
    response = post_sale(counter, performance, **{f"best_{cat1}": 2, f"zone_{fosse}": 3})
    assert response.status_code == 302
    with in_venue(venue_a):
        order = Order.objects.get()
        assert order.tickets.filter(seat__isnull=False).count() == 2
        assert order.tickets.filter(performance_zone_id=fosse).count() == 3
        assert order.total_cents == 2 * 2500 + 3 * 1800


def test_a_seat_taken_between_display_and_submit_sells_nothing(venue_a, performance, counter):
    with in_venue(venue_a):
        a1, a2 = seat(performance, "A1"), seat(performance, "A2")
        plein = tariff("plein")
    assert counter.get(sale_url(performance)).status_code == 200
    with in_venue(venue_a):  # another counter (or the web) is faster
        orders.sell(
            performance=performance,
            request=HoldRequest(seat_ids=[a1]),
            tariffs=TariffChoice(default=plein),
            payments=[PaymentSpec("cash", 2500)],
        )
    response = post_sale(counter, performance, seats=[a1, a2], last_name="Trop-Tard")
    html = response.content.decode()
    assert response.status_code == 409
    assert "Nothing was sold." in html
    assert "Seats A1 were just sold by someone else: choose other seats" in html
    with in_venue(venue_a):
        assert Order.objects.count() == 1  # only the faster sale
        assert PerformanceSeat.objects.get(performance=performance, seat_id=a2).status == (
            "available"
        )
        assert not Contact.objects.filter(last_name="Trop-Tard").exists()
    # The seat is dropped from the selection; the other one is kept for a second try.
    assert f'name="tariff_{a2}"' in html and f'name="tariff_{a1}"' not in html


def test_find_suggests_the_best_seats_without_holding_them(venue_a, performance, counter):
    with in_venue(venue_a):
        cat1 = category(performance, "Cat. 1")
    response = counter.post(
        f"/backoffice/box-office/{performance.pk}/places/",
        {f"best_{cat1}": "3", "find": str(cat1)},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("data-bo-line=") == 3 and "<html" not in html  # a fragment
    with in_venue(venue_a):
        assert not PerformanceSeat.objects.exclude(status="available").exists()


def test_seats_typed_by_label_are_added_and_unknown_ones_reported(venue_a, performance, counter):
    response = counter.post(
        f"/backoffice/box-office/{performance.pk}/places/", {"labels": "c4, C5 Z99"}
    )
    html = response.content.decode()
    with in_venue(venue_a):
        c4, c5 = seat(performance, "C4"), seat(performance, "C5")
    assert f'name="tariff_{c4}"' in html and f'name="tariff_{c5}"' in html
    assert "Z99" in html


@pytest.mark.parametrize("role", [User.Role.READ_ONLY, User.Role.COMMUNICATION])
def test_only_box_office_and_admin_may_sell(role, venue_a, performance, make_staff, client_for):
    client = client_for(venue_a, make_staff(venue_a, role))
    with in_venue(venue_a):
        a1 = seat(performance, "A1")
    assert client.get("/backoffice/box-office/").status_code == 403
    assert client.get(sale_url(performance)).status_code == 403
    assert post_sale(client, performance, seats=[a1]).status_code == 403
    assert client.get("/backoffice/box-office/buyers/?q=a").status_code == 403
    with in_venue(venue_a):
        assert not Order.objects.exists()


def test_an_admin_may_sell(venue_a, performance, make_staff, client_for):
    client = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN))
    with in_venue(venue_a):
        a1 = seat(performance, "A1")
    assert post_sale(client, performance, seats=[a1]).status_code == 302


def test_the_navigation_offers_the_box_office_to_sellers_only(
    venue_a, make_staff, client_for, counter
):
    reader = client_for(venue_a, make_staff(venue_a, User.Role.READ_ONLY))
    assert "/backoffice/box-office/" in counter.get("/backoffice/").content.decode()
    read_only_home = reader.get("/backoffice/").content.decode()
    assert "/backoffice/box-office/" not in read_only_home
    assert "/backoffice/orders/" in read_only_home


def test_buyer_search_finds_by_name_email_phone_and_postcode(venue_a, counter):
    with in_venue(venue_a):
        find_or_create_contact(
            email="jeanne.moreau@example.fr",
            first_name="Jeanne",
            last_name="Moreau",
            phone="06 11 22 33 44",
            postcode="49100",
            source="web",
        )
        find_or_create_contact(email="autre@example.fr", last_name="Autre", source="web")
    for query in ("moreau", "JEANNE.MOR", "06 11 22 33 44", "49100", "jeanne moreau"):
        html = counter.get("/backoffice/box-office/buyers/", {"q": query}).content.decode()
        assert "Jeanne Moreau" in html, query
        assert "Autre" not in html, query
    empty = counter.get("/backoffice/box-office/buyers/", {"q": "personne"}).content.decode()
    assert "personne" in empty and 'name="contact"' not in empty


def test_buyer_search_never_shows_another_venues_contacts(
    venue_a, venue_b, make_staff, client_for, counter
):
    with in_venue(venue_b):
        find_or_create_contact(
            email="zoe@beta.fr", first_name="Zoé", last_name="Beta", source="web"
        )
    assert "Beta" not in counter.get("/backoffice/box-office/buyers/?q=beta").content.decode()
    beta = client_for(venue_b, make_staff(venue_b, User.Role.BOX_OFFICE))
    assert "Zoé Beta" in beta.get("/backoffice/box-office/buyers/?q=beta").content.decode()


def test_a_receipt_of_one_venue_is_not_found_on_another(
    venue_a, venue_b, performance, counter, make_staff, client_for
):
    with in_venue(venue_a):
        a1 = seat(performance, "A1")
    post_sale(counter, performance, seats=[a1])
    with in_venue(venue_a):
        order = Order.objects.get()
    beta = client_for(venue_b, make_staff(venue_b, User.Role.BOX_OFFICE))
    assert beta.get(f"/backoffice/box-office/receipt/{order.pk}/").status_code == 404
    assert beta.get(sale_url(performance)).status_code == 404


def test_a_free_invitation_needs_no_payment(venue_a, performance, counter):
    with in_venue(venue_a):
        from ticketing.models import Price

        a1 = seat(performance, "A1")
        invitation = tariff("invitation")
        Price.objects.create(
            category_id=category(performance, "Cat. 1"), tariff_id=invitation, amount_cents=0
        )
    response = post_sale(counter, performance, seats=[a1], **{f"tariff_{a1}": invitation})
    assert response.status_code == 302
    with in_venue(venue_a):
        order = Order.objects.get()
        assert order.status == Order.Status.PAID and order.total_cents == 0
        assert not Payment.objects.exists()
