"""Venue A's staff, sessions, tokens, cache entries, files and tasks never reach venue B."""

import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tenants.accounts.models import User
from tenants.accounts.services import create_api_token
from tests.helpers import host_for, in_venue

pytestmark = pytest.mark.django_db


def test_a_session_is_only_valid_on_its_own_venue(venue_a, venue_b, make_staff, client_for):
    alice = make_staff(venue_a, User.Role.ADMIN)
    client = client_for(venue_a, alice)
    assert client.get("/backoffice/").status_code == 200

    # Same browser, same cookie jar, other venue's host: not logged in there.
    response = client.get("/backoffice/", HTTP_HOST=host_for(venue_b))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_replayed_session_cookie_is_anonymous_on_another_venue(
    venue_a, venue_b, make_staff, client_for
):
    alice = make_staff(venue_a, User.Role.ADMIN)
    stolen = client_for(venue_a, alice).cookies["sessionid"].value
    thief = client_for(venue_b)
    thief.cookies["sessionid"] = stolen
    assert thief.get("/backoffice/").status_code == 302
    assert thief.get("/api/v1/me/").status_code in (401, 403)


def test_staff_pages_list_only_the_venues_own_people(venue_a, venue_b, make_staff, client_for):
    alice = make_staff(venue_a, User.Role.ADMIN, email="alice@alpha.test")
    make_staff(venue_b, User.Role.ADMIN, email="bruno@beta.test")
    page = client_for(venue_a, alice).get("/backoffice/settings/staff/").content.decode()
    assert "alice@alpha.test" in page
    assert "bruno@beta.test" not in page


def test_an_api_token_only_opens_its_own_venue(venue_a, venue_b, make_staff):
    from django.test import Client

    alice = make_staff(venue_a, User.Role.ADMIN)
    with in_venue(venue_a):
        _token, key = create_api_token(name="ci", user=alice, actor=alice)
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}

    mine = Client(HTTP_HOST=host_for(venue_a)).get("/api/v1/venue/", **auth)
    assert mine.status_code == 200
    assert mine.json()["name"] == venue_a.name

    other = Client(HTTP_HOST=host_for(venue_b)).get("/api/v1/venue/", **auth)
    assert other.status_code == 401
    assert venue_a.name not in other.content.decode()


def test_api_staff_list_reads_only_the_hosts_schema(venue_a, venue_b, make_staff):
    from django.test import Client

    alice = make_staff(venue_a, User.Role.ADMIN, email="alice@alpha.test")
    make_staff(venue_b, User.Role.ADMIN, email="bruno@beta.test")
    with in_venue(venue_a):
        _token, key = create_api_token(name="ci", user=alice, actor=alice)
    body = (
        Client(HTTP_HOST=host_for(venue_a))
        .get("/api/v1/staff/", HTTP_AUTHORIZATION=f"Token {key}")
        .json()
    )
    emails = {row["email"] for row in body["results"]}
    assert "alice@alpha.test" in emails
    assert "bruno@beta.test" not in emails


def test_cache_entries_are_per_venue(venue_a, venue_b):
    with in_venue(venue_a):
        cache.set("programme", "alpha's")
    with in_venue(venue_b):
        assert cache.get("programme") is None
        cache.set("programme", "beta's")
    with in_venue(venue_a):
        assert cache.get("programme") == "alpha's"


def test_uploaded_files_are_served_only_on_their_venue(venue_a, venue_b, make_staff, client_for):
    alice = make_staff(venue_a, User.Role.ADMIN)
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "#8a1538").save(buffer, format="PNG")
    png = buffer.getvalue()
    client = client_for(venue_a, alice)
    response = client.post(
        "/backoffice/settings/",
        {
            "name": venue_a.name,
            "accent_color": "#123456",
            "timezone": "Europe/Paris",
            "locale": "fr",
            "logo": SimpleUploadedFile("logo.png", png, "image/png"),
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    venue_a.refresh_from_db()
    url = venue_a.logo.url
    assert url.startswith(f"/media/{venue_a.schema_name}/")
    assert client_for(venue_a).get(url).status_code == 200
    assert client_for(venue_b).get(url).status_code == 404
    beta_path = url.replace(venue_a.schema_name, venue_b.schema_name, 1)
    assert client_for(venue_b).get(beta_path).status_code == 404
    assert (
        client_for(venue_a).get("/media/" + venue_a.schema_name + "/../../etc/passwd").status_code
        == 404
    )


def test_unknown_host_gets_a_404_that_names_no_venue(client, venue_a, venue_b):
    response = client.get("/", HTTP_HOST="nowhere.localhost")
    assert response.status_code == 404
    page = response.content.decode()
    assert "There is no venue at this address" in page or "Aucune salle" in page
    assert venue_a.name not in page and venue_b.name not in page


def test_suspended_venue_answers_503_and_others_keep_working(venue_a, venue_b, client_for):
    from tenants.services import suspend_venue

    suspend_venue(venue=venue_b, actor=None)
    assert client_for(venue_b).get("/").status_code == 503
    assert client_for(venue_a).get("/").status_code == 200


def test_venue_staff_cannot_open_the_cooperative_console(
    venue_a, make_staff, client_for, cooperative
):
    alice = make_staff(venue_a, User.Role.ADMIN)
    # Her venue session does not exist on the base host.
    client = client_for(venue_a, alice)
    response = client.get("/venues/", HTTP_HOST="localhost")
    assert response.status_code == 302
