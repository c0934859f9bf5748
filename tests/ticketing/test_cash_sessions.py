"""Cash sessions: counter payments join the open session of their desk; closing counts the
drawer by denomination against float + cash taken − change − cash refunds, and records the
difference with a mandatory comment; a manager reopens with a trace; a payment racing a
closing is either counted by it or refused (real concurrent connections, with the
unprotected control)."""

import threading
import time

import pytest
from django.db import connection

from tenants.accounts.models import AuditEvent, User
from tests.helpers import committed, in_venue, run_together
from tests.ticketing.conftest import build_performance
from ticketing.errors import CashSessionClosed, InvalidRequest
from ticketing.models import CashSession, Desk, Order, Payment, Seat, Tariff
from ticketing.selectors.cash import session_totals
from ticketing.services import cash, orders
from ticketing.services.inventory import HoldRequest
from ticketing.services.orders import PaymentSpec, TariffChoice
from ticketing.services.orders import sale as sale_module

pytestmark = pytest.mark.django_db


def _sell(performance, label: str, given_cents: int, session=None, method="cash"):
    seat = Seat.objects.get(section__layout=performance.layout, label=label)
    return orders.sell(
        performance=performance,
        request=HoldRequest(seat_ids=[seat.pk]),
        tariffs=TariffChoice(default=Tariff.objects.get(code="plein").pk),
        payments=[PaymentSpec(method, given_cents)],
        channel="box_office",
        cash_session_id=session.pk if session else None,
    )


@pytest.fixture
def till(venue_a, performance):
    with in_venue(venue_a):
        desk = cash.create_desk(name="Guichet 1")
        session = cash.open_cash_session(desk=desk, float_cents=10000)
        yield performance, desk, session


def test_counter_payments_join_the_open_session_and_the_drawer_is_computed(venue_a, till):
    performance, _desk, session = till
    sold = _sell(performance, "A1", 3000, session)  # 25 € due, 30 € given: 5 € change
    _sell(performance, "A2", 2500, session, method="card_counter")
    _sell(performance, "A3", 2500)  # another channel's payment: in no session
    payment = sold.payments.get()
    assert payment.cash_session_id == session.pk and payment.change_cents == 500
    totals = session_totals(session)
    assert (totals.cash_taken_cents, totals.change_cents) == (3000, 500)
    assert totals.expected_cents == 10000 + 3000 - 500
    assert {m.method: m.amount_cents for m in totals.by_method} == {
        "cash": 2500,
        "card_counter": 2500,
    }


def test_closing_without_difference(venue_a, till):
    performance, _desk, session = till
    _sell(performance, "A1", 3000, session)
    closed = cash.close_cash_session(
        session=session, counted={5000: 2, 2000: 1, 200: 1, 100: 3}, comment=""
    )
    assert closed.status == CashSession.Status.CLOSED
    assert (closed.counted_cents, closed.expected_cents, closed.difference_cents) == (
        12500,
        12500,
        0,
    )
    assert closed.counted == {"5000": 2, "2000": 1, "200": 1, "100": 3}
    event = AuditEvent.objects.get(code="ticketing.cash_session.closed")
    assert event.data["difference_cents"] == 0


def test_closing_with_a_difference_needs_a_comment(venue_a, till):
    performance, _desk, session = till
    _sell(performance, "A1", 2500, session)
    short = {5000: 2, 2000: 1, 200: 1, 50: 2}  # 123 € where 125 € are expected
    with pytest.raises(InvalidRequest) as error:
        cash.close_cash_session(session=session, counted=short, comment="  ")
    assert error.value.code == "ticketing.cash_difference_unexplained"
    session.refresh_from_db()
    assert session.status == CashSession.Status.OPEN
    closed = cash.close_cash_session(
        session=session, counted=short, comment="Erreur de rendu de monnaie"
    )
    assert (closed.difference_cents, closed.comment) == (-200, "Erreur de rendu de monnaie")
    with pytest.raises(InvalidRequest):
        cash.close_cash_session(session=closed, counted=short, comment="again")


def test_unknown_denomination_is_refused(venue_a, till):
    _performance, _desk, session = till
    with pytest.raises(InvalidRequest):
        cash.close_cash_session(session=session, counted={300: 1}, comment="x")


def test_a_cash_refund_comes_out_of_the_drawer(venue_a, till):
    performance, _desk, session = till
    sold = _sell(performance, "A1", 2500, session)
    orders.refund_order(order=sold, method="cash", cash_session_id=session.pk)
    totals = session_totals(session)
    assert totals.cash_refunds_cents == 2500
    assert totals.expected_cents == 10000
    refund = Payment.objects.get(order=sold, amount_cents__lt=0)
    assert refund.cash_session_id == session.pk


