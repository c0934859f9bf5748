"""The spectator space: sign-in by emailed link (single use, short-lived, hashed, rate-limited),
optional password, bookings (guest orders appear once the email is proven; cancel/exchange
within the venue's rules), favourites, preferences, my data, erasure requests; owners only
(IDOR: other spectators' references are 404) and two venues isolated."""

import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.models import Consent, Contact, ErasureRequest, SignInLink, SpectatorAccount, TimelineEvent
from tenants.accounts.models import AuditEvent, User
from tests.helpers import in_venue
from tests.ticketing.conftest import build_performance
from ticketing.models import AfterSaleRule, OnlinePayment, Order, Payment, Performance, Ticket
from ticketing.services import programme
from ticketing.services.orders.spectators import set_aftersale_rule

pytestmark = pytest.mark.django_db


def buyer(email: str, first: str = "Marie", last: str = "Curie") -> dict:
    return {"email": email, "first_name": first, "last_name": last, "phone": "", "postcode": ""}


@pytest.fixture
def browser_for(client_for):
    def make(venue):
        client = client_for(venue)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


def buy(client, venue, performance, email: str, quantity: int = 1, extra: dict | None = None):
    """An order through the storefront, as a guest: best available seats in Cat. 1."""
    with in_venue(venue):
        category = performance.categories.get(name="Cat. 1")
    response = client.post(
        f"/performances/{performance.pk}/hold/", {"category": category.pk, "quantity": quantity}
    )
    assert response.status_code == 302, response.content.decode()
    assert client.get("/checkout/").status_code == 200
    response = client.post("/checkout/", {**buyer(email), "action": "pay", **(extra or {})})
    assert response.status_code == 302, response.content.decode()[:3000]
    with in_venue(venue):
        return Order.objects.get(reference=response["Location"].split("/")[-2])


def link_from_mail(message) -> str:
    url = re.search(r"https?://\S+", message.body).group(0)
    return urlparse(url).path


