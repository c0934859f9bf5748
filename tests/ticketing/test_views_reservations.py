"""The counter's reservation, invitation and phone-sale buttons through HTTP (the sale screen's
form posted to their own addresses), the open reservations list, and the order and
performance pages that show them."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import Contact
from tenants import sms
from tenants.accounts.models import User
from tests.helpers import in_venue
from ticketing.models import Order, PaymentLink, PerformanceSeat, Seat

pytestmark = pytest.mark.django_db


def seat(performance, label: str) -> int:
    return Seat.objects.get(section__layout=performance.layout, label=label).pk


def post(client, performance, way: str, **fields):
    """The sale form as the screen posts it, sent with one of the block's buttons."""
    data = {"pay_method": ["cash"], "pay_amount": [""], "pay_reference": [""], **fields}
    return client.post(f"/backoffice/box-office/{performance.pk}/{way}/", data)


@pytest.fixture
def counter(venue_a, make_staff, client_for):
    client = client_for(venue_a, make_staff(venue_a, User.Role.BOX_OFFICE))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_the_sale_screen_offers_reserve_invite_and_phone(venue_a, performance, counter):
    html = counter.get(f"/backoffice/box-office/{performance.pk}/").content.decode()
    for action in ("reserve", "invite", "phone"):
        assert f'formaction="/backoffice/box-office/{performance.pk}/{action}/"' in html
    assert "Alt+R" in html and "Alt+I" in html and "Alt+T" in html
    assert "boxoffice-reservations.js" in html and 'name="invitation_reason"' in html