def test_a_payment_in_a_closed_session_is_refused_and_nothing_is_sold(venue_a, till):
    performance, _desk, session = till
    cash.close_cash_session(session=session, counted={5000: 2}, comment="")
    with pytest.raises(CashSessionClosed):
        _sell(performance, "A1", 2500, session)
    assert not Order.objects.exists()


def test_one_open_session_per_desk(venue_a, till):
    _performance, desk, _session = till
    with pytest.raises(InvalidRequest) as error:
        cash.open_cash_session(desk=desk, float_cents=0)
    assert error.value.code == "ticketing.cash_session_already_open"


def test_a_manager_reopens_with_a_trace_and_the_next_closing_recounts(venue_a, till, make_staff):
    performance, _desk, session = till
    manager = make_staff(venue_a, User.Role.ADMIN)
    with in_venue(venue_a):
        cash.close_cash_session(session=session, counted={5000: 2}, comment="")
        with pytest.raises(InvalidRequest):
            cash.reopen_cash_session(session=session, reason="", actor=manager)
        reopened = cash.reopen_cash_session(
            session=session, reason="Une vente oubliée", actor=manager
        )
        assert (reopened.status, reopened.reopened_count) == ("open", 1)
        event = AuditEvent.objects.get(code="ticketing.cash_session.reopened")
        assert event.actor_id == manager.pk and event.data["reason"] == "Une vente oubliée"
        assert event.data["previous"]["counted_cents"] == 10000
        _sell(performance, "A1", 2500, session)
        again = cash.close_cash_session(session=reopened, counted={5000: 2, 2000: 1, 500: 1})
        assert (again.expected_cents, again.difference_cents) == (12500, 0)


# --- Through the counter screen ----------------------------------------------------------


def _post_sale(client, performance, seat_id):
    data = {
        "seats": [seat_id],
        "pay_method": ["cash"],
        "pay_amount": ["30"],
        "pay_reference": [""],
    }
    return client.post(f"/backoffice/box-office/{performance.pk}/", data)


def test_the_counter_asks_for_a_session_once_the_venue_has_desks(
    venue_a, till, make_staff, client_for
):
    performance, desk, session = till
    seller = make_staff(venue_a, User.Role.BOX_OFFICE)
    client = client_for(venue_a, seller)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with in_venue(venue_a):
        a1 = Seat.objects.get(section__layout=performance.layout, label="A1").pk
    page = _post_sale(client, performance, a1)
    assert page.status_code == 409
    assert "open a session" in page.content.decode()
    with in_venue(venue_a):
        assert not Order.objects.exists()
    client.cookies["parterre_desk"] = str(desk.pk)
    screen = client.get(f"/backoffice/box-office/{performance.pk}/").content.decode()
    assert "Till open" in screen and "Guichet 1" in screen
    assert _post_sale(client, performance, a1).status_code == 302
    with in_venue(venue_a):
        payment = Payment.objects.get()
        assert payment.cash_session_id == session.pk and payment.change_cents == 500


