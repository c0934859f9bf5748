"""Onboarding a venue from the service, the command line and the cooperative console."""

import re

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_exists

from tenants.accounts.models import AuditEvent, User
from tenants.errors import Conflict, ValidationFailed
from tenants.models import Domain, Venue
from tenants.services import create_venue
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db


def test_create_venue_clones_the_template_and_invites_the_admin(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = create_venue(name="Théâtre du Quai", slug="quai-test", admin_email="A@Quai.fr")
    venue = created.venue
    assert created.schema_method == "snapshot"
    assert venue.schema_name == "v_quai_test"
    assert schema_exists("v_quai_test")
    assert Domain.objects.get(tenant=venue).domain == "quai-test.localhost"
    assert created.seconds < 10
    with in_venue(venue):
        admin = User.objects.get()
        assert admin.email == "a@quai.fr" and admin.role == User.Role.ADMIN
        assert not admin.has_usable_password()
    assert len(mail.outbox) == 1
    assert created.invitation_url in mail.outbox[0].body
    assert created.invitation_url.startswith("http://quai-test.localhost")
    assert AuditEvent.objects.filter(code="tenants.venue.created").exists()


@pytest.mark.parametrize(
    "slug, error",
    [
        ("Quai!", ValidationFailed),
        ("q", ValidationFailed),
        ("-quai", ValidationFailed),
        ("quai_", ValidationFailed),
        ("www", ValidationFailed),
        ("alpha", Conflict),  # taken by a fixture venue
    ],
)
def test_bad_slugs_are_refused_with_a_clear_message(slug, error, venue_a):
    with pytest.raises(error) as excinfo:
        create_venue(name="X", slug=slug, admin_email="a@b.fr")
    assert excinfo.value.field == "slug"
    assert slug.lower() in excinfo.value.message or "reserved" in excinfo.value.message


def test_invalid_admin_email_is_refused():
    with pytest.raises(ValidationFailed) as excinfo:
        create_venue(name="X", slug="xyz", admin_email="not-an-email")
    assert excinfo.value.field == "admin_email"
    assert not Venue.objects.filter(slug="xyz").exists()


def test_command_creates_a_venue_and_prints_the_time(capsys):
    call_command("create_venue", name="Le Grand T", slug="grand-t", admin_email="dir@grandt.fr")
    out = capsys.readouterr().out
    assert re.search(
        r"Created Le Grand T \(schema v_grand_t\) in \d+\.\d\d s \(schema made by snapshot;", out
    )
    assert "http://grand-t.localhost" in out
    connection.set_schema_to_public()
    assert Venue.objects.filter(slug="grand-t").exists()


def test_command_reports_a_duplicate_slug(venue_a):
    with pytest.raises(CommandError, match=r"already taken|déjà"):
        call_command("create_venue", name="Again", slug="alpha", admin_email="x@y.fr")


def test_console_onboards_a_venue(coop_admin, cooperative, client_for):
    client = client_for(cooperative, coop_admin)
    response = client.post(
        "/venues/new/",
        {"name": "La Fabrique", "slug": "fabrique", "admin_email": "hello@fabrique.fr"},
    )
    assert response.status_code == 302
    page = client.get("/venues/").content.decode()
    assert "La Fabrique" in page and "fabrique.localhost" in page


def test_console_shows_slug_errors_next_to_the_field(coop_admin, cooperative, client_for, venue_a):
    client = client_for(cooperative, coop_admin)
    response = client.post(
        "/venues/new/", {"name": "Dup", "slug": "alpha", "admin_email": "a@b.fr"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["slug"]


def test_console_suspends_and_reactivates(coop_admin, cooperative, client_for, venue_b):
    console = client_for(cooperative, coop_admin)
    console.post(f"/venues/{venue_b.pk}/status/", {"action": "suspend"})
    assert client_for(venue_b).get("/").status_code == 503
    console.post(f"/venues/{venue_b.pk}/status/", {"action": "reactivate"})
    assert client_for(venue_b).get("/").status_code == 200


def test_console_lists_health_figures_in_constant_queries(coop_admin, cooperative, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(cooperative, coop_admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/venues/").status_code == 200
        return len(queries)

    before = count()
    create_venue(name="Encore", slug="encore", admin_email="a@encore.fr")
    assert count() == before <= 10
    assert "encore.localhost" in client.get("/venues/").content.decode()


def test_console_is_for_cooperative_admins_only(cooperative, client_for):
    plain = User.objects.create_user("someone@coop.test", "x" * 12)
    assert client_for(cooperative, plain).get("/venues/").status_code == 403
    assert client_for(cooperative).get("/venues/").status_code == 302


def test_outdated_template_is_brought_up_to_date_before_cloning():
    from tenants.services import template_is_current

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM venue_template.django_migrations WHERE app = 'accounts' "
            "AND name = '0001_initial'"
        )
    assert not template_is_current()
    # The migration is "missing" but its tables exist: re-migrating would fail, so the
    # service must notice the gap first; here we only check the detection.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO venue_template.django_migrations (app, name, applied) "
            "VALUES ('accounts', '0001_initial', now())"
        )
    assert template_is_current()
