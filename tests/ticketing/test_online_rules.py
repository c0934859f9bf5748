"""Back office: the spectators' cancel/exchange rules (the venue's and per performance) and
promo codes; admins only; each venue its own."""

import pytest

from tenants.accounts.models import AuditEvent, User
from tests.helpers import in_venue
from tests.ticketing.conftest import build_performance
from ticketing.models import AfterSaleRule, PromoCode
from ticketing.selectors.space import aftersale_rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def performance(venue_a):
    with in_venue(venue_a):
        yield build_performance()


def test_an_admin_sets_the_venues_rule_and_a_performances_own(
    venue_a, client_for, make_staff, performance
):
    admin = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN))
    url = "/backoffice/online/"
    assert admin.get(url).status_code == 200
    rule = {"form": "rule", "until_hours_before": "24", "cancel_fee": "1.50"}
    response = admin.post(url, {**rule, "cancel_allowed": "on"})
    assert response.status_code == 302
    response = admin.post(url, {**rule, "performance": performance.pk, "until_hours_before": "2"})
    assert response.status_code == 302
    with in_venue(venue_a):
        venue_rule = AfterSaleRule.objects.get(performance__isnull=True)
        assert (venue_rule.cancel_allowed, venue_rule.cancel_fee_cents) == (True, 150)
        own = aftersale_rule(performance)
        assert (own.performance_id, own.cancel_allowed, own.until_hours_before) == (
            performance.pk,
            False,
            2,
        )
        assert AuditEvent.objects.filter(code="ticketing.aftersale_rule.updated").count() == 2
    page = admin.get(url).content.decode()
    assert "Le Misanthrope" in page


def test_promo_codes_are_created_upper_case_once_and_switched_off(
    venue_a, venue_b, client_for, make_staff
):
    admin = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN))
    url = "/backoffice/online/"
    admin.post(url, {"form": "promo", "code": "relais-mjc", "label": "MJC"})
    page = admin.post(url, {"form": "promo", "code": "RELAIS-MJC"}).content.decode()
    assert "Ce code existe déjà" in page  # staff screens speak the staff member's French
    refused = admin.post(url, {"form": "promo", "code": "no way"}).content.decode()
    assert "Lettres, chiffres et tirets uniquement" in refused
    with in_venue(venue_a):
        promo = PromoCode.objects.get()
        assert promo.code == "RELAIS-MJC"
    admin.post(f"/backoffice/online/promo-codes/{promo.pk}/toggle/")
    with in_venue(venue_a):
        promo.refresh_from_db()
        assert not promo.is_active
        assert AuditEvent.objects.filter(code__startswith="ticketing.promo_code.").count() == 2
    other = client_for(venue_b, make_staff(venue_b, User.Role.ADMIN))
    assert "RELAIS-MJC" not in other.get(url).content.decode()
    assert other.post(f"/backoffice/online/promo-codes/{promo.pk}/toggle/").status_code == 404


def test_only_admins_set_these(venue_a, client_for, make_staff):
    box_office = client_for(venue_a, make_staff(venue_a, User.Role.BOX_OFFICE))
    assert box_office.get("/backoffice/online/").status_code == 403
    assert (
        box_office.post("/backoffice/online/", {"form": "promo", "code": "X1"}).status_code == 403
    )
