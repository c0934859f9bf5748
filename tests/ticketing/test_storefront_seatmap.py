"""The storefront's seat map in two parts (geometry file per layout version, availability per
performance), its caching and invalidation, venue isolation, the query counts of the public
pages, and show pictures."""

import gzip
import io
import json
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from tests.helpers import in_venue
from tests.ticketing.conftest import build_performance
from ticketing.models import Seat, Show
from ticketing.selectors import seatmaps
from ticketing.services import halls, inventory, orders, programme
from ticketing.services.inventory import HoldRequest
from ticketing.specs import Buyer, PaymentSpec, TariffChoice
from ticketing.views import storefront

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pictures_left(venue_a, venue_b):
    """The pictures a test uploaded are removed after it (its rows are rolled back)."""
    yield
    for venue in (venue_a, venue_b):
        folder = Path(settings.MEDIA_ROOT) / venue.schema_name / "shows"
        if folder.is_dir():
            shutil.rmtree(folder)


@pytest.fixture
def spectator(venue_a, client_for):
    client = client_for(venue_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def geometry_url(client, performance) -> str:
    page = client.get(f"/performances/{performance.pk}/").content.decode()
    return re.search(r'data-geometry="([^"]+)"', page).group(1)


def free_ids(payload: dict) -> set[int]:
    return seatmaps.free_seat_ids(payload)


def seat_id(venue, performance, label: str) -> int:
    with in_venue(venue):
        return Seat.objects.get(section__layout=performance.layout, label=label).pk


# --- Geometry --------------------------------------------------------------------------------
def test_the_geometry_file_is_cached_for_good_and_answers_304_to_its_etag(
    venue_a, spectator, performance
):
    address = geometry_url(spectator, performance)
    response = spectator.get(address)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    etag = response["ETag"]
    assert etag.strip('"') in address  # the address carries the version
    data = json.loads(response.content)
    assert data["format"] == "parterre.seatmap/1" and len(data["seats"]) == 50
    assert data["stage"]["label"] == "Scène"
    # Geometry only: nothing about who bought what.
    assert "sold" not in response.content.decode() and "available" not in response.content.decode()

    again = spectator.get(address, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert spectator.get(address, HTTP_IF_NONE_MATCH='"other"').status_code == 200
    # Compressed for browsers that say they can read it, with an ETag of its own.
    packed = spectator.get(address, HTTP_ACCEPT_ENCODING="gzip, br")
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    assert gzip.decompress(packed.content) == response.content
    assert packed["ETag"] != etag
    assert spectator.get(address, HTTP_IF_NONE_MATCH=packed["ETag"]).status_code == 200
    assert (
        spectator.get(
            address, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=packed["ETag"]
        ).status_code
        == 304
    )


def test_a_changed_seat_map_gets_a_new_address_and_old_ones_lead_to_it(
    venue_a, spectator, performance
):
    old = geometry_url(spectator, performance)
    a1 = seat_id(venue_a, performance, "A1")
    with in_venue(venue_a):
        halls.update_seats(layout=performance.layout, seat_ids=[a1], wheelchair=True)
    new = geometry_url(spectator, performance)
    assert new != old
    response = spectator.get(old)
    assert response.status_code == 302 and response["Location"] == new
    assert response["Cache-Control"] == "no-cache"
    seats = json.loads(spectator.get(new).content)["seats"]
    a1 = next(s for s in seats if s[6] == "A1")
    assert a1[7] & seatmaps.FLAGS["wheelchair"]


def test_an_unknown_layout_has_no_geometry(spectator, performance):
    assert spectator.get("/seatmaps/999999-abc.json").status_code == 404


def test_the_geometry_file_costs_no_query_once_built(venue_a, spectator, performance):
    address = geometry_url(spectator, performance)
    spectator.get(address)
    with CaptureQueriesContext(connection) as queries:
        assert spectator.get(address).status_code == 200
    assert [q["sql"] for q in queries if "ticketing_" in q["sql"]] == []


# --- Availability ----------------------------------------------------------------------------
def test_availability_lists_free_seats_by_category_and_standing_places(
    venue_a, spectator, performance
):
    response = spectator.get(f"/performances/{performance.pk}/availability.json")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=1"
    data = response.json()
    assert len(free_ids(data)) == 50
    assert sorted(data["counts"].values()) == [20, 30]  # Cat. 1 (two rows), Cat. 2
    assert all(len(ranges) == 1 for ranges in data["free"].values())  # one range per block
    assert [z["free"] for z in data["zones"].values()] == [20]
    assert len(response.content) < 300


def test_availability_reflects_a_sale_at_once(venue_a, spectator, performance, plein):
    a1 = seat_id(venue_a, performance, "A1")
    assert a1 in free_ids(spectator.get(f"/performances/{performance.pk}/availability.json").json())
    with in_venue(venue_a):
        orders.sell(
            performance=performance,
            request=HoldRequest(seat_ids=[a1], zones={}),
            tariffs=TariffChoice(default=plein.pk),
            buyer=Buyer(email="x@example.fr"),
            payments=[PaymentSpec("cash", None)],
            channel="box_office",
        )
    # The cached payload was dropped by the sale: the next visitor sees the seat taken.
    after = spectator.get(f"/performances/{performance.pk}/availability.json").json()
    assert a1 not in free_ids(after) and len(free_ids(after)) == 49


def test_availability_comes_back_when_a_cart_is_released(venue_a, spectator, performance):
    a2 = seat_id(venue_a, performance, "A2")
    with in_venue(venue_a):
        hold = inventory.create_hold(
            performance=performance, request=HoldRequest(seat_ids=[a2], zones={})
        )
    url = f"/performances/{performance.pk}/availability.json"
    assert a2 not in free_ids(spectator.get(url).json())
    with in_venue(venue_a):
        inventory.release_hold(hold=hold)
    assert a2 in free_ids(spectator.get(url).json())


def test_availability_is_cached_a_second_or_two_per_performance(venue_a, spectator, performance):
    url = f"/performances/{performance.pk}/availability.json"
    spectator.get(url)
    with in_venue(venue_a):
        assert cache.get(seatmaps.availability_key(performance.pk)) is not None
    with CaptureQueriesContext(connection) as queries:
        spectator.get(url)
    assert not [q for q in queries if "ticketing_performanceseat" in q["sql"]]
    ttl = cache.ttl(seatmaps.availability_key(performance.pk))
    assert ttl is None or ttl <= seatmaps.AVAILABILITY_TTL_S


def test_two_venues_never_share_an_availability_entry(venue_a, venue_b, client_for, performance):
    with in_venue(venue_b):
        other = build_performance(name="Salle B")
    number = 10**9  # the same performance number in both venues
    with in_venue(venue_a):
        cache.set(seatmaps.availability_key(number), {"free": {"1": [[1, 5]]}}, 60)
        key_a = cache.make_key(seatmaps.availability_key(number))
    with in_venue(venue_b):
        key_b = cache.make_key(seatmaps.availability_key(number))
        # Venue B reads its own (here: nothing), never what venue A stored under that number.
        assert seatmaps.public_availability(number)["free"] == {}
        assert seatmaps.public_availability(other.pk)["counts"]
    with in_venue(venue_a):
        assert seatmaps.public_availability(number)["free"] == {"1": [[1, 5]]}
    assert key_a != key_b
    assert venue_a.schema_name in key_a and venue_b.schema_name in key_b
    # And through the HTTP layer: B's host does not serve A's performance.
    response = client_for(venue_b).get(f"/performances/{performance.pk}/availability.json")
    assert response.status_code == 404 or response.json()["performance"] == other.pk


def test_a_closed_sale_publishes_no_free_seat(venue_a, spectator, performance):
    with in_venue(venue_a):
        performance.sale_opens_at = timezone.now() + timedelta(days=2)
        performance.save()
    data = spectator.get(f"/performances/{performance.pk}/availability.json").json()
    assert data["free"] == {} and data["zones"] == {}


# --- Query counts: no N+1 --------------------------------------------------------------------
def _count(client, path: str) -> int:
    client.get(path)  # warm the process caches (venue, layouts)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_the_public_pages_cost_the_same_few_queries_however_big_the_programme(
    venue_a, spectator, performance
):
    before = {
        "programme": _count(spectator, "/"),
        "show": _count(spectator, f"/shows/{performance.show.slug}/"),
        "performance": _count(spectator, f"/performances/{performance.pk}/"),
        "availability": _count(spectator, f"/performances/{performance.pk}/availability.json"),
    }
    with in_venue(venue_a):
        for days in (21, 22, 23, 24):
            show = programme.create_show(title=f"Spectacle {days}")
            programme.schedule_performance(
                show=show,
                layout=performance.layout,
                starts_at=timezone.now() + timedelta(days=days),
                plan=[
                    programme.CategoryPlan(name="A", ranks={1}, prices={"plein": 1200}),
                    programme.CategoryPlan(name="B", prices={"plein": 900, "reduit": 500}),
                ],
            )
            programme.schedule_performance(
                show=performance.show,
                layout=performance.layout,
                starts_at=timezone.now() + timedelta(days=days, hours=3),
                plan=[programme.CategoryPlan(name="Unique", prices={"plein": 1200})],
            )
    after = {
        "programme": _count(spectator, "/"),
        "show": _count(spectator, f"/shows/{performance.show.slug}/"),
        "performance": _count(spectator, f"/performances/{performance.pk}/"),
        "availability": _count(spectator, f"/performances/{performance.pk}/availability.json"),
    }
    assert after == before
    # Venue and session lookups are cached; what is left is the page's own reads (the
    # performance page reads the venue's payment settings too: is it on sale online?), and on
    # the show and performance pages the checkout funnel's one INSERT (services.funnel); the
    # show page also reads the audience's published words (a section campaigns registers).
    assert before == {"programme": 4, "show": 7, "performance": 5, "availability": 0}


def test_a_page_is_rendered_once_for_every_visitor_with_their_own_csrf_token(
    venue_a, client_for, performance, settings
):
    settings.PARTERRE_STOREFRONT_PAGE_TTL_S = 2
    first, second = client_for(venue_a), client_for(venue_a)
    path = f"/performances/{performance.pk}/"
    page_one = first.get(path).content.decode()
    with CaptureQueriesContext(connection) as queries:
        page_two = second.get(path).content.decode()
    # Served as rendered (the checkout funnel's INSERT aside).
    assert not [q for q in queries if "ticketing_" in q["sql"] and "checkoutstep" not in q["sql"]]
    assert storefront.CSRF_MARKER not in page_one + page_two
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page_two).group(1)
    assert token not in page_one  # each visitor's own token...
    assert second.cookies["csrftoken"].value  # ...and its cookie
    # ...which the cart accepts (CSRF checks on, as in a browser).
    checked = client_for(venue_a)
    checked.handler.enforce_csrf_checks = True
    page = checked.get(path).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    category = re.search(r'name="category" value="(\d+)"', page).group(1)
    response = checked.post(
        f"{path}hold/", {"csrfmiddlewaretoken": token, "category": category, "quantity": 1}
    )
    assert response.status_code == 302 and response["Location"] == "/checkout/"