def test_the_till_screens_open_and_close_through_http(venue_a, performance, make_staff, client_for):
    admin = make_staff(venue_a, User.Role.ADMIN)
    client = client_for(venue_a, admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.post("/backoffice/box-office/cash/desks/new/", {"name": "Guichet 2"})
    with in_venue(venue_a):
        desk = Desk.objects.get(name="Guichet 2")
    opened = client.post("/backoffice/box-office/cash/", {"desk": desk.pk, "float_euros": "150"})
    assert opened.status_code == 302 and opened.cookies["parterre_desk"].value == str(desk.pk)
    with in_venue(venue_a):
        session = CashSession.objects.get(desk=desk)
    url = f"/backoffice/box-office/cash/{session.pk}/"
    refused = client.post(url, {"d5000": "2", "comment": ""})
    assert refused.status_code == 400 and "explain the difference" in refused.content.decode()
    done = client.post(url, {"d10000": "1", "d5000": "1"})
    assert done.status_code == 302
    with in_venue(venue_a):
        session.refresh_from_db()
        assert (session.status, session.difference_cents) == ("closed", 0)
    page = client.get(url).content.decode()
    assert "Reopen the session" in page  # a manager may


def test_another_venue_cannot_see_the_session(venue_a, venue_b, till, make_staff, client_for):
    _performance, _desk, session = till
    other = client_for(venue_b, make_staff(venue_b, User.Role.ADMIN))
    assert other.get(f"/backoffice/box-office/cash/{session.pk}/").status_code == 404


# --- A payment racing the closing (real concurrent connections) -----------------------------

SLOW = 1.0  # the sale's transaction stays open this long after checking its session


def _drop(performance_id: int, desk_id: int) -> None:
    """Everything the race committed, its outbox events and audit entries included."""
    from tenants.events.models import Event

    sold = list(Order.objects.filter(tickets__performance_id=performance_id).distinct())
    Event.objects.filter(key__in=[f"order:{o.reference}" for o in sold]).delete()
    AuditEvent.objects.filter(
        object_type="ticketing.order", object_id__in=[o.pk for o in sold]
    ).delete()
    sessions = list(CashSession.objects.filter(desk_id=desk_id).values_list("pk", flat=True))
    AuditEvent.objects.filter(
        code__startswith="ticketing.cash_session.", object_id__in=sessions
    ).delete()
    Order.objects.filter(tickets__performance_id=performance_id).delete()
    CashSession.objects.filter(desk_id=desk_id).delete()
    Desk.objects.filter(pk=desk_id).delete()
    from tests.ticketing.test_concurrency import _cleanup

    _cleanup(performance_id)


@pytest.fixture
def racing_till(venue_a):
    def setup():
        performance = build_performance(name="Salle de la caisse")
        desk = Desk.objects.create(name="Guichet course")
        session = cash.open_cash_session(desk=desk, float_cents=5000)
        return performance, desk, session

    performance, desk, session = committed(venue_a, setup)
    yield venue_a, performance, session
    committed(venue_a, lambda: _drop(performance.pk, desk.pk))


CHECKED = threading.Event()  # the sale has checked its session: the closing may start


def _checked_unsafely(session_id: int) -> None:
    """The race without protection: the status read with no lock kept."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT status FROM ticketing_cashsession WHERE id = %s", [session_id])
        if cursor.fetchone()[0] != "open":
            raise CashSessionClosed()
    CHECKED.set()
    time.sleep(SLOW)


def _race(venue, performance, session) -> tuple[list, CashSession, int]:
    def work(i: int):
        if i == 0:
            try:
                return _sell(performance, "B1", 2500, session)
            except CashSessionClosed as error:
                return error
        assert CHECKED.wait(timeout=30)  # the sale has checked its session: close now
        return cash.close_cash_session(
            session=session, counted={5000: 1, 2000: 1, 500: 1}, comment="course"
        )

    CHECKED.clear()
    results = run_together(venue, work, threads=2)
    closed = results[1]
    in_session = committed(
        venue,
        lambda: sum(
            p.amount_cents for p in Payment.objects.filter(cash_session=session, method="cash")
        ),
    )
    return results, closed, in_session


@pytest.mark.slow
def test_a_payment_racing_the_closing_is_counted_by_it(racing_till, monkeypatch):
    venue, performance, session = racing_till
    original = sale_module.hold_session_open

    def slow_but_locked(session_id: int) -> None:
        original(session_id)
        CHECKED.set()
        time.sleep(SLOW)

    monkeypatch.setattr(sale_module, "hold_session_open", slow_but_locked)
    results, closed, in_session = _race(venue, performance, session)
    assert not isinstance(results[0], Exception)  # the closing waited for it
    assert in_session == 2500
    assert closed.expected_cents == 5000 + in_session  # ...and counted it


@pytest.mark.slow
def test_without_the_lock_a_payment_lands_in_a_closed_session_uncounted(racing_till, monkeypatch):
    venue, performance, session = racing_till
    monkeypatch.setattr(sale_module, "hold_session_open", _checked_unsafely)
    _results, closed, in_session = _race(venue, performance, session)
    assert in_session == 2500
    assert closed.expected_cents == 5000  # the drawer holds 25 € the closing never saw


def test_a_cash_refund_from_the_order_page_comes_out_of_the_desks_drawer(
    venue_a, till, make_staff, client_for
):
    performance, desk, session = till
    with in_venue(venue_a):
        sold = _sell(performance, "A1", 2500, session)
        ticket = sold.tickets.get()
    client = client_for(venue_a, make_staff(venue_a, User.Role.BOX_OFFICE))
    client.cookies["parterre_desk"] = str(desk.pk)
    data = {"tickets": [ticket.pk], "method": "cash", "include_fees": "on", "confirm": "1"}
    assert client.post(f"/backoffice/orders/{sold.pk}/refund/", data).status_code == 302
    with in_venue(venue_a):
        refund = Payment.objects.get(order=sold, amount_cents__lt=0)
        assert refund.cash_session_id == session.pk
        assert session_totals(session).expected_cents == 10000
