"""The SIBIL returns: the validation list names what is missing (settings, domains, a
performance not played yet, negative figures), the export is refused while a blocking
problem remains, and the declarations equal the receipts statements to the unit."""

import csv
import io
import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from analytics.models import SibilGenreDomain, SibilSettings
from analytics.reports import sibil
from tenants.accounts.models import AuditEvent, User
from tenants.events.services.dispatch import dispatch_pending
from tests.helpers import host_for, in_venue
from ticketing.models import Show, Ticket
from ticketing.selectors.statements import performance_statement

pytestmark = pytest.mark.django_db
PAGE = "/backoffice/statistics/reports/sibil/"
EXPORT = "/backoffice/statistics/reports/sibil/export/"
SIRET = "73282932000074"  # a valid Luhn


def configure(venue):
    with in_venue(venue):
        SibilSettings.objects.update_or_create(
            pk=1,
            defaults={
                "licence_number": "PLATESV-R-2024-001234",
                "siret": SIRET,
                "legal_name": "Association Théâtre Alpha",
                "insee_code": "69123",
            },
        )
        for show in Show.objects.all():
            show.genres = ["théâtre"]
            show.save(update_fields=["genres"])
        SibilGenreDomain.objects.update_or_create(genre="théâtre", defaults={"domain": "theatre"})
    venue.street, venue.postcode, venue.city = "1 place des Arts", "69001", "Lyon"
    venue.save(update_fields=["street", "postcode", "city"])


@pytest.fixture
def sold(venue_a, season):
    with in_venue(venue_a):
        dispatch_pending()
    return season


def period(now):
    today = timezone.localdate(now)
    return {"start": (today - timedelta(days=60)).isoformat(), "end": today.isoformat()}


def test_siret_check():
    assert sibil.siret_is_valid(SIRET)
    assert not sibil.siret_is_valid("73282932000075")
    assert not sibil.siret_is_valid("1234")
    assert sibil.siret_is_valid("35600000000051")  # La Poste's rule


def test_the_list_names_what_is_missing(venue_a, sold, make_staff, client_for):
    main, _other, _made = sold
    client = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN))
    today = timezone.localdate()
    params = {"start": today.isoformat(), "end": (today + timedelta(days=40)).isoformat()}
    response = client.get(PAGE, params)
    assert response.status_code == 200
    v = response.context["validation"]
    general = {p.message for p in v.general if p.level == sibil.BLOCKING}
    assert len(general) >= 3  # no licence, no SIRET, no legal name (and the address)
    problems = {d.performance_id: d.problems for d in v.declarations}
    messages = [p.message for p in problems[main.pk]]
    assert any("SIBIL" in m for m in messages)  # the show has no domain
    assert sum(p.level == sibil.BLOCKING for p in problems[main.pk]) == 2  # + not played yet
    assert all(p.link for p in problems[main.pk] if p.level == sibil.BLOCKING)
    page = response.content.decode()
    assert "/backoffice/statistics/reports/sibil/#settings" in page
    assert f"/backoffice/programme/shows/{main.show_id}/edit/" in page or "#domains" in page
    # The export is refused while blocking problems remain.
    for fmt in ("json", "csv"):
        refused = client.get(EXPORT, {**params, "format": fmt})
        assert refused.status_code == 409
        assert refused["Content-Type"].startswith("text/html")


def test_bad_periods_are_form_errors(venue_a, sold, make_staff, client_for):
    client = client_for(venue_a, make_staff(venue_a, User.Role.READ_ONLY))
    for params in (
        {"start": "2026-05-01", "end": "2026-04-01"},
        {"start": "x", "end": "2026-04-01"},
        {"start": "2026-01-01"},
    ):
        assert client.get(PAGE, params).status_code == 400, params
        assert client.get(EXPORT, {**params, "format": "json"}).status_code == 400, params
    ok = {"start": "2026-01-01", "end": "2026-03-31"}
    assert client.get(EXPORT, {**ok, "format": "xml"}).status_code == 400


