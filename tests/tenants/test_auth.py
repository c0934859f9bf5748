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


def _login(client, password: str, *, address: str, email: str = "yanis@alpha.test"):
    return client.post(
        "/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=address
    )


def test_the_guessing_address_is_throttled_and_told_how_long_to_wait(
    venue_a, make_staff, client_for
):
    make_staff(venue_a, User.Role.BOX_OFFICE, email="yanis@alpha.test")
    client = client_for(venue_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    statuses = [_login(client, "wrong", address="203.0.113.5").status_code for _ in range(6)]
    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429
    # From that address, even the right password waits.
    blocked = _login(client, PASSWORD, address="203.0.113.5")
    assert blocked.status_code == 429
    wait = int(blocked["Retry-After"])
    assert 1 <= wait <= 60
    assert f"Réessayez dans {wait} seconde" in blocked.content.decode()


def test_another_address_cannot_lock_out_the_right_password(venue_a, make_staff, client_for):
    user = make_staff(venue_a, User.Role.BOX_OFFICE, email="yanis@alpha.test")
    attacker = client_for(venue_a)
    for _ in range(8):
        _login(attacker, "wrong", address="198.51.100.66")
    assert _login(attacker, "wrong", address="198.51.100.66").status_code == 429
    # The email is now throttled: a wrong password from elsewhere is refused too...
    other = client_for(venue_a)
    assert _login(other, "still wrong", address="192.0.2.10").status_code == 429
    # ...but the box office, from its own address, logs in with the right password.
    box_office = client_for(venue_a)
    response = _login(box_office, PASSWORD, address="192.0.2.20")
    assert response.status_code == 302
    assert box_office.get("/backoffice/").context["request"].user == user


def test_many_emails_from_one_address_hit_the_address_limit(venue_a, make_staff, client_for):
    client = client_for(venue_a)
    statuses = [
        _login(client, "wrong", address="203.0.113.9", email=f"n{i}@alpha.test").status_code
        for i in range(31)
    ]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429


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
