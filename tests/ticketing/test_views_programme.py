"""The programme in the back office: shows, scheduling, the performance page and its actions,
tariffs and sales settings."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tenants.accounts.models import User
from tests.helpers import in_venue
from tests.ticketing.conftest import build_performance
from ticketing.models import (
    Allocation,
    Performance,
    PerformanceSeat,
    PriceCategory,
    ProgrammeChange,
    SalesSettings,
    Seat,
    Show,
    Tariff,
)
from ticketing.services import programme
from ticketing.services.programme import CategoryPlan

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(venue_a, make_staff, client_for):
    def make(role=User.Role.ADMIN):
        client = client_for(venue_a, make_staff(venue_a, role))
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


def test_the_programme_lists_shows_with_sold_and_capacity(venue_a, staff_client, performance):
    page = staff_client(User.Role.READ_ONLY).get("/backoffice/programme/").content.decode()
    assert "Le Misanthrope" in page
    assert "0 / 70" in page  # 50 seats + 20 standing places
    assert "Salle Jouvet" in page
    assert "New show" not in page  # read-only staff see, but do not create


def test_the_programme_list_makes_the_same_number_of_queries_for_more_performances(
    venue_a, staff_client, performance
):
    client = staff_client()
    client.get("/backoffice/programme/")  # warm up (session, user)
    with CaptureQueriesContext(connection) as first:
        assert client.get("/backoffice/programme/").status_code == 200
    with in_venue(venue_a):
        for days in (30, 31, 32):
            programme.schedule_performance(
                show=performance.show,
                layout=performance.layout,
                starts_at=timezone.now() + timedelta(days=days),
                plan=[CategoryPlan(name="Unique", prices={"plein": 1500})],
            )
        other = programme.create_show(title="Bérénice")
        programme.schedule_performance(
            show=other,
            layout=performance.layout,
            starts_at=timezone.now() + timedelta(days=40),
            plan=[CategoryPlan(name="Unique", prices={"plein": 1500})],
        )
    client.get("/backoffice/programme/")  # as before the first count (search path set again)
    with CaptureQueriesContext(connection) as second:
        page = client.get("/backoffice/programme/").content.decode()
    assert "Bérénice" in page
    assert len(second) == len(first), [q["sql"] for q in second]


def test_an_admin_creates_a_show(venue_a, staff_client):
    response = staff_client().post(
        "/backoffice/programme/shows/new/",
        {
            "title": "Le Misanthrope",
            "subtitle": "Molière",
            "description": "Alceste hait les hommes.",
            "artists": "Mise en scène : X",
            "genres": "théâtre, classique, théâtre",
            "duration_minutes": "120",
            "age_guidance": "Dès 12 ans",
            "accessibility_notes": "Surtitrage le samedi",
        },
    )
    assert response.status_code == 302
    with in_venue(venue_a):
        show = Show.objects.get(title="Le Misanthrope")
        assert show.genres == ["théâtre", "classique"]
        assert show.duration_minutes == 120
        assert response["Location"] == f"/backoffice/programme/shows/{show.pk}/schedule/"


def test_read_only_staff_cannot_create_shows_or_change_performances(
    venue_a, staff_client, performance
):
    client = staff_client(User.Role.READ_ONLY)
    assert client.get("/backoffice/programme/shows/new/").status_code == 403
    assert client.post("/backoffice/programme/shows/new/", {"title": "X"}).status_code == 403
    base = f"/backoffice/programme/performances/{performance.pk}"
    assert client.get(f"{base}/").status_code == 200
    assert client.post(f"{base}/status/", {"status": "draft"}).status_code == 403
    assert client.post(f"{base}/cancel/", {"reason": "x"}).status_code == 403
    assert client.post(f"{base}/allocations/", {"kind": "press", "name": "x"}).status_code == 403
    assert client.get("/backoffice/programme/settings/").status_code == 403


def test_scheduling_a_performance_with_a_price_plan(venue_a, staff_client, performance):
    client = staff_client()
    with in_venue(venue_a):
        show = programme.create_show(title="Phèdre")
    url = f"/backoffice/programme/shows/{show.pk}/schedule/"
    page = client.get(url).content.decode()
    assert "Plein tarif" in page and "zone-names" in page
    response = client.post(
        url,
        {
            "layout": performance.layout_id,
            "starts_at": "2031-03-14T20:30",
            "doors_open_time": "20:00",
            "sale_opens_at": "",
            "sale_closes_at": "",
            "status": "on_sale",
            "access_info": "Métro Opéra",
            "cat0_name": "Cat. 1",
            "cat0_ranks": "1",
            "cat0_color": "#8a1538",
            "cat0_price_plein": "25",
            "cat0_price_reduit": "15.50",
            "cat1_name": "Debout",
            "cat1_zones": "Fosse",
            "cat1_color": "#1d4f91",
            "cat1_price_plein": "10",
            "cat2_name": "Cat. 2",
            "cat2_color": "#2a7f62",
            "cat2_price_plein": "18",
        },
    )
    assert response.status_code == 302, response.content.decode()
    with in_venue(venue_a):
        new = Performance.objects.get(show=show)
        local = timezone.localtime(new.starts_at, timezone=venue_a_tz(venue_a))
        assert (local.hour, local.minute) == (20, 30)
        doors = timezone.localtime(new.doors_open_at, timezone=venue_a_tz(venue_a))
        assert (doors.hour, doors.minute) == (20, 0)
        assert new.access_info == "Métro Opéra"
        cats = {c.name: c for c in PriceCategory.objects.filter(performance=new)}
        assert cats["Cat. 1"].prices.get(tariff__code="reduit").amount_cents == 1550
        assert new.zone_states.get().category == cats["Debout"]
        rank2 = PerformanceSeat.objects.filter(performance=new, seat__rank=2).first()
        assert rank2.category == cats["Cat. 2"]


def venue_a_tz(venue):
    import zoneinfo

    return zoneinfo.ZoneInfo(venue.timezone)


def test_the_schedule_form_reports_plan_errors(venue_a, staff_client, performance):
    url = f"/backoffice/programme/shows/{performance.show_id}/schedule/"
    data = {
        "layout": performance.layout_id,
        "starts_at": "2031-03-14T20:30",
        "status": "on_sale",
        "cat0_name": "",
        "cat0_color": "#8a1538",
        "cat1_color": "#8a1538",
        "cat2_color": "#8a1538",
    }
    page = staff_client().post(url, data).content.decode()
    assert "at least one price category" in page
    data |= {"cat0_name": "A", "cat0_zones": "Balcon", "cat0_price_plein": "5"}
    page = staff_client().post(url, data).content.decode()
    assert "Unknown zone “Balcon”" in page


def test_the_performance_page_shows_availability_map_and_actions(
    venue_a, staff_client, performance
):
    page = staff_client().get(f"/backoffice/programme/performances/{performance.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Cat. 1" in html and "Cat. 2" in html
    assert html.count('role="button"') == 50
    assert "Create the allocation" in html and "Cancel the performance" in html


def test_box_office_staff_set_seats_aside_then_release_them(venue_a, staff_client, performance):
    client = staff_client(User.Role.BOX_OFFICE)
    with in_venue(venue_a):
        seats = list(
            Seat.objects.filter(section__layout=performance.layout, row="A")[:3].values_list(
                "id", flat=True
            )
        )
    base = f"/backoffice/programme/performances/{performance.pk}"
    response = client.post(
        f"{base}/allocations/", {"seats": seats, "kind": "press", "name": "Première"}
    )
    assert response.status_code == 302
    with in_venue(venue_a):
        allocation = Allocation.objects.get(performance=performance, name="Première")
        assert allocation.seats.count() == 3
    page = client.get(f"{base}/").content.decode()
    assert "Première" in page and "is-allocated" in page
    # The same seats cannot be set aside twice.
    response = client.post(
        f"{base}/allocations/", {"seats": seats, "kind": "press", "name": "Encore"}, follow=True
    )
    assert "not free to set aside" in response.content.decode()
    response = client.post(f"{base}/allocations/{allocation.pk}/release/")
    assert response.status_code == 302
    with in_venue(venue_a):
        assert not PerformanceSeat.objects.filter(allocation=allocation).exists()


def test_an_allocation_needs_seats(venue_a, staff_client, performance):
    base = f"/backoffice/programme/performances/{performance.pk}"
    response = staff_client().post(
        f"{base}/allocations/", {"kind": "press", "name": "Vide"}, follow=True
    )
    assert "Select at least one seat" in response.content.decode()


def test_status_cancel_and_reschedule(venue_a, staff_client, performance):
    client = staff_client()
    base = f"/backoffice/programme/performances/{performance.pk}"
    assert client.post(f"{base}/status/", {"status": "sold_out"}).status_code == 302
    with in_venue(venue_a):
        assert Performance.objects.get(pk=performance.pk).status == "sold_out"
    response = client.post(f"{base}/reschedule/", {"starts_at": "2031-05-01T19:00"})
    assert response.status_code == 302
    with in_venue(venue_a):
        moved = Performance.objects.get(pk=performance.pk)
        assert moved.status == "sold_out"  # a new date does not put a sold-out show on sale
        assert ProgrammeChange.objects.filter(performance=moved, kind="rescheduled").exists()
    response = client.post(f"{base}/cancel/", {"reason": ""}, follow=True)
    assert "This field is required" in response.content.decode()
    response = client.post(f"{base}/cancel/", {"reason": "Artiste malade"}, follow=True)
    assert "Performance cancelled" in response.content.decode()
    with in_venue(venue_a):
        assert Performance.objects.get(pk=performance.pk).status == "cancelled"
    response = client.post(f"{base}/cancel/", {"reason": "Encore"}, follow=True)
    assert "already cancelled" in response.content.decode()


def test_tariffs_and_sales_settings(venue_a, staff_client):
    client = staff_client()
    page = client.get("/backoffice/programme/settings/").content.decode()
    assert "Plein tarif" in page
    response = client.post(
        "/backoffice/programme/settings/",
        {"form": "settings", "fee": "0.50", "fee_percent": "1.5", "hold_minutes": "12"},
    )
    assert response.status_code == 302
    with in_venue(venue_a):
        settings = SalesSettings.current()
        assert (settings.fee_cents, settings.fee_percent_bp, settings.hold_minutes) == (50, 150, 12)
        assert settings.single_price_mode is False
        tariffs = list(Tariff.objects.order_by("order"))
    data = {
        "form": "tariffs",
        "form-TOTAL_FORMS": str(len(tariffs) + 1),
        "form-INITIAL_FORMS": str(len(tariffs)),
    }
    for i, t in enumerate(tariffs):
        data |= {
            f"form-{i}-id": t.pk,
            f"form-{i}-name": t.name,
            f"form-{i}-kind": t.kind,
            f"form-{i}-tax_rate": "5.5",
        }
        if t.public:
            data[f"form-{i}-public"] = "on"
        data[f"form-{i}-is_active"] = "on"
    data["form-0-name"] = "Plein"
    n = len(tariffs)
    data |= {
        f"form-{n}-name": "Moins de 26 ans",
        f"form-{n}-kind": "reduced",
        f"form-{n}-tax_rate": "5.5",
        f"form-{n}-public": "on",
        f"form-{n}-is_active": "on",
    }
    response = client.post("/backoffice/programme/settings/", data)
    assert response.status_code == 302, response.content.decode()
    with in_venue(venue_a):
        assert Tariff.objects.get(pk=tariffs[0].pk).name == "Plein"
        assert Tariff.objects.get(code="moins-de-26-ans").public


def test_another_venues_performance_is_not_found(venue_a, venue_b, make_staff, client_for):
    with in_venue(venue_a):
        performance = build_performance()
    client = client_for(venue_b, make_staff(venue_b, User.Role.ADMIN))
    assert "Le Misanthrope" not in client.get("/backoffice/programme/").content.decode()
    url = f"/backoffice/programme/performances/{performance.pk}/"
    assert client.get(url).status_code == 404
