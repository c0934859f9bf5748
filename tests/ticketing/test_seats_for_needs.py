"""Seats that fit the person: the ranking (ticketing.bestseat: fit, for_needs, choose with
needs), and the same ranking online (a needs choice on the performance page) and at the
counter (the buyer's declared needs)."""

import re
from types import SimpleNamespace

import pytest

from tests.helpers import in_venue
from ticketing import bestseat, selectors
from ticketing.bestseat import Candidate
from ticketing.carts import CartError, parse_cart
from ticketing.models import Hold, PerformanceSeat, Seat
from ticketing.services import halls

pytestmark = pytest.mark.django_db


def row(y: float, row: str, n: int, *, section=1, rank=1, **flags) -> list[Candidate]:
    return [
        Candidate(
            id=int(y * 100) + i,
            section=section,
            row=row,
            number=i,
            x=float(i),
            y=y,
            rank=rank,
            **{k: (i in v) for k, v in flags.items()},
        )
        for i in range(1, n + 1)
    ]


HALL = [
    *row(1, "A", 10),
    *row(2, "B", 10, hearing_loop={4, 5, 6, 7}),
    *row(3, "C", 10, rank=2, step_free={1, 2, 9, 10}),
    *row(4, "D", 10, rank=2, wheelchair={1, 10}, companion={2, 9}),
]


def test_fit_counts_the_needs_a_seat_meets():
    b5 = next(s for s in HALL if s.row == "B" and s.number == 5)
    d1 = next(s for s in HALL if s.row == "D" and s.number == 1)
    d2 = next(s for s in HALL if s.row == "D" and s.number == 2)
    assert bestseat.fit(b5, ("hearing_loop",)) == 1
    assert bestseat.fit(b5, ("wheelchair",)) == 0
    assert bestseat.fit(d1, ("wheelchair", "companion_seat")) == 1
    assert bestseat.fit(d2, ("reduced_mobility",)) == 1  # a companion seat is step-free
    assert bestseat.fit(d2, ()) == 0


def test_for_needs_puts_fitting_seats_first_and_keeps_spaces_for_who_needs_them():
    hearing = bestseat.for_needs(HALL, ("hearing_loop",))
    assert [s.row + str(s.number) for s in hearing[:4]] == ["B4", "B5", "B6", "B7"]
    assert not any(s.wheelchair or s.companion for s in hearing)  # kept for others
    wheelchair = bestseat.for_needs(HALL, ("wheelchair",))
    assert {s.row + str(s.number) for s in wheelchair[:2]} == {"D1", "D10"}
    mobility = bestseat.for_needs(HALL, ("reduced_mobility",))
    assert {s.row + str(s.number) for s in mobility[:6]} == {"C1", "C2", "C9", "C10", "D2", "D9"}
    assert not any(s.wheelchair for s in mobility)


def test_best_available_with_needs_looks_among_fitting_seats_first():
    # Without needs, two seats go to the middle of row A (best rank).
    usual = bestseat.choose(HALL, 2)
    assert {s.row for s in HALL if s.id in usual.ids} == {"A"}
    # With the hearing loop, side by side within the loop zone of row B.
    hearing = bestseat.choose(HALL, 2, needs=("hearing_loop",))
    assert {(s.row, s.number) for s in HALL if s.id in hearing.ids} <= {
        ("B", n) for n in (4, 5, 6, 7)
    }
    assert hearing.contiguous
    # A wheelchair user and a companion: the space and the companion seat beside it.
    pair = bestseat.choose(HALL, 2, needs=("wheelchair", "companion_seat"))
    chosen = [s for s in HALL if s.id in pair.ids]
    assert sum(s.wheelchair for s in chosen) == 1 and sum(s.companion for s in chosen) == 1
    # More people than fitting seats: the fitting ones, then the nearest others.
    five = bestseat.choose(HALL, 5, needs=("hearing_loop",))
    assert len(five.ids) == 5
    assert sum(s.hearing_loop for s in HALL if s.id in five.ids) == 4


def test_needs_no_seat_fits_falls_back_to_the_usual_choice():
    front = [s for s in HALL if s.row == "A"]
    assert bestseat.choose(front, 2, needs=("hearing_loop",)) == bestseat.choose(front, 2)
    assert bestseat.choose(front, 2, needs=("wheelchair",)) == bestseat.choose(front, 2)