def test_reserving_at_the_counter_then_finding_it_in_the_list(venue_a, performance, counter):
    with in_venue(venue_a):
        a1 = seat(performance, "A1")
    response = post(
        counter, performance, "reserve", seats=[a1], last_name="Martin", phone="0612345678"
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with in_venue(venue_a):
        order = Order.objects.get()
        assert response["Location"] == f"/backoffice/orders/{order.pk}/"
        assert order.status == "pending" and order.pay_by and not order.payments.exists()
        assert PerformanceSeat.objects.get(performance=performance, seat_id=a1).status == "sold"
    page = counter.get(response["Location"]).content.decode()
    assert "Pay by" in page and "reserved" in page and "Payment link" in page
    with CaptureQueriesContext(connection) as queries:
        listing = counter.get("/backoffice/box-office/reservations/")
    html = listing.content.decode()
    assert listing.status_code == 200 and order.reference in html and "Le Misanthrope" in html
    few = len(queries)
    for label in ("A2", "A3", "A4"):  # more rows, same number of queries
        with in_venue(venue_a):
            sid = seat(performance, label)
        post(counter, performance, "reserve", seats=[sid], last_name=label)
    with CaptureQueriesContext(connection) as queries:
        counter.get("/backoffice/box-office/reservations/")
    assert len(queries) <= few
    found = counter.get("/backoffice/box-office/reservations/", {"q": "martin"}).content.decode()
    assert order.reference in found and "A2" not in found.split("<tbody>")[1]
    perf_page = counter.get(f"/backoffice/programme/performances/{performance.pk}/")
    assert perf_page.status_code == 200
    assert "Invitations and reservations" in perf_page.content.decode()
    assert "<dd><strong>4</strong>" in perf_page.content.decode()  # four seats reserved


def test_a_reservation_without_buyer_is_refused_on_the_screen(venue_a, performance, counter):
    with in_venue(venue_a):
        a1 = seat(performance, "A1")
    response = post(counter, performance, "reserve", seats=[a1])
    assert response.status_code == 400
    assert "A reservation needs a buyer" in response.content.decode()
    with in_venue(venue_a):
        assert not Order.objects.exists()


def test_an_invitation_from_the_counter(venue_a, performance, counter):
    with in_venue(venue_a):
        a1 = seat(performance, "A1")
        partner = Contact.objects.create(first_name="Mécène", last_name="Fidèle")
    refused = post(counter, performance, "invite", seats=[a1], last_name="Invitée")
    assert refused.status_code == 400 and "Choose why" in refused.content.decode()
    found = counter.get("/backoffice/box-office/inviters/", {"inviter_q": "Fidèle"})
    assert f'name="invited_by" value="{partner.pk}"' in found.content.decode()
    response = post(
        counter,
        performance,
        "invite",
        seats=[a1],
        last_name="Invitée",
        email="invitee@example.fr",
        invitation_reason="partner",
        invited_by=partner.pk,
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with in_venue(venue_a):
        order = Order.objects.get()
        assert (order.status, order.total_cents, order.invitation_reason) == ("paid", 0, "partner")
        assert order.invited_by == partner and order.contact.last_name == "Invitée"
    page = counter.get(response["Location"]).content.decode()
    assert "Invitation" in page and "Partner" in page and "Mécène Fidèle" in page


def test_a_phone_sale_from_the_counter_sends_the_link(
    venue_a, performance, counter, django_capture_on_commit_callbacks, monkeypatch
):
    from ticketing.services.orders import links

    monkeypatch.setattr(
        links, "send_task", lambda name, args, headers: links.send_link_sms(link_id=args[0])
    )
    sms.outbox.clear()
    with in_venue(venue_a):
        a1 = seat(performance, "A1")
    refused = post(counter, performance, "phone", seats=[a1], last_name="Sans", link_email="1")
    assert refused.status_code == 400 and "email" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            counter,
            performance,
            "phone",
            seats=[a1],
            last_name="Dupont",
            email="paul@example.fr",
            phone="06 11 22 33 44",
            link_email="1",
            link_sms="1",
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    with in_venue(venue_a):
        order = Order.objects.get()
        assert order.channel == "phone" and order.status == "pending"
        link = PaymentLink.objects.get(order=order)
    assert f"/pay/{link.token}/" in sms.outbox[0].body
    html = counter.get("/backoffice/box-office/reservations/").content.decode()
    assert "link sent" in html and "Phone" in html


def test_another_venues_staff_sees_none_of_it(
    venue_a, venue_b, performance, counter, make_staff, client_for
):
    with in_venue(venue_a):
        a1 = seat(performance, "A1")
    post(counter, performance, "reserve", seats=[a1], last_name="Martin")
    with in_venue(venue_a):
        order = Order.objects.get()
    other = client_for(venue_b, make_staff(venue_b, User.Role.BOX_OFFICE))
    assert order.reference not in other.get("/backoffice/box-office/reservations/").content.decode()
    assert other.post(f"/backoffice/box-office/reservations/{order.pk}/link/").status_code == 404
    assert other.post(f"/backoffice/box-office/{performance.pk}/reserve/", {}).status_code == 404


def test_the_venue_admin_sets_the_reservation_times(
    venue_a, performance, counter, make_staff, client_for
):
    from ticketing.selectors.reservations import reservation_deadline

    admin = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN))
    admin.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert "Reservation times" in admin.get("/backoffice/box-office/reservations/").content.decode()
    assert (
        "Reservation times"
        not in counter.get("/backoffice/box-office/reservations/").content.decode()
    )
    times = {
        "reservation_hours": "48",
        "reservation_cutoff_hours": "2",
        "reservation_reminder_hours": "12",
        "phone_payment_hours": "6",
    }
    assert counter.post("/backoffice/box-office/reservations/settings/", times).status_code == 403
    response = admin.post("/backoffice/box-office/reservations/settings/", times)
    assert response.status_code == 302
    from django.utils import timezone

    from ticketing.models import SalesSettings

    with in_venue(venue_a):
        saved = SalesSettings.current()
        assert (saved.reservation_hours, saved.phone_payment_hours) == (48, 6)
        now = timezone.now()
        assert reservation_deadline(performance, now=now) == now + timedelta(hours=48)
        assert reservation_deadline(performance, phone=True, now=now) == now + timedelta(hours=6)
    bad = admin.post(
        "/backoffice/box-office/reservations/settings/", {**times, "reservation_hours": "0"}
    )
    assert bad.status_code == 302
    with in_venue(venue_a):
        saved = SalesSettings.current()
        assert saved.reservation_hours == 48
        # Back to the defaults (saved: the settings cached meanwhile are forgotten).
        for name, value in (
            ("reservation_hours", 72),
            ("reservation_cutoff_hours", 1),
            ("reservation_reminder_hours", 24),
            ("phone_payment_hours", 24),
        ):
            setattr(saved, name, value)
        saved.save()
