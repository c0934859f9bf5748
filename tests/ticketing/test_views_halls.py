"""Halls and seat maps through the back office: lists, generation, the editor, JSON files."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tenants.accounts.models import User
from tests.helpers import in_venue
from ticketing.models import Hall, Layout, Seat, Zone
from ticketing.services import halls

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(venue_a, make_staff, client_for):
    client = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # assertions read the English messages
    return client


@pytest.fixture
def layout(venue_a):
    with in_venue(venue_a):
        hall = halls.create_hall(name="Grande salle")
        layout = halls.create_layout(hall=hall, name="Assis")
        halls.generate_section(layout=layout, name="Parterre", rows=3, seats_per_row=4)
        halls.add_zone(layout=layout, name="Fosse", capacity=50)
        return layout


def seat_ids(venue, layout, *labels):
    with in_venue(venue):
        seats = Seat.objects.filter(section__layout=layout, label__in=labels).order_by("label")
        return list(seats.values_list("id", flat=True))


def test_the_hall_list_shows_layouts_with_their_capacity(venue_a, admin_client, layout):
    page = admin_client.get("/backoffice/halls/").content.decode()
    assert "Grande salle" in page and "Assis" in page
    assert "Fosse (50)" in page
    assert "<strong>62</strong>" in page  # 12 seats + 50 standing


def test_an_admin_creates_a_hall_then_a_layout_then_generates_a_section(venue_a, admin_client):
    response = admin_client.post("/backoffice/halls/new/", {"name": "Studio"})
    assert response.status_code == 302
    with in_venue(venue_a):
        hall = Hall.objects.get(name="Studio")
    response = admin_client.post(f"/backoffice/halls/{hall.pk}/layouts/new/", {"name": "Gradins"})
    assert response.status_code == 302
    with in_venue(venue_a):
        layout = Layout.objects.get(hall=hall, name="Gradins")
    response = admin_client.post(
        f"/backoffice/halls/layouts/{layout.pk}/sections/new/",
        {
            "name": "Parterre",
            "rows": 5,
            "seats_per_row": 8,
            "first_row": "a",
            "curve": "0.4",
            "stagger": "on",
            "numbering": "odd_even",
            "rank_rows": "1,1,2,2,3",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/backoffice/halls/layouts/{layout.pk}/"
    with in_venue(venue_a):
        seats = Seat.objects.filter(section__layout=layout)
        assert seats.count() == 40
        assert set(seats.filter(row="A").values_list("rank", flat=True)) == {1}
        assert set(seats.filter(row="E").values_list("rank", flat=True)) == {3}
        assert sorted(seats.filter(row="A").values_list("number", flat=True)) == list(range(1, 9))


def test_the_section_form_reports_bad_ranks_and_duplicate_names(venue_a, admin_client, layout):
    url = f"/backoffice/halls/layouts/{layout.pk}/sections/new/"
    base = {"rows": 2, "seats_per_row": 3, "first_row": "A", "curve": 0, "numbering": "odd_even"}
    page = admin_client.post(url, {**base, "name": "Balcon", "rank_rows": "1,x"}).content.decode()
    assert "1,1,2,2,3" in page and 'class="error"' in page
    response = admin_client.post(url, {**base, "name": "Parterre"})
    assert response.status_code == 200
    assert "already has a section with that name" in response.content.decode()


def test_adding_a_zone(venue_a, admin_client, layout):
    url = f"/backoffice/halls/layouts/{layout.pk}/zones/new/"
    assert admin_client.post(url, {"name": "Balcon debout", "capacity": 80}).status_code == 302
    with in_venue(venue_a):
        assert Zone.objects.get(layout=layout, name="Balcon debout").capacity == 80


def test_read_only_and_box_office_staff_cannot_manage_halls(
    venue_a, make_staff, client_for, layout
):
    for role in (User.Role.READ_ONLY, User.Role.BOX_OFFICE):
        client = client_for(venue_a, make_staff(venue_a, role))
        assert client.get("/backoffice/halls/").status_code == 403
        assert client.post("/backoffice/halls/new/", {"name": "Pirate"}).status_code == 403
        url = f"/backoffice/halls/layouts/{layout.pk}/seats/"
        assert client.post(url, {"seats": [1], "wheelchair": "yes"}).status_code == 403
    with in_venue(venue_a):
        assert not Hall.objects.filter(name="Pirate").exists()
    assert client_for(venue_a).get("/backoffice/halls/").status_code == 302  # to the login


def test_the_nav_shows_halls_to_admins_only(venue_a, make_staff, client_for):
    admin = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN))
    reader = client_for(venue_a, make_staff(venue_a, User.Role.READ_ONLY))
    assert 'href="/backoffice/halls/"' in admin.get("/backoffice/").content.decode()
    page = reader.get("/backoffice/").content.decode()
    assert 'href="/backoffice/halls/"' not in page
    assert 'href="/backoffice/programme/"' in page


def test_the_editor_draws_every_seat_as_an_accessible_button(venue_a, admin_client, layout):
    page = admin_client.get(f"/backoffice/halls/layouts/{layout.pk}/").content.decode()
    assert page.count('role="button"') == 12
    assert page.count('tabindex="0"') == 1  # roving tabindex: one seat in the tab order
    assert "js/seatmap.js" in page
    assert 'aria-live="polite"' in page
    assert "<title" in page and "Scène" in page  # the stage is drawn


def test_the_attribute_form_updates_the_selected_seats(venue_a, admin_client, layout):
    a1, a2 = seat_ids(venue_a, layout, "A1", "A2")
    url = f"/backoffice/halls/layouts/{layout.pk}/seats/"
    response = admin_client.post(
        url,
        {
            "seats": [a1, a2],
            "wheelchair": "yes",
            "restricted_view": "",
            "is_blocked": "no",
            "rank": "4",
            "action": "apply",
        },
    )
    assert response.status_code == 302
    with in_venue(venue_a):
        changed = Seat.objects.filter(pk__in=[a1, a2])
        assert all(s.wheelchair and s.rank == 4 and not s.restricted_view for s in changed)
        assert Seat.objects.filter(section__layout=layout, wheelchair=True).count() == 2
    page = admin_client.get(f"/backoffice/halls/layouts/{layout.pk}/").content.decode()
    assert page.count("is-wheelchair") == 2 and "wheelchair space" in page


def test_the_attribute_form_needs_seats_and_a_change(venue_a, admin_client, layout):
    url = f"/backoffice/halls/layouts/{layout.pk}/seats/"
    response = admin_client.post(url, {"wheelchair": "yes", "action": "apply"})
    assert response.status_code == 200
    assert 'class="alert alert-error"' in response.content.decode()
    (a1,) = seat_ids(venue_a, layout, "A1")
    response = admin_client.post(url, {"seats": [a1], "action": "apply"})
    assert response.status_code == 200
    assert 'class="alert alert-error"' in response.content.decode()
    # The selection survives the error.
    assert f'name="seats" value="{a1}"' in response.content.decode()


def test_renaming_one_seat(venue_a, admin_client, layout):
    a1, a2 = seat_ids(venue_a, layout, "A1", "A2")
    url = f"/backoffice/halls/layouts/{layout.pk}/seats/"
    response = admin_client.post(url, {"seats": [a1, a2], "label": "Loge", "action": "rename"})
    assert response.status_code == 200  # refused: two seats selected
    response = admin_client.post(url, {"seats": [a1], "label": "Loge 1", "action": "rename"})
    assert response.status_code == 302
    with in_venue(venue_a):
        assert Seat.objects.get(pk=a1).label == "Loge 1"


def test_seats_of_another_layout_are_not_touched(venue_a, admin_client, layout):
    with in_venue(venue_a):
        other = halls.create_layout(hall=layout.hall, name="Autre")
        halls.generate_section(layout=other, name="P", rows=1, seats_per_row=2)
        foreign = list(Seat.objects.filter(section__layout=other).values_list("id", flat=True))
    url = f"/backoffice/halls/layouts/{layout.pk}/seats/"
    admin_client.post(url, {"seats": foreign, "is_blocked": "yes", "action": "apply"})
    with in_venue(venue_a):
        assert not Seat.objects.filter(pk__in=foreign, is_blocked=True).exists()


def test_export_then_import_gives_the_same_layout(venue_a, admin_client, layout):
    (a1,) = seat_ids(venue_a, layout, "A1")
    with in_venue(venue_a):
        halls.update_seats(layout=layout, seat_ids=[a1], wheelchair=True, rank=2)
    response = admin_client.get(f"/backoffice/halls/layouts/{layout.pk}/export.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    exported = json.loads(response.content)
    assert exported["format"] == "parterre.layout/1"
    upload = SimpleUploadedFile("plan.json", response.content, content_type="application/json")
    response = admin_client.post(
        f"/backoffice/halls/{layout.hall_id}/layouts/import/", {"file": upload, "name": "Copie"}
    )
    assert response.status_code == 302
    with in_venue(venue_a):
        copy = Layout.objects.get(hall=layout.hall, name="Copie")
        again = halls.export_layout(copy)
    assert again["sections"] == exported["sections"]
    assert again["zones"] == exported["zones"] and again["stage"] == exported["stage"]


def test_a_bad_layout_file_is_refused_with_every_error_listed(venue_a, admin_client, layout):
    url = f"/backoffice/halls/{layout.hall_id}/layouts/import/"
    not_json = SimpleUploadedFile("plan.json", b"{oops", content_type="application/json")
    page = admin_client.post(url, {"file": not_json}).content.decode()
    assert "not valid JSON (line 1" in page

    wrong_format = SimpleUploadedFile("plan.json", b'{"format": "other"}')
    page = admin_client.post(url, {"file": wrong_format}).content.decode()
    assert "parterre.layout/1" in page

    broken = {
        "format": "parterre.layout/1",
        "name": "Cassé",
        "sections": [
            {
                "name": "Parterre",
                "seats": [
                    {"row": "A", "number": 1, "x": 0, "y": 3},
                    {"row": "A", "number": 1, "x": 1, "y": 3},
                    {"row": "B", "number": 2, "y": 4},
                ],
            }
        ],
    }
    upload = SimpleUploadedFile("plan.json", json.dumps(broken).encode())
    response = admin_client.post(url, {"file": upload})
    page = response.content.decode()
    assert response.status_code == 200
    assert "A1 appears twice" in page
    assert "seat #3" in page
    assert page.count('class="error"') >= 3  # heading + one line per problem
    with in_venue(venue_a):
        assert not Layout.objects.filter(name="Cassé").exists()


def test_halls_of_one_venue_are_invisible_to_another(venue_a, venue_b, make_staff, client_for):
    with in_venue(venue_a):
        layout = halls.create_layout(hall=halls.create_hall(name="Salle Alpha"), name="Assis")
    client = client_for(venue_b, make_staff(venue_b, User.Role.ADMIN))
    assert "Salle Alpha" not in client.get("/backoffice/halls/").content.decode()
    assert client.get(f"/backoffice/halls/layouts/{layout.pk}/").status_code == 404
    assert client.get(f"/backoffice/halls/layouts/{layout.pk}/export.json").status_code == 404


def test_a_second_section_is_generated_behind_the_first(venue_a, admin_client, layout):
    url = f"/backoffice/halls/layouts/{layout.pk}/sections/new/"
    assert 'value="7.4"' in admin_client.get(url).content.decode()  # last row (5.4) + 2
    data = {"name": "Balcon", "rows": 2, "seats_per_row": 3, "first_row": "A", "curve": 0}
    assert admin_client.post(url, data | {"numbering": "left_to_right"}).status_code == 302
    with in_venue(venue_a):
        balcony = Seat.objects.filter(section__name="Balcon", section__layout=layout)
        assert min(balcony.values_list("y", flat=True)) == pytest.approx(7.4)
    page = admin_client.get(f"/backoffice/halls/layouts/{layout.pk}/").content.decode()
    assert "Balcon, Row A, seat 1" in page  # with two sections, labels name the section


def test_the_seat_map_partial_renders_shapes_inputs_and_legend(venue_a):
    from django.template import Context, Template
    from django.utils import translation

    seat = {
        "id": 7,
        "label": "A1",
        "row": "A",
        "number": 1,
        "x": 0.0,
        "y": 3.0,
        "rank": 1,
        "section": "Parterre",
        "category": 1,
        "status": "available",
        "wheelchair": True,
        "companion": False,
        "restricted_view": False,
        "hearing_loop": False,
        "allocation": None,
    }
    sold = seat | {
        "id": 8,
        "label": "A2",
        "number": 2,
        "x": 1.0,
        "status": "sold",
        "wheelchair": False,
    }
    categories = [
        {
            "id": 1,
            "name": "Cat. 1",
            "color": "#123456",
            "available": 1,
            "prices": [{"amount_cents": 2500, "public": True}],
        }
    ]
    with translation.override("en"):
        html = Template(
            "{% load ticketing_ui %}{% seatmap seats layout=None categories=categories "
            'selected=selected form_id="buy" %}'
        ).render(Context({"seats": [seat, sold], "categories": categories, "selected": [7, 8]}))
    assert '<rect class="seat-shape"' in html and 'fill="#123456"' in html
    assert 'name="seats" value="7" form="buy"' in html
    assert 'value="8"' not in html  # a sold seat cannot stay selected
    assert 'aria-disabled="true"' in html and 'aria-pressed="true"' in html
    assert "Wheelchair space (square)" in html
    assert 'aria-label="Row A, seat 1, Cat. 1, 25' in html
