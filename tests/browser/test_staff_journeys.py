"""Staff and cooperative admin journeys in a real browser."""

import pytest

from tenants.accounts.models import User
from tenants.models import Venue
from tests.helpers import PASSWORD, committed

pytestmark = [pytest.mark.django_db, pytest.mark.browser]


@pytest.fixture
def venue_admin(venue_a):
    email = "browser-admin@alpha.test"
    user = committed(
        venue_a,
        lambda: User.objects.create_user(
            email, PASSWORD, role=User.Role.ADMIN, full_name="Agathe Browser"
        ),
    )
    yield user
    committed(venue_a, lambda: User.objects.filter(email=email).delete())


def test_venue_admin_logs_in_and_invites_a_colleague(page, url, venue_a, venue_admin):
    page.goto(url(venue_a, "/backoffice/"))
    page.get_by_label("E-mail", exact=True).fill(venue_admin.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/backoffice/")
    assert "Agathe" in page.locator("h1").inner_text()
    page.get_by_role("link", name="Équipe", exact=True).click()
    page.get_by_label("E-mail", exact=True).fill("browser-new@alpha.test")
    page.get_by_role("combobox", name="Rôle").last.select_option("box_office")
    page.get_by_role("button", name="Envoyer l’invitation", exact=True).click()
    page.wait_for_selector(".alert-success")
    assert "browser-new@alpha.test" in page.content()
    committed(venue_a, lambda: User.objects.filter(email="browser-new@alpha.test").delete())


def test_cooperative_admin_onboards_a_venue(page, url, cooperative):
    from django.db import connection

    def make_admin():
        connection.set_schema_to_public()
        return User.objects.create_superuser("browser-coop@coop.test", PASSWORD)

    admin = committed(cooperative, make_admin)
    try:
        page.goto(url(None, "/"))
        page.get_by_label("E-mail", exact=True).fill(admin.email)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Connexion").click()
        page.wait_for_url("**/venues/")
        page.get_by_role("link", name="Ajouter une salle").click()
        page.get_by_label("Nom de la salle").fill("Le Navigateur")
        page.get_by_label("Adresse web").fill("navigateur")
        page.get_by_label("E-mail du premier administrateur").fill("dir@navigateur.fr")
        page.get_by_role("button", name="Créer la salle").click()
        page.wait_for_url("**/venues/")
        assert "navigateur.localhost" in page.content()
        page.goto(url(Venue(slug="navigateur"), "/"))
        assert "Le Navigateur" in page.locator("h1").inner_text()
    finally:

        def drop():
            connection.set_schema_to_public()
            for venue in Venue.objects.filter(slug="navigateur"):
                venue.delete(force_drop=True)
            # Raw delete: the ORM's cascade would look for venue-only tables in public.
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE accounts_auditevent SET actor_id = NULL WHERE actor_id = %s", [admin.pk]
                )
                cursor.execute("DELETE FROM accounts_user WHERE id = %s", [admin.pk])

        committed(cooperative, drop)
