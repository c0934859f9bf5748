"""Every back-office page and API endpoint checks the staff member's role."""

import pytest

from tenants.accounts.models import User
from tenants.accounts.services import create_api_token
from tests.helpers import host_for, in_venue

pytestmark = pytest.mark.django_db

ADMIN, BOX, COMM, RO = (
    User.Role.ADMIN,
    User.Role.BOX_OFFICE,
    User.Role.COMMUNICATION,
    User.Role.READ_ONLY,
)
PAGES = {
    "/backoffice/": {ADMIN, BOX, COMM, RO},
    "/backoffice/settings/": {ADMIN},
    "/backoffice/settings/staff/": {ADMIN},
    "/backoffice/settings/tokens/": {ADMIN},
    "/backoffice/settings/audit/": {ADMIN},
}
API = {
    "/api/v1/me/": {ADMIN, BOX, COMM, RO},
    "/api/v1/venue/": {ADMIN, BOX, COMM, RO},
    "/api/v1/staff/": {ADMIN},
}


@pytest.mark.parametrize("role", [ADMIN, BOX, COMM, RO])
def test_pages_open_only_for_the_roles_that_need_them(role, venue_a, make_staff, client_for):
    client = client_for(venue_a, make_staff(venue_a, role))
    for url, allowed in PAGES.items():
        status = client.get(url).status_code
        assert status == (200 if role in allowed else 403), (url, role, status)


@pytest.mark.parametrize("role", [ADMIN, BOX, COMM, RO])
def test_api_endpoints_check_the_tokens_role(role, venue_a, make_staff):
    from django.test import Client

    user = make_staff(venue_a, role)
    with in_venue(venue_a):
        _token, key = create_api_token(name="t", user=user, actor=user)
    client = Client(HTTP_HOST=host_for(venue_a), HTTP_AUTHORIZATION=f"Token {key}")
    for url, allowed in API.items():
        status = client.get(url).status_code
        assert status == (200 if role in allowed else 403), (url, role, status)


def test_navigation_shows_only_reachable_sections(venue_a, make_staff, client_for):
    ro_page = client_for(venue_a, make_staff(venue_a, RO)).get("/backoffice/").content.decode()
    admin_page = (
        client_for(venue_a, make_staff(venue_a, ADMIN)).get("/backoffice/").content.decode()
    )
    assert "/backoffice/settings/staff/" not in ro_page
    assert "/backoffice/settings/staff/" in admin_page


def test_anonymous_visitors_are_sent_to_login_and_api_says_401(venue_a, client_for):
    client = client_for(venue_a)
    response = client.get("/backoffice/settings/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/api/v1/me/").status_code in (401, 403)
    assert client.get("/").status_code == 200  # the storefront is public


def test_deactivated_staff_lose_access_and_their_tokens(venue_a, make_staff, client_for):
    from django.test import Client

    from tenants.accounts.services import set_staff_active

    admin = make_staff(venue_a, ADMIN)
    clerk = make_staff(venue_a, BOX)
    with in_venue(venue_a):
        _token, key = create_api_token(name="till", user=clerk, actor=admin)
        set_staff_active(user=clerk, active=False, actor=admin)
    api = Client(HTTP_HOST=host_for(venue_a), HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").status_code == 401


def test_the_last_admin_cannot_be_demoted_or_deactivated(venue_a, make_staff, client_for):
    with in_venue(venue_a):
        User.objects.filter(role=ADMIN).update(role=RO)
    admin = make_staff(venue_a, ADMIN)
    client = client_for(venue_a, admin)
    response = client.post(
        f"/backoffice/settings/staff/{admin.pk}/", {"action": "role", "role": RO}, follow=True
    )
    assert "at least one active admin" in response.content.decode() or "au moins" in (
        response.content.decode()
    )
    with in_venue(venue_a):
        admin.refresh_from_db()
        assert admin.role == ADMIN


def test_admin_changes_a_role_and_it_is_audited(venue_a, make_staff, client_for):
    from tenants.accounts.models import AuditEvent

    admin = make_staff(venue_a, ADMIN)
    clerk = make_staff(venue_a, BOX)
    client = client_for(venue_a, admin)
    response = client.post(
        f"/backoffice/settings/staff/{clerk.pk}/", {"action": "role", "role": COMM}
    )
    assert response.status_code == 302
    with in_venue(venue_a):
        clerk.refresh_from_db()
        assert clerk.role == COMM
        event = AuditEvent.objects.filter(code="accounts.staff.role_changed").latest("id")
        assert event.actor == admin and event.data["to"] == COMM