def test_a_visitor_with_a_message_gets_their_own_page(venue_a, client_for, performance, settings):
    settings.PARTERRE_STOREFRONT_PAGE_TTL_S = 2
    visitor = client_for(venue_a)
    visitor.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    path = f"/performances/{performance.pk}/"
    visitor.get(path)  # the shared page is rendered
    visitor.post(f"{path}hold/", {"seats": [seat_id(venue_a, performance, "A1")]})
    visitor.post("/checkout/", {"action": "release"})
    page = visitor.get(path).content.decode()
    assert "Your seats were released." in page


# --- Show pictures ---------------------------------------------------------------------------
def picture(width=1600, height=900, color="#8a1538") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "JPEG")
    return SimpleUploadedFile("affiche.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_a_picture_uploaded_in_the_back_office_is_served_in_several_widths(
    venue_a, make_staff, client_for, spectator, performance
):
    staff = client_for(venue_a, make_staff(venue_a))
    response = staff.post(
        f"/backoffice/programme/shows/{performance.show.pk}/edit/",
        {
            "title": "Le Misanthrope",
            "image": picture(),
            "image_alt": "Alceste seul en scène",
            "video_url": "https://vimeo.com/123456789",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with in_venue(venue_a):
        show = Show.objects.get(pk=performance.show.pk)
        assert sorted(show.image_renditions, key=int) == ["480", "960", "1600"]
        assert all(r["name"].endswith(".webp") for r in show.image_renditions.values())
        root = Path(settings.MEDIA_ROOT) / venue_a.schema_name
        assert (root / show.image_renditions["480"]["name"]).is_file()
    page = spectator.get(f"/shows/{show.slug}/").content.decode()
    assert (
        f'srcset="/media/{venue_a.schema_name}/shows/' in page
        and "480w" in page
        and "1600w" in page
    )
    assert 'alt="Alceste seul en scène"' in page
    assert '<meta property="og:image" content="http://alpha.' in page
    assert '<meta property="og:title" content="Le Misanthrope">' in page
    assert 'name="twitter:card" content="summary_large_image"' in page
    # The video: a plain link and the player's address for after the click, no iframe yet.
    assert 'data-embed="https://player.vimeo.com/video/123456789' in page
    assert "<iframe" not in page
    performance_page = spectator.get(f"/performances/{performance.pk}/").content.decode()
    assert 'property="og:title" content="Le Misanthrope' in performance_page
    assert "srcset" in spectator.get("/").content.decode()
    served = spectator.get(f"/media/{venue_a.schema_name}/{show.image_renditions['480']['name']}")
    assert served.status_code == 200 and served["Content-Type"] == "image/webp"


def test_two_venues_keep_their_pictures_apart(venue_a, venue_b, client_for):
    with in_venue(venue_a):
        show_a = programme.create_show(title="Même titre", image=picture(color="#112233"))
    with in_venue(venue_b):
        show_b = programme.create_show(title="Même titre", image=picture(color="#445566"))
    name_a = show_a.image_renditions["960"]["name"]
    name_b = show_b.image_renditions["960"]["name"]
    a, b = venue_a.schema_name, venue_b.schema_name
    root = Path(settings.MEDIA_ROOT)
    assert (root / a / name_a).is_file() and (root / b / name_b).is_file()
    assert not (root / b / name_a).exists() or name_a == name_b
    assert client_for(venue_a).get(f"/media/{a}/{name_a}").status_code == 200
    assert client_for(venue_b).get(f"/media/{b}/{name_b}").status_code == 200
    # Venue B's host never serves venue A's files, whatever the path says.
    assert client_for(venue_b).get(f"/media/{a}/{name_a}").status_code == 404
    if name_a != name_b:
        assert client_for(venue_b).get(f"/media/{b}/{name_a}").status_code == 404


def test_a_small_picture_is_not_enlarged(venue_a):
    with in_venue(venue_a):
        show = programme.create_show(title="Petit", image=picture(width=700, height=400))
    assert sorted(show.image_renditions, key=int) == ["480", "700"]


def test_the_show_form_refuses_a_file_that_is_not_a_picture(venue_a, make_staff, client_for):
    staff = client_for(venue_a, make_staff(venue_a))
    bogus = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = staff.post("/backoffice/programme/shows/new/", {"title": "X", "image": bogus})
    assert response.status_code == 200 and "image" in response.context["form"].errors


def test_a_show_picture_can_be_replaced_or_removed_and_its_copies_go_with_it(
    venue_a, make_staff, client_for, django_capture_on_commit_callbacks
):
    from tenants.accounts.models import AuditEvent

    with in_venue(venue_a):
        show = programme.create_show(title="Ondine", image=picture(color="#223344"))
    root = Path(settings.MEDIA_ROOT) / venue_a.schema_name
    first = [root / r["name"] for r in show.image_renditions.values()]
    assert all(path.is_file() for path in first)
    staff = client_for(venue_a, make_staff(venue_a))
    edit = f"/backoffice/programme/shows/{show.pk}/edit/"
    form = staff.get(edit).content.decode()
    assert 'value="Ondine"' in form and "srcset" in form  # the current picture is shown
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(edit, {"title": "Ondine", "image": picture(color="#556677")})
    assert response.status_code == 302
    with in_venue(venue_a):
        show.refresh_from_db()
    assert not any(path.exists() for path in first)  # the old copies are gone
    second = [root / r["name"] for r in show.image_renditions.values()]
    assert all(path.is_file() for path in second)
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(edit, {"title": "Ondine (reprise)", "remove_image": "on"})
    with in_venue(venue_a):
        show.refresh_from_db()
        events = list(AuditEvent.objects.filter(code="ticketing.show.updated").order_by("pk"))
    assert not show.image and show.image_renditions == {} and show.title == "Ondine (reprise)"
    assert not any(path.exists() for path in second)
    assert [sorted(e.data["changes"]) for e in events] == [["image"], ["image", "title"]]