def test_the_export_equals_the_statements(venue_a, sold, make_staff, client_for):
    main, other, _made = sold
    configure(venue_a)
    with time_machine.travel(timezone.now() + timedelta(days=45), tick=False):
        now = timezone.now()
        client = client_for(venue_a, make_staff(venue_a, User.Role.READ_ONLY))
        params = period(now)
        page = client.get(PAGE, params)
        assert page.status_code == 200
        v = page.context["validation"]
        assert v.blocking == 0, [(d.show, d.problems) for d in v.declarations] + v.general
        response = client.get(EXPORT, {**params, "format": "json"})
        assert response.status_code == 200
        document = json.loads(response.content)
        rows = client.get(EXPORT, {**params, "format": "csv"})
        assert rows.status_code == 200
    assert document["formatVersion"] == sibil.FORMAT_VERSION
    assert document["declarant"] == {
        "numeroLicence": "PLATESV-R-2024-001234",
        "siret": SIRET,
        "nomJuridique": "Association Théâtre Alpha",
    }
    by_id = {d["idExtBilletterie"]: d for d in document["declarations"]}
    assert len(by_id) == 2
    with in_venue(venue_a):
        for performance in (main, other):
            d = by_id[f"parterre-{venue_a.slug}-{performance.pk}"]
            statement = performance_statement(performance)
            invitations = statement.section("invitations").total["count"]
            tickets = statement.totals["tickets"]
            revenue = statement.totals["ticket_revenue_cents"]
            assert d["nbBilletsTotalBilletterie"] == tickets + invitations
            assert d["nbBilletsExoneres"] == invitations
            assert round(d["recetteTotalBilletterie"] * 100) == revenue
            paid = tickets
            assert d["prixMoyenTotalBilletterie"] == round(revenue / paid / 100, 2)
            full = [
                t
                for t in Ticket.objects.filter(
                    performance=performance, status="valid"
                ).select_related("order", "tariff")
                if t.order.status in ("paid", "partially_refunded", "refunded")
                and not t.order.invitation_reason
                and t.tariff.kind in ("full", "single")
            ]
            assert d["nbBilletsTarifPlein"] == len(full)
            assert round(d["recetteTarifPlein"] * 100) == sum(t.price_cents for t in full)
            assert d["domaineRepresentationLibelle"] == "Théâtre"
            assert d["lieuChamps"]["codePostal"] == "69001"
            assert d["lieuChamps"]["siret"] == SIRET
            assert d["nbRepresentations"] == 1 and d["statutDeclaration"] == "ENREGISTRE"
            assert d["dateHeureRepresentationUnique"].startswith(
                timezone.localtime(performance.starts_at).strftime("%Y-%m-%dT%H:%M")
            )
    main_row = by_id[f"parterre-{venue_a.slug}-{main.pk}"]
    assert (main_row["nbBilletsTotalBilletterie"], main_row["nbBilletsExoneres"]) == (6, 2)
    lines = list(csv.reader(io.StringIO(rows.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[0] == list(sibil.CSV_FIELDS) and len(lines) == 3


def test_settings_are_edited_by_an_admin_only(venue_a, sold, make_staff, client_for):
    reader = client_for(venue_a, make_staff(venue_a, User.Role.READ_ONLY))
    data = {
        "action": "settings",
        "licence_number": "platesv-r-2024-001234",
        "siret": "7328 2932 0000 74",
        "legal_name": "Théâtre Alpha",
        "place_type": "THEATRE",
        "insee_code": "69123",
    }
    assert reader.post(PAGE, data).status_code == 403
    admin = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN))
    bad = admin.post(PAGE, {**data, "siret": "12345678901234"})
    assert bad.status_code == 400 and bad.context["settings_form"].errors["siret"]
    assert admin.post(PAGE, data).status_code == 302
    with in_venue(venue_a):
        saved = SibilSettings.objects.get(pk=1)
        assert (saved.licence_number, saved.siret) == ("PLATESV-R-2024-001234", SIRET)
        assert AuditEvent.objects.filter(code="analytics.sibil.settings_updated").exists()
    domains = admin.get(PAGE).context["domains_form"]
    index = domains.genres.index("théâtre") if "théâtre" in domains.genres else None
    assert index is None  # the fixture's show has no genre yet
    with in_venue(venue_a):
        Show.objects.update(genres=["théâtre", "jeune public"])
    domains = admin.get(PAGE).context["domains_form"]
    post = {"action": "domains"}
    for i, genre in enumerate(domains.genres):
        post[f"domain_{i}"] = "theatre" if genre == "théâtre" else ""
        if genre == "jeune public":
            post[f"young_{i}"] = "on"
    assert admin.post(PAGE, post).status_code == 302
    assert reader.post(PAGE, post).status_code == 403
    with in_venue(venue_a):
        mapping = sibil.genre_domains()
        assert sibil.show_domain(["théâtre", "jeune public"], mapping) == ("theatre", True)
    bad = admin.post(PAGE, {**post, "domain_0": "no-such-domain"})
    assert bad.status_code == 400


def test_negative_figures_block(venue_a, sold):
    main, _other, _made = sold
    configure(venue_a)
    with in_venue(venue_a):
        from analytics.models import PerformanceSales

        PerformanceSales.objects.filter(performance_id=main.pk).update(tickets=-1)
        later = timezone.now() + timedelta(days=45)
        today = timezone.localdate(later)
        v = sibil.validate_period(start=today - timedelta(days=60), end=today, now=later)
        row = next(d for d in v.declarations if d.performance_id == main.pk)
        assert row.blocking
        with pytest.raises(sibil.SibilExportRefused):
            sibil.export_json(v)


def test_another_venue_declares_only_its_own(venue_a, venue_b, sold, make_staff, client_for):
    configure(venue_a)
    configure(venue_b)
    with time_machine.travel(timezone.now() + timedelta(days=45), tick=False):
        client = client_for(venue_b, make_staff(venue_b, User.Role.ADMIN))
        params = period(timezone.now())
        response = client.get(EXPORT, {**params, "format": "json"})
        assert response.status_code == 200
        assert json.loads(response.content)["declarations"] == []
        stranger = client_for(venue_b, make_staff(venue_b, User.Role.ADMIN))
        stranger.defaults["HTTP_HOST"] = host_for(venue_a)
        assert stranger.get(EXPORT, {**params, "format": "json"}).status_code in (302, 403)
        assert client_for(venue_a).get(PAGE).status_code in (302, 403)


def test_the_list_costs_a_fixed_number_of_queries(venue_a, sold, make_staff, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.ticketing.conftest import build_performance

    def queries(params) -> tuple[int, object]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(PAGE, params)
        # django-tenants sets the search path again after the test switched schemas.
        return sum(not q["sql"].startswith("SET search_path") for q in captured), response

    configure(venue_a)
    client = client_for(venue_a, make_staff(venue_a, User.Role.READ_ONLY))
    today = timezone.localdate()
    params = {"start": today.isoformat(), "end": (today + timedelta(days=60)).isoformat()}
    with in_venue(venue_a):
        build_performance(name="Salle 39", starts_in_days=39)  # one with nothing sold
    client.get(PAGE, params)  # warm: session, venue caches
    few, response = queries(params)
    assert few <= 20
    assert len(response.context["validation"].declarations) == 3
    with in_venue(venue_a):
        for days in (40, 41, 42):
            build_performance(name=f"Salle {days}", starts_in_days=days)
    more, response = queries(params)
    assert more == few
    assert len(response.context["validation"].declarations) == 6
    assert not response.context["can_edit"]
    assert "Théâtre" in response.content.decode()  # the domain's label, read only
