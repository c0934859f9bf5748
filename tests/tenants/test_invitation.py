import re

import pytest
from django.core import mail

from tenants.accounts.models import User
from tenants.accounts.services import invite_staff
from tests.helpers import host_for, in_venue

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Le-parterre-applaudit-42"


def _invite(venue, email="new@alpha.test", role=User.Role.BOX_OFFICE):
    with in_venue(venue):
        _user, url = invite_staff(venue=venue, email=email, role=role, actor=None)
    return url


def test_invitation_link_sets_the_password_and_logs_in(venue_a, client_for):
    url = _invite(venue_a)
    path = url.split("localhost", 1)[1]
    client = client_for(venue_a)
    assert client.get(path).status_code == 200
    response = client.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/backoffice/"
    assert client.get("/backoffice/").status_code == 200
    # Used once: the same link no longer works.
    assert client_for(venue_a).get(path).status_code == 400


def test_invitation_refuses_weak_or_mismatched_passwords(venue_a, client_for):
    path = _invite(venue_a).split("localhost", 1)[1]
    client = client_for(venue_a)
    weak = client.post(path, {"password1": "123", "password2": "123"})
    assert weak.status_code == 200 and weak.context["form"].errors["password1"]
    differ = client.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"})
    assert differ.context["form"].errors["password2"]


def test_an_invitation_of_venue_a_is_useless_on_venue_b(venue_a, venue_b, client_for):
    path = _invite(venue_a).split("localhost", 1)[1]
    assert client_for(venue_b).get(path).status_code == 400


def test_admin_invites_from_the_staff_screen(
    venue_a, make_staff, client_for, django_capture_on_commit_callbacks
):
    admin = make_staff(venue_a, User.Role.ADMIN)
    client = client_for(venue_a, admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/backoffice/settings/staff/",
            {"email": "Lea@Alpha.test", "full_name": "Léa", "role": User.Role.COMMUNICATION},
        )
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["lea@alpha.test"]
    link = re.search(r"http://\S+", mail.outbox[-1].body).group(0)
    assert link.startswith(f"http://{host_for(venue_a)}/accounts/invitation/")
    again = client.post(
        "/backoffice/settings/staff/",
        {"email": "lea@alpha.test", "role": User.Role.COMMUNICATION},
    )
    assert again.status_code == 200
    assert "already has an account" in str(again.context["form"].errors["email"]) or (
        "déjà" in str(again.context["form"].errors["email"])
    )


def test_the_emailed_link_carries_the_port_suffix(
    venue_a, settings, django_capture_on_commit_callbacks
):
    """devstack sets PARTERRE_PORT_SUFFIX from the port it serves on (tests/test_devstack.py)."""
    settings.PARTERRE_PORT_SUFFIX = ":8123"
    with django_capture_on_commit_callbacks(execute=True):
        url = _invite(venue_a, email="port@alpha.test")
    assert url.startswith(f"http://{host_for(venue_a)}:8123/accounts/invitation/")
    assert url in mail.outbox[-1].body
