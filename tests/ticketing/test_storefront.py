"""The public storefront: programme, show and performance pages, the cart, checkout and the
confirmation, errors from the services, isolation between venues."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.models import Contact
from tests.helpers import in_venue
from tests.ticketing.conftest import build_performance
from ticketing.models import Hold, Order, PerformanceSeat, SalesSettings, Seat, Tariff
from ticketing.services import inventory, programme
from ticketing.services.inventory import HoldRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def spectator(venue_a, client_for):
    client = client_for(venue_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def seat_ids(venue, performance, *labels):
    with in_venue(venue):
        seats = Seat.objects.filter(section__layout=performance.layout, label__in=labels)
        return list(seats.order_by("label").values_list("id", flat=True))


def statuses(venue, performance, ids):
    with in_venue(venue):
        rows = PerformanceSeat.objects.filter(performance=performance, seat_id__in=ids)
        return {r.status for r in rows}


BUYER = {
    "email": "marie.curie@example.fr",
    "first_name": "Marie",
    "last_name": "Curie",
    "phone": "",
    "postcode": "75005",
}


def test_the_programme_lists_upcoming_performances_grouped_by_show(venue_a, spectator, performance):
    with in_venue(venue_a):
        programme.schedule_performance(
            show=performance.show,
            layout=performance.layout,
            starts_at=timezone.now() + timedelta(days=30),
            plan=[programme.CategoryPlan(name="Unique", prices={"plein": 1200})],
        )
        draft = programme.create_show(title="Brouillon secret")
        programme.schedule_performance(
            show=draft,
            layout=performance.layout,
            starts_at=timezone.now() + timedelta(days=9),
            plan=[programme.CategoryPlan(name="Unique", prices={"plein": 1200})],
            status="draft",
        )
    page = spectator.get("/").content.decode()
    assert page.count("Le Misanthrope</a>") == 1  # one entry per show...
    assert page.count('class="date-row"') == 2  # ...with its two dates
    assert "from 10" in page  # the cheapest public price of the first date (Cat. 2, reduced)
    assert "from 12" in page
    assert "Brouillon secret" not in page
    assert f'href="/performances/{performance.pk}/"' in page


def test_the_home_page_query_count_does_not_grow_with_performances(venue_a, spectator, performance):
    spectator.get("/")
    with CaptureQueriesContext(connection) as first:
        spectator.get("/")
    with in_venue(venue_a):
        for days in (21, 22, 23):
            programme.schedule_performance(
                show=performance.show,
                layout=performance.layout,
                starts_at=timezone.now() + timedelta(days=days),
                plan=[programme.CategoryPlan(name="Unique", prices={"plein": 1200})],
            )
    spectator.get("/")  # as before the first count: the connection's search path is set again
    with CaptureQueriesContext(connection) as second:
        page = spectator.get("/").content.decode()
    assert page.count('class="date-row"') == 4
    assert len(second) == len(first)


def test_few_seats_left_and_sold_out_hints(venue_a, spectator):
    with in_venue(venue_a):
        performance = build_performance(rows=2, seats_per_row=10, zone_capacity=0)
        ids = list(Seat.objects.values_list("id", flat=True).order_by("id"))
        inventory.allocate_seats(performance=performance, kind="press", name="P", seat_ids=ids[:19])
    assert "Few seats left" in spectator.get("/").content.decode()
    with in_venue(venue_a):
        programme.set_performance_status(performance=performance, status="sold_out")
    page = spectator.get("/").content.decode()
    assert "Sold out" in page and "Few seats left" not in page


def test_the_show_page_has_its_description_and_dates(venue_a, spectator, performance):
    with in_venue(venue_a):
        show = performance.show
        show.description, show.accessibility_notes = "Alceste hait les hommes.", "Boucle auditive"
        show.save()
    page = spectator.get(f"/shows/{show.slug}/").content.decode()
    assert "Alceste hait les hommes." in page and "Boucle auditive" in page
    assert f"/performances/{performance.pk}/" in page
    assert spectator.get("/shows/nothing-here/").status_code == 404


def test_the_performance_page_offers_the_map_and_best_available(venue_a, spectator, performance):
    with in_venue(venue_a):
        performance.access_info = "Métro Jaurès"
        performance.doors_open_at = performance.starts_at - timedelta(minutes=30)
        performance.save()
    page = spectator.get(f"/performances/{performance.pk}/").content.decode()
    # The map is drawn by the browser from two files, not carried by the page.
    assert 'role="button"' not in page
    assert f'data-geometry="/seatmaps/{performance.layout_id}-' in page
    assert f'data-availability="/performances/{performance.pk}/availability.json"' in page
    assert "<noscript>" in page and f"/performances/{performance.pk}/seats/" in page
    assert 'name="category"' in page and 'name="zone"' in page
    assert "Métro Jaurès" in page and "Doors open at" in page
    # Without JavaScript, the seats are chosen on the seat list page, drawn by the server.
    listing = spectator.get(f"/performances/{performance.pk}/seats/").content.decode()
    assert listing.count('role="button"') == 50
    assert "Row A, seat 1, Cat. 1, 25" in listing  # a seat's accessible name
    assert "<noscript>" in listing and 'name="seats" multiple' in listing


def test_a_storefront_without_online_payment_shows_the_programme_and_sells_nothing(
    venue_a, spectator, performance, settings
):
    settings.PARTERRE_STOREFRONT_ENABLED = False
    page = spectator.get(f"/performances/{performance.pk}/").content.decode()
    assert "not sold online yet" in page and 'name="seats"' not in page
    response = spectator.post(
        f"/performances/{performance.pk}/hold/", {"seats": seat_ids(venue_a, performance, "A1")}
    )
    assert response.status_code == 302
    with in_venue(venue_a):
        assert not Hold.objects.filter(performance=performance).exists()


def test_a_draft_performance_is_not_public(venue_a, spectator, performance):
    with in_venue(venue_a):
        programme.set_performance_status(performance=performance, status="draft")
    assert spectator.get(f"/performances/{performance.pk}/").status_code == 404


def test_the_journey_from_seats_to_confirmation(venue_a, spectator, performance):
    with in_venue(venue_a):
        settings = SalesSettings.current()
        settings.fee_cents = 50
        settings.save()
        reduit = Tariff.objects.get(code="reduit")
    a1, a2 = seat_ids(venue_a, performance, "A1", "A2")
    response = spectator.post(f"/performances/{performance.pk}/hold/", {"seats": [a1, a2]})
    assert response.status_code == 302 and response["Location"] == "/checkout/"
    assert statuses(venue_a, performance, [a1, a2]) == {"held"}

    page = spectator.get("/checkout/").content.decode()
    assert "A1" in page and "A2" in page
    assert "Your places are reserved until" in page and "data-countdown" in page
    assert 'name="newsletter"' in page and "checked" not in page.split('name="newsletter"')[1][:40]
    assert "Pay (test payment)" in page
    assert "Booking fee" in page and "51" in page  # 2 × 25 € + 2 × 0.50 €

    response = spectator.post(
        "/checkout/", {**BUYER, "action": "pay", f"tariff_seat_{a2}": reduit.pk}
    )
    assert response.status_code == 302, response.content.decode()
    with in_venue(venue_a):
        order = Order.objects.get()
        assert order.status == Order.Status.PAID and order.channel == "web"
        assert order.total_cents == 2500 + 1500 + 100 and order.fee_cents == 100
        assert sorted(t.price_cents for t in order.tickets.all()) == [1500, 2500]
        contact = Contact.objects.get(email_normalized="marie.curie@example.fr")
        assert contact.last_name == "Curie"
    assert response["Location"] == f"/orders/{order.reference}/"
    assert statuses(venue_a, performance, [a1, a2]) == {"sold"}

    page = spectator.get(response["Location"]).content.decode()
    assert order.reference in page
    assert "Row A, seat 1" in page and "Row A, seat 2" in page
    assert "Booking fee" in page and "41" in page
    # The cart is gone; another browser cannot open the order.
    assert spectator.get("/checkout/").status_code == 302
    other = spectator.__class__(HTTP_HOST=spectator.defaults["HTTP_HOST"])
    assert other.get(f"/orders/{order.reference}/").status_code == 404


def test_best_available_and_standing_places(venue_a, spectator, performance):
    with in_venue(venue_a):
        category = performance.categories.get(name="Cat. 1")
        zone = performance.zone_states.get()
    response = spectator.post(
        f"/performances/{performance.pk}/hold/", {"category": category.pk, "quantity": 3}
    )
    assert response.status_code == 302
    with in_venue(venue_a):
        hold = Hold.objects.get()
        assert hold.seats.count() == 3
        assert {s.category_id for s in hold.seats.all()} == {category.pk}
    # A new choice replaces the cart: the three seats go back on sale.
    response = spectator.post(
        f"/performances/{performance.pk}/hold/", {"zone": zone.pk, "quantity": 2}
    )
    assert response.status_code == 302
    with in_venue(venue_a):
        hold.refresh_from_db()
        assert hold.status == Hold.Status.RELEASED
    page = spectator.get("/checkout/").content.decode()
    assert "Fosse × 2" in page
    response = spectator.post("/checkout/", {**BUYER, "action": "pay"})
    assert response.status_code == 302
    with in_venue(venue_a):
        order = Order.objects.get()
        assert order.total_cents == 2 * 1800
        zone.refresh_from_db()
        assert (zone.sold, zone.held) == (2, 0)


def test_choosing_a_tariff_updates_the_total_with_htmx(venue_a, spectator, performance):
    (a1,) = seat_ids(venue_a, performance, "A1")
    spectator.post(f"/performances/{performance.pk}/hold/", {"seats": [a1]})
    with in_venue(venue_a):
        reduit = Tariff.objects.get(code="reduit")
    response = spectator.post(
        "/checkout/", {"action": "update", f"tariff_seat_{a1}": reduit.pk}, HTTP_HX_REQUEST="true"
    )
    fragment = response.content.decode()
    assert fragment.startswith('<div id="cart"')
    assert "<strong>15" in fragment


def test_seats_just_taken_are_reported_on_the_page(venue_a, spectator, performance):
    a1, a2 = seat_ids(venue_a, performance, "A1", "A2")
    with in_venue(venue_a):
        inventory.create_hold(performance=performance, request=HoldRequest(seat_ids=[a2]))
    response = spectator.post(
        f"/performances/{performance.pk}/hold/", {"seats": [a1, a2]}, follow=True
    )
    assert "were just taken" in response.content.decode()
    assert statuses(venue_a, performance, [a1]) == {"available"}  # all or nothing


def test_an_expired_hold_says_so_and_frees_the_seats(venue_a, spectator, performance):
    a1, a2 = seat_ids(venue_a, performance, "A1", "A2")
    spectator.post(f"/performances/{performance.pk}/hold/", {"seats": [a1, a2]})
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        response = spectator.post("/checkout/", {**BUYER, "action": "pay"}, follow=True)
    page = response.content.decode()
    assert "Your reservation expired" in page
    assert response.redirect_chain[-1][0] == f"/performances/{performance.pk}/"
    assert statuses(venue_a, performance, [a1, a2]) == {"available"}
    with in_venue(venue_a):
        assert not Order.objects.exists()
        assert Hold.objects.get().status == Hold.Status.RELEASED


def test_the_buyer_can_release_the_cart(venue_a, spectator, performance):
    (a1,) = seat_ids(venue_a, performance, "A1")
    spectator.post(f"/performances/{performance.pk}/hold/", {"seats": [a1]})
    response = spectator.post("/checkout/", {"action": "release"}, follow=True)
    assert "Your seats were released" in response.content.decode()
    assert statuses(venue_a, performance, [a1]) == {"available"}


def test_missing_buyer_details_keep_the_cart(venue_a, spectator, performance):
    (a1,) = seat_ids(venue_a, performance, "A1")
    spectator.post(f"/performances/{performance.pk}/hold/", {"seats": [a1]})
    response = spectator.post("/checkout/", {"action": "pay", "email": "nope"})
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert statuses(venue_a, performance, [a1]) == {"held"}


def test_a_performance_not_on_sale_yet_says_when(venue_a, spectator, performance):
    with in_venue(venue_a):
        performance.sale_opens_at = timezone.now() + timedelta(days=2)
        performance.save()
    page = spectator.get(f"/performances/{performance.pk}/").content.decode()
    assert "Sales open on" in page
    (a1,) = seat_ids(venue_a, performance, "A1")
    response = spectator.post(f"/performances/{performance.pk}/hold/", {"seats": [a1]}, follow=True)
    assert "Sales open on" in response.content.decode()


def test_the_storefront_works_in_french_by_default(venue_a, client_for, performance):
    page = client_for(venue_a).get("/").content.decode()
    assert '<html lang="fr">' in page and "Programmation" in page


def test_one_venue_never_shows_another_venues_programme(venue_a, venue_b, client_for):
    with in_venue(venue_a):
        performance = build_performance()
    beta = client_for(venue_b)
    assert "Le Misanthrope" not in beta.get("/").content.decode()
    assert beta.get(f"/performances/{performance.pk}/").status_code == 404
    assert beta.get(f"/shows/{performance.show.slug}/").status_code == 404
    assert beta.post(f"/performances/{performance.pk}/hold/", {"seats": [1]}).status_code == 404


def test_a_cart_token_from_one_venue_means_nothing_on_another(venue_a, venue_b, client_for):
    with in_venue(venue_a):
        performance = build_performance()
    (a1,) = seat_ids(venue_a, performance, "A1")
    alpha = client_for(venue_a)
    alpha.post(f"/performances/{performance.pk}/hold/", {"seats": [a1]})
    beta = client_for(venue_b)
    beta.cookies["sessionid"] = alpha.cookies["sessionid"].value
    response = beta.get("/checkout/")
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_legacy_storefront_url_name_still_resolves(venue_a):
    from django.urls import reverse

    with in_venue(venue_a):
        assert reverse("storefront_home") == "/" == reverse("store:home")


def test_a_rescheduled_performance_shows_its_new_date_and_still_sells(
    venue_a, spectator, performance
):
    with in_venue(venue_a):
        programme.reschedule_performance(
            performance=performance, starts_at=performance.starts_at + timedelta(days=7)
        )
    assert "New date" in spectator.get("/").content.decode()
    page = spectator.get(f"/performances/{performance.pk}/").content.decode()
    assert "This performance has a new date" in page
    with in_venue(venue_a):
        hold = inventory.create_hold(performance=performance, request=HoldRequest(best_available=2))
        assert hold.seat_count == 2