def test_needs_are_read_defensively_from_a_contact():
    assert bestseat.needs_of(SimpleNamespace()) == ()  # a contact without the field yet
    assert bestseat.needs_of(None) == ()
    person = SimpleNamespace(accessibility_needs=["hearing_loop", "teleport", "wheelchair"])
    assert bestseat.needs_of(person) == ("wheelchair", "hearing_loop")


def test_the_cart_parser_refuses_unknown_needs(venue_a, performance):
    with in_venue(venue_a):
        with pytest.raises(CartError) as error:
            parse_cart({"best_available": 1, "needs": ["teleport"]}, performance=performance)
        assert error.value.code == "ticketing.cart.bad_needs"
        spec = parse_cart({"best_available": 1, "needs": ["hearing_loop"]}, performance=performance)
        assert spec.request.needs == ("hearing_loop",)


# --- Online and at the counter ---------------------------------------------------------------
@pytest.fixture
def loop_seats(venue_a, performance):
    """Row B (Cat. 1) seats 4–7 are in the hearing loop zone; E1 is a wheelchair space."""
    with in_venue(venue_a):
        ids = list(
            Seat.objects.filter(
                section__layout=performance.layout, row="B", number__in=[4, 5, 6, 7]
            ).values_list("id", flat=True)
        )
        halls.update_seats(layout=performance.layout, seat_ids=ids, hearing_loop=True)
        e1 = Seat.objects.get(section__layout=performance.layout, label="E1").pk
        halls.update_seats(layout=performance.layout, seat_ids=[e1], wheelchair=True)
    return set(ids)


@pytest.fixture
def spectator(venue_a, client_for):
    client = client_for(venue_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_the_performance_page_offers_fitting_seats_first(spectator, performance, loop_seats):
    page = spectator.get(f"/performances/{performance.pk}/?needs=hearing_loop").content.decode()
    offered = [int(v) for v in re.findall(r'name="seats" value="(\d+)"', page)]
    assert set(offered) == loop_seats  # only the seats that fit, best first
    assert "hearing loop" in page
    assert 'data-needs="hearing_loop"' in page
    assert page.count('name="needs" value="hearing_loop"') >= 2  # the choice and best available
    plain = spectator.get(f"/performances/{performance.pk}/").content.decode()
    assert 'name="seats" value=' not in plain


def test_best_available_online_takes_fitting_seats_for_declared_needs(
    venue_a, spectator, performance, loop_seats
):
    with in_venue(venue_a):
        cat1 = performance.categories.get(name="Cat. 1").pk
    response = spectator.post(
        f"/performances/{performance.pk}/hold/",
        {"category": cat1, "quantity": "2", "needs": ["hearing_loop"]},
    )
    assert response.status_code == 302 and response["Location"] == "/checkout/"
    with in_venue(venue_a):
        held = set(PerformanceSeat.objects.filter(status="held").values_list("seat_id", flat=True))
        assert Hold.objects.count() == 1
    assert len(held) == 2 and held <= loop_seats


def test_the_counter_suggests_fitting_seats_for_the_buyers_needs(
    venue_a, performance, loop_seats, make_staff, client_for, monkeypatch
):
    counter = client_for(venue_a, make_staff(venue_a, "box_office"))
    counter.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with in_venue(venue_a):
        cat1 = performance.categories.get(name="Cat. 1").pk
    # The CRM's `accessibility_needs` (another part of the product) as the counter reads it.
    buyer = SimpleNamespace(pk=41, accessibility_needs=["hearing_loop"])
    monkeypatch.setattr(selectors, "buyer_contact", lambda pk: buyer if pk == 41 else None)
    response = counter.post(
        f"/backoffice/box-office/{performance.pk}/places/",
        {f"best_{cat1}": "2", "find": str(cat1), "contact": "41"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    lines = {int(v) for v in re.findall(r'data-bo-line="(\d+)"', html)}
    assert len(lines) == 2 and lines <= loop_seats
    assert "declared needs" in html
    # Without a known buyer, the usual best seats (row A).
    response = counter.post(
        f"/backoffice/box-office/{performance.pk}/places/",
        {f"best_{cat1}": "2", "find": str(cat1)},
        HTTP_HX_REQUEST="true",
    )
    lines = {int(v) for v in re.findall(r'data-bo-line="(\d+)"', response.content.decode())}
    assert len(lines) == 2 and not lines & loop_seats
