import pytest
from django.conf import settings

from tenants.accounts.models import User
from tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db


def test_staff_log_in_with_email_and_password(venue_a, make_staff, client_for):
    user = make_staff(venue_a, User.Role.BOX_OFFICE, email="yanis@alpha.test")
    client = client_for(venue_a)
    response = client.post(
        "/accounts/login/", {"username": "Yanis@Alpha.test", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/backoffice/").context["request"].user == user


def test_login_is_rate_limited_per_email(venue_a, make_staff, client_for):
    make_staff(venue_a, User.Role.BOX_OFFICE, email="yanis@alpha.test")
    client = client_for(venue_a)
    statuses = [
        client.post(
            "/accounts/login/", {"username": "yanis@alpha.test", "password": "wrong"}
        ).status_code
        for _ in range(6)
    ]
    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429
    # Even the right password is refused while the limit holds.
    blocked = client.post(
        "/accounts/login/", {"username": "yanis@alpha.test", "password": PASSWORD}
    )
    assert blocked.status_code == 429


def test_a_staff_login_of_venue_a_fails_on_venue_b(venue_a, venue_b, make_staff, client_for):
    make_staff(venue_a, User.Role.ADMIN, email="alice@alpha.test")
    response = client_for(venue_b).post(
        "/accounts/login/", {"username": "alice@alpha.test", "password": PASSWORD}
    )
    assert response.status_code == 200 and response.context["form"].errors


def test_base_settings_hash_passwords_with_argon2():
    from config.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert settings.SESSION_COOKIE_HTTPONLY


def test_client_ip_behind_the_proxy_is_the_entry_the_proxy_appended(rf):
    from tenants.accounts.network import client_ip

    forged = rf.get("/", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9", REMOTE_ADDR="10.0.0.2")
    assert client_ip(forged) == "203.0.113.9"
    assert client_ip(rf.get("/", REMOTE_ADDR="198.51.100.7")) == "198.51.100.7"