def sign_in(client, email: str, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/space/sign-in/", {"email": email, "action": "link"})
    assert response.status_code == 200 and "Check your inbox" in response.content.decode()
    path = link_from_mail(mail.outbox[-1])
    assert client.get(path).status_code == 200  # a page with a button: the GET spends nothing
    response = client.post(path)
    assert response.status_code == 302, response.content.decode()[:500]


@pytest.fixture
def performance(venue_a):
    with in_venue(venue_a):
        yield build_performance()


# --- Sign-in ----------------------------------------------------------------------------------
def test_a_sign_in_link_works_once_and_is_stored_hashed(
    venue_a, browser_for, django_capture_on_commit_callbacks
):
    client = browser_for(venue_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/space/sign-in/", {"email": "Lea@Example.fr", "action": "link"})
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["Lea@Example.fr"]
    path = link_from_mail(mail.outbox[0])
    token = path.rstrip("/").split("/")[-1]
    with in_venue(venue_a):
        link = SignInLink.objects.get()
        assert link.email_normalized == "lea@example.fr"
        assert token not in link.token_hash and len(link.token_hash) == 64
    assert client.get("/space/").status_code == 302  # not signed in yet
    assert client.get(path).status_code == 200  # (a mail scanner's GET spends nothing)
    response = client.post(path)
    assert response.status_code == 302 and response["Location"] == "/space/"
    assert client.get("/space/").status_code == 200
    with in_venue(venue_a):
        account = SpectatorAccount.objects.select_related("contact").get()
        assert account.contact.email_normalized == "lea@example.fr"
        assert AuditEvent.objects.filter(code="crm.spectator.account_created").count() == 1
    # Single use: a second browser with the same link gets nothing.
    other = browser_for(venue_a)
    assert other.post(path).status_code == 410
    assert other.get("/space/").status_code == 302


def test_a_sign_in_link_expires_after_twenty_minutes(
    venue_a, browser_for, django_capture_on_commit_callbacks
):
    client = browser_for(venue_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/space/sign-in/", {"email": "lea@example.fr", "action": "link"})
    path = link_from_mail(mail.outbox[0])
    with time_machine.travel(timezone.now() + timedelta(minutes=21)):
        assert client.post(path).status_code == 410
    assert client.post("/space/sign-in/nonsense/").status_code == 410


def test_sign_in_links_are_rate_limited_per_address_and_per_client(
    venue_a, browser_for, settings, django_capture_on_commit_callbacks
):
    settings.PARTERRE_SIGNIN_LINK_RATE = "3/h"
    settings.PARTERRE_SIGNIN_LINK_IP_RATE = "5/h"
    client = browser_for(venue_a)
    with django_capture_on_commit_callbacks(execute=True):
        codes = [
            client.post(
                "/space/sign-in/", {"email": "lea@example.fr", "action": "link"}
            ).status_code
            for _ in range(4)
        ]
    assert codes == [200, 200, 200, 429]
    assert len(mail.outbox) == 3
    # Other addresses from the same client: the per-client limit (5) stops the sixth.
    codes = [
        client.post("/space/sign-in/", {"email": f"x{i}@example.fr", "action": "link"}).status_code
        for i in range(2)
    ]
    assert codes == [200, 429]


def test_an_optional_password_signs_in_and_wrong_ones_are_throttled(
    venue_a, browser_for, settings, django_capture_on_commit_callbacks
):
    settings.PARTERRE_LOGIN_RATE = "3/h"
    client = browser_for(venue_a)
    sign_in(client, "lea@example.fr", django_capture_on_commit_callbacks)
    response = client.post(
        "/space/password/", {"password1": "un ciel de mars", "password2": "un ciel de mars"}
    )
    assert response.status_code == 302
    assert client.get("/space/").status_code == 200  # this session stays signed in
    other = browser_for(venue_a)
    wrong = {"pw-email": "lea@example.fr", "pw-password": "nope", "action": "password"}
    assert other.post("/space/sign-in/", wrong).status_code == 400
    right = {**wrong, "pw-password": "un ciel de mars"}
    assert other.post("/space/sign-in/", right).status_code == 302
    assert other.get("/space/").status_code == 200
    third = browser_for(venue_a)
    codes = [third.post("/space/sign-in/", wrong).status_code for _ in range(4)]
    assert codes[-1] == 429
    assert third.post("/space/sign-in/", right).status_code == 429  # the guesser waits


def test_a_spectator_is_not_staff_and_staff_is_not_a_spectator(
    venue_a, browser_for, client_for, make_staff, django_capture_on_commit_callbacks
):
    client = browser_for(venue_a)
    sign_in(client, "admin-look-alike@example.fr", django_capture_on_commit_callbacks)
    response = client.get("/backoffice/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    staff = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN))
    assert staff.get("/space/").status_code == 302  # to the spectator sign-in


# --- Bookings and IDOR ------------------------------------------------------------------------
def test_a_guest_order_appears_once_its_email_is_proven(
    venue_a, browser_for, performance, django_capture_on_commit_callbacks
):
    guest = browser_for(venue_a)
    order = buy(guest, venue_a, performance, "marie.curie@example.fr", quantity=2)
    client = browser_for(venue_a)
    sign_in(client, "Marie.Curie@example.fr", django_capture_on_commit_callbacks)
    page = client.get("/space/").content.decode()
    assert order.reference in page and "Le Misanthrope" in page and "2 tickets" in page
    page = client.get(f"/space/orders/{order.reference}/").content.decode()
    assert "Row A" in page and "Bring a friend" in page


def test_other_spectators_orders_are_404_everywhere(
    venue_a, browser_for, performance, django_capture_on_commit_callbacks
):
    mine = buy(browser_for(venue_a), venue_a, performance, "me@example.fr")
    theirs = buy(browser_for(venue_a), venue_a, performance, "them@example.fr")
    with in_venue(venue_a):
        set_aftersale_rule(
            cancel_allowed=True, exchange_allowed=True, until_hours_before=24, cancel_fee_cents=0
        )
    client = browser_for(venue_a)
    sign_in(client, "me@example.fr", django_capture_on_commit_callbacks)
    assert client.get(f"/space/orders/{mine.reference}/").status_code == 200
    assert client.get(f"/space/orders/{theirs.reference}/").status_code == 404
    assert client.get("/space/orders/NOTHING1/").status_code == 404
    assert client.post(f"/space/orders/{theirs.reference}/cancel/").status_code == 404
    assert (
        client.post(
            f"/space/orders/{theirs.reference}/exchange/", {"performance": performance.pk}
        ).status_code
        == 404
    )
    with in_venue(venue_a):
        theirs.refresh_from_db()
        assert theirs.status == Order.Status.PAID
    # The order page of the storefront is the buying browser's only.
    assert client.get(f"/orders/{theirs.reference}/").status_code == 404


def test_a_spectator_of_one_venue_is_nobody_at_another(
    venue_a, venue_b, browser_for, performance, django_capture_on_commit_callbacks
):
    order = buy(browser_for(venue_a), venue_a, performance, "me@example.fr")
    client = browser_for(venue_a)
    sign_in(client, "me@example.fr", django_capture_on_commit_callbacks)
    beta = browser_for(venue_b)
    beta.cookies = client.cookies  # the same session cookie, presented to venue B
    assert beta.get("/space/").status_code == 302
    assert beta.get(f"/space/orders/{order.reference}/").status_code == 302
    # Proving the same address at venue B shows none of venue A's orders.
    sign_in(beta, "me@example.fr", django_capture_on_commit_callbacks)
    assert order.reference not in beta.get("/space/").content.decode()
    assert beta.get(f"/space/orders/{order.reference}/").status_code == 404


def reads(queries) -> list[str]:
    """The captured statements, the schema switches of the test's own in_venue blocks aside."""
    return [
        q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SET search_path")
    ]


def test_the_bookings_page_costs_the_same_queries_for_one_order_or_four(
    venue_a, browser_for, performance, django_capture_on_commit_callbacks
):
    buy(browser_for(venue_a), venue_a, performance, "me@example.fr")
    client = browser_for(venue_a)
    sign_in(client, "me@example.fr", django_capture_on_commit_callbacks)
    client.get("/space/")
    # (A full query log — 9,000 entries — would shift what a capture slices out of it.)
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as one:
        assert client.get("/space/").status_code == 200
    one = reads(one)  # (captured_queries slices the log when read: read it now)
    for _ in range(3):
        buy(browser_for(venue_a), venue_a, performance, "me@example.fr")
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as four:
        page = client.get("/space/").content.decode()
    assert page.count('class="card booking"') == 4

    # Session, account, the orders with their counts and shows: no query per order.
    assert len(one) == len(reads(four)) == 3


# --- Cancel and exchange within the rules -----------------------------------------------------
def test_cancelling_within_the_rule_refunds_minus_the_fee(
    venue_a, browser_for, performance, django_capture_on_commit_callbacks
):
    order = buy(browser_for(venue_a), venue_a, performance, "me@example.fr", quantity=2)
    client = browser_for(venue_a)
    sign_in(client, "me@example.fr", django_capture_on_commit_callbacks)
    # No rule: the box office only.
    page = client.get(f"/space/orders/{order.reference}/").content.decode()
    assert "please contact the box office" in page
    assert client.post(f"/space/orders/{order.reference}/cancel/").status_code == 302
    with in_venue(venue_a):
        assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
        set_aftersale_rule(
            cancel_allowed=True, exchange_allowed=False, until_hours_before=48, cancel_fee_cents=100
        )
    page = client.get(f"/space/orders/{order.reference}/").content.decode()
    assert "Cancel my booking" in page and "minus" in page
    client.post(f"/space/orders/{order.reference}/cancel/")
    with in_venue(venue_a):
        order.refresh_from_db()
        assert order.status == Order.Status.REFUNDED
        assert order.refunded_cents == 2 * 2500 - 200
        refund = Payment.objects.get(order=order, amount_cents__lt=0)
        # Back the way it was paid: the online payment, through the provider.
        assert refund.amount_cents == -(2 * 2500 - 200) and refund.method == "online"
        assert OnlinePayment.objects.get(order=order).refunded_cents == 2 * 2500 - 200
        event = AuditEvent.objects.get(code="ticketing.order.refunded", object_id=order.pk)
        assert event.actor_kind == "spectator" and event.data["withheld_cents"] == 200


def test_a_performance_rule_overrides_the_venues_and_too_late_is_refused(
    venue_a, browser_for, performance, django_capture_on_commit_callbacks
):
    order = buy(browser_for(venue_a), venue_a, performance, "me@example.fr")
    with in_venue(venue_a):
        set_aftersale_rule(
            cancel_allowed=True, exchange_allowed=True, until_hours_before=24, cancel_fee_cents=0
        )
        set_aftersale_rule(
            performance=performance,
            cancel_allowed=False,
            exchange_allowed=False,
            until_hours_before=0,
            cancel_fee_cents=0,
        )
    client = browser_for(venue_a)
    sign_in(client, "me@example.fr", django_capture_on_commit_callbacks)
    client.post(f"/space/orders/{order.reference}/cancel/")
    with in_venue(venue_a):
        assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
        AfterSaleRule.objects.filter(performance=performance).delete()
    with time_machine.travel(performance.starts_at - timedelta(hours=23)):
        client.post(f"/space/orders/{order.reference}/cancel/")
        with in_venue(venue_a):
            assert Order.objects.get(pk=order.pk).status == Order.Status.PAID


def test_exchanging_to_another_date_of_the_show(
    venue_a, browser_for, performance, django_capture_on_commit_callbacks
):
    order = buy(browser_for(venue_a), venue_a, performance, "me@example.fr", quantity=2)
    with in_venue(venue_a):
        later = programme.schedule_performance(
            show=performance.show,
            layout=performance.layout,
            starts_at=performance.starts_at + timedelta(days=2),
            plan=[programme.CategoryPlan(name="Cat. 1", prices={"plein": 2500, "reduit": 1500})],
        )
        set_aftersale_rule(
            cancel_allowed=False, exchange_allowed=True, until_hours_before=24, cancel_fee_cents=0
        )
    client = browser_for(venue_a)
    sign_in(client, "me@example.fr", django_capture_on_commit_callbacks)
    page = client.get(f"/space/orders/{order.reference}/").content.decode()
    assert "Exchange my tickets" in page and "Cancel my booking" not in page
    client.post(f"/space/orders/{order.reference}/exchange/", {"performance": later.pk})
    with in_venue(venue_a):
        valid = Ticket.objects.filter(order=order, status="valid")
        assert {t.performance_id for t in valid} == {later.pk} and valid.count() == 2
        assert Ticket.objects.filter(order=order, status="exchanged").count() == 2


# --- Favourites, preferences, data ------------------------------------------------------------
def test_the_heart_is_a_plain_form_post(
    venue_a, browser_for, performance, django_capture_on_commit_callbacks
):
    slug = performance.show.slug
    anonymous = browser_for(venue_a)
    response = anonymous.post(f"/space/favourites/{slug}/", {"favourite": "1"})
    assert response.status_code == 302 and "/space/sign-in/" in response["Location"]
    client = browser_for(venue_a)
    sign_in(client, "me@example.fr", django_capture_on_commit_callbacks)
    page = client.get(f"/shows/{slug}/").content.decode()
    assert "Add to my favourites" in page
    client.post(f"/space/favourites/{slug}/", {"favourite": "1"})
    assert "In my favourites" in client.get(f"/shows/{slug}/").content.decode()
    assert "Le Misanthrope" in client.get("/space/favourites/").content.decode()
    client.post(f"/space/favourites/{slug}/", {"favourite": "0"})
    assert "Le Misanthrope" not in client.get("/space/favourites/").content.decode()


def test_preferences_record_consents_with_their_history(
    venue_a, browser_for, django_capture_on_commit_callbacks
):
    client = browser_for(venue_a)
    sign_in(client, "me@example.fr", django_capture_on_commit_callbacks)
    client.post("/space/preferences/", {"language": "en", "email_newsletter": "on"})
    client.post("/space/preferences/", {"language": "en"})
    with in_venue(venue_a):
        contact = Contact.objects.get(email_normalized="me@example.fr")
        assert contact.language == "en" and contact.email_consent is False
        rows = list(
            contact.consents.order_by("recorded_at", "id").values_list(
                "channel", "granted", "source"
            )
        )
        assert rows == [("email_newsletter", True, "web"), ("email_newsletter", False, "web")]
    page = client.get("/space/preferences/").content.decode()
    assert page.count("Newsletter by email") >= 2


def test_my_data_shows_and_exports_everything_and_erasure_is_confirmed_by_email(
    venue_a, browser_for, performance, django_capture_on_commit_callbacks
):
    order = buy(browser_for(venue_a), venue_a, performance, "me@example.fr")
    client = browser_for(venue_a)
    sign_in(client, "me@example.fr", django_capture_on_commit_callbacks)
    assert order.reference in client.get("/space/data/").content.decode()
    export = client.get("/space/data/export.json")
    assert export["Content-Type"].startswith("application/json")
    data = export.json()
    assert data["contact"]["email"] == "me@example.fr"
    assert data["orders"][0]["reference"] == order.reference
    assert {e["code"] for e in data["timeline"]} >= {"ticketing.purchase", "crm.contact.created"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/space/data/erasure/")
    with in_venue(venue_a):
        assert not ErasureRequest.objects.exists()  # not before the person confirms
    path = link_from_mail(mail.outbox[-1])
    assert "/space/erasure/" in path
    stranger = browser_for(venue_a)  # the link is the proof, not the session
    assert stranger.get(path).status_code == 200
    assert stranger.post(path).status_code == 200
    assert stranger.post(path).status_code == 200  # again: still one request
    assert stranger.post(path[:-3] + "xx/").status_code == 410  # a forged token
    with in_venue(venue_a):
        request = ErasureRequest.objects.get()
        assert (request.contact.email, request.origin, request.status) == (
            "me@example.fr",
            "person",
            "pending",
        )
        assert AuditEvent.objects.filter(code="crm.erasure.requested").count() == 1
        assert AuditEvent.objects.filter(code="crm.contact.data_exported").count() == 1
    assert "To decide" in client.get("/space/data/").content.decode()


# --- Interest signals -------------------------------------------------------------------------
def test_show_views_are_noted_once_a_day_only_after_a_yes(
    venue_a, browser_for, performance, django_capture_on_commit_callbacks
):
    slug, show_id = performance.show.slug, performance.show_id
    client = browser_for(venue_a)
    sign_in(client, "me@example.fr", django_capture_on_commit_callbacks)
    page = client.get(f"/shows/{slug}/").content.decode()
    assert "A question, asked once" in page
    with in_venue(venue_a):
        assert not TimelineEvent.objects.filter(code="storefront.show.viewed").exists()
    client.post("/space/interest/", {"answer": "no", "next": f"/shows/{slug}/"})
    page = client.get(f"/shows/{slug}/").content.decode()
    assert "A question, asked once" not in page
    with in_venue(venue_a):
        assert not TimelineEvent.objects.filter(code="storefront.show.viewed").exists()
    client.post("/space/interest/", {"answer": "yes"})
    client.get(f"/shows/{slug}/")
    client.get(f"/shows/{slug}/")
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        sign_in(client, "me@example.fr", django_capture_on_commit_callbacks)  # (a new session)
        client.get(f"/shows/{slug}/")
    with in_venue(venue_a):
        views = TimelineEvent.objects.filter(code="storefront.show.viewed", show_id=show_id)
        assert views.count() == 2
        consents = Consent.objects.filter(channel="web_interest").order_by("recorded_at", "id")
        assert [c.granted for c in consents] == [False, True]


def test_the_show_page_costs_no_spectator_query_for_anonymous_visitors(
    venue_a, browser_for, performance
):
    client = browser_for(venue_a)
    client.get(f"/shows/{performance.show.slug}/")
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/shows/{performance.show.slug}/")
    sql = " ".join(q["sql"] for q in queries)
    assert "crm_spectatoraccount" not in sql and "crm_favourite" not in sql
    assert sql.count("ticketing_checkoutstep") == 1  # the funnel's one INSERT


def test_accessibility_of_the_staff_area_is_untouched_by_space_pages(venue_a, browser_for):
    # The space's pages keep the site-wide X-Frame-Options; only the widget page is framable.
    response = browser_for(venue_a).get("/space/sign-in/")
    assert response["X-Frame-Options"] == "DENY"


def test_performance_status_other_dates_ignore_cancelled(venue_a, performance):
    with in_venue(venue_a):
        from ticketing.selectors.space import other_dates

        later = programme.schedule_performance(
            show=performance.show,
            layout=performance.layout,
            starts_at=performance.starts_at + timedelta(days=2),
            plan=[programme.CategoryPlan(name="Cat. 1", prices={"plein": 2500})],
        )
        assert [p.pk for p in other_dates(performance)] == [later.pk]
        Performance.objects.filter(pk=later.pk).update(status=Performance.Status.CANCELLED)
        assert other_dates(performance) == []


def test_links_signed_for_one_venue_mean_nothing_at_another(venue_a, venue_b, browser_for):
    from crm import spectators
    from ticketing.selectors.space import read_referral_token, referral_token

    with in_venue(venue_a):
        alpha = Contact.objects.create(email="a@example.fr", email_normalized="a@example.fr")
        consent = spectators.consent_invitation_token(alpha.pk)
        erasure = spectators.erasure_token(alpha.pk)
        referral = referral_token(contact_id=alpha.pk, show_id=1)
        assert read_referral_token(referral) == (alpha.pk, 1)
    with in_venue(venue_b):
        # The same id exists at venue B: still, venue A's links name nobody there.
        Contact.objects.create(pk=alpha.pk, email="b@example.fr", email_normalized="b@example.fr")
        assert read_referral_token(referral) is None
    beta = browser_for(venue_b)
    assert beta.get(f"/space/consent/{consent}/").status_code == 410
    assert beta.post(f"/space/erasure/{erasure}/").status_code == 410
    with in_venue(venue_b):
        assert not ErasureRequest.objects.exists() and not Consent.objects.exists()


def test_a_link_clicked_twice_at_once_signs_in_once(venue_a):
    from crm import spectators
    from tests.helpers import committed, run_together

    def ask():
        sent = []
        spectators.request_sign_in_link(email="race@example.fr", link_url=sent.append)
        return sent[0]

    token = committed(venue_a, ask)

    def redeem(_i):
        try:
            return spectators.redeem_sign_in_link(token=token)[0].pk
        except spectators.LinkInvalid:
            return None

    try:
        results = run_together(venue_a, redeem, threads=6)
        assert len([r for r in results if r is not None]) == 1
    finally:
        committed(
            venue_a,
            lambda: (
                SignInLink.objects.all().delete(),
                SpectatorAccount.objects.all().delete(),
                Contact.objects.filter(email_normalized="race@example.fr").delete(),
            ),
        )


def test_an_exchange_only_goes_to_a_public_date_of_the_same_show(
    venue_a, browser_for, performance, django_capture_on_commit_callbacks
):
    order = buy(browser_for(venue_a), venue_a, performance, "me@example.fr")
    with in_venue(venue_a):
        other_show = build_performance(name="Salle Vilar")
        draft = programme.schedule_performance(
            show=performance.show,
            layout=performance.layout,
            starts_at=performance.starts_at + timedelta(days=3),
            plan=[programme.CategoryPlan(name="Cat. 1", prices={"plein": 2500})],
            status="draft",
        )
        set_aftersale_rule(
            cancel_allowed=False, exchange_allowed=True, until_hours_before=1, cancel_fee_cents=0
        )
    client = browser_for(venue_a)
    sign_in(client, "me@example.fr", django_capture_on_commit_callbacks)
    for target in (other_show.pk, draft.pk, "99999999999999999999"):
        client.post(f"/space/orders/{order.reference}/exchange/", {"performance": target})
    with in_venue(venue_a):
        assert set(Ticket.objects.filter(order=order).values_list("status", flat=True)) == {"valid"}
