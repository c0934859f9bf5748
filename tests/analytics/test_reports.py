"""Season and period reports: the figures equal the orders counted ticket by ticket, the PDF
(read back with pdftotext) and the XLSX say them, bad choices are form errors, the audience
sections come from analytics.audience or say they are not available, and a venue sees only
its own figures."""

import io
import subprocess
from collections import defaultdict

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from analytics.models import PerformanceSales
from analytics.reports.data import build_report
from analytics.reports.render import report_pdf, report_xlsx
from analytics.templatetags.analytics_ui import cell_text
from tenants.accounts.models import User
from tenants.events.services.dispatch import dispatch_pending
from tests.helpers import host_for, in_venue
from ticketing.models import Ticket

pytestmark = pytest.mark.django_db
URL = "/backoffice/statistics/reports/"
PAID = ("paid", "partially_refunded", "refunded")


def by_tariff() -> dict[str, dict]:
    """Valid tickets of paid orders (invitations apart), by tariff name, in Python."""
    out: dict[str, dict] = defaultdict(lambda: {"tickets": 0, "revenue": 0})
    for t in Ticket.objects.select_related("order", "tariff"):
        if t.order.status in PAID and t.status == "valid" and not t.order.invitation_reason:
            out[t.tariff.name]["tickets"] += 1
            out[t.tariff.name]["revenue"] += t.price_cents
    return dict(out)


@pytest.fixture
def ready(venue_a, season):
    with in_venue(venue_a):
        dispatch_pending()
        name = PerformanceSales.objects.values_list("season", flat=True).first()
    return season, name


@pytest.fixture
def reader(venue_a, make_staff, client_for):
    return client_for(venue_a, make_staff(venue_a, User.Role.READ_ONLY))


def fr(msgid: str) -> str:
    """The French of a msgid (the msgid itself until the catalogue is compiled)."""
    with translation.override("fr"):
        return gettext(msgid)


def pdf_text(content: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    return done.stdout.decode()


def test_a_season_report_counts_as_the_orders(venue_a, ready):
    (_main, _other, _made), name = ready
    with in_venue(venue_a):
        expected = by_tariff()
        report = build_report(season=name)
        paid = [
            t
            for t in Ticket.objects.select_related("order")
            if t.order.status in PAID and t.status == "valid"
        ]
    totals = report.totals
    assert totals["tickets"] == sum(1 for t in paid if not t.order.invitation_reason) == 5
    assert totals["invitations"] == sum(1 for t in paid if t.order.invitation_reason) == 2
    assert totals["revenue_cents"] == sum(
        t.price_cents for t in paid if not t.order.invitation_reason
    )
    assert totals["performances"] == 2
    tariffs = report.section("revenue").tables[0].rows
    got = {r["tariff"]: (r["tickets"], r["revenue_cents"]) for r in tariffs if not r.get("total")}
    assert got == {k: (v["tickets"], v["revenue"]) for k, v in expected.items()}
    channels = {r["channel"]: r["tickets"] for r in report.section("revenue").tables[1].rows}
    assert channels[fr("Online")] == 4 and channels[fr("Box office")] == 1
    attendance = report.section("attendance").tables[0].rows
    assert attendance[-1]["total"] and attendance[-1]["tickets"] == 5
    assert attendance[-1]["invitations"] == 2
    assert report.totals["online_share"] == pytest.approx(4 / 5)


def test_a_period_report_counts_the_sales_of_its_days(venue_a, ready):
    _season, _name = ready
    with in_venue(venue_a):
        today = timezone.localdate()
        report = build_report(start=today, end=today)
        assert report.totals["tickets"] == 5  # every sale, refund and exchange was today
        yesterday = today - timezone.timedelta(days=1)
        empty = build_report(start=yesterday, end=yesterday)
    assert empty.totals["tickets"] == 0 and empty.totals["revenue_cents"] == 0
    # The performances are in 20 and 30 days: none played in the period.
    assert report.totals["performances"] == 0
    assert not report.section("audience").available  # audience figures are per season


def test_the_pdf_says_the_figures(venue_a, ready, reader):
    _season, name = ready
    response = reader.get(
        URL,
        {"scope": "season", "season": name, "format": "pdf"},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"rapport-saison-{name}.pdf" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert fr("Season report") in text and name in text
    assert "Le Misanthrope" in text
    with in_venue(venue_a):
        revenue = build_report(season=name).totals["revenue_cents"]
    with translation.override("fr"):
        euros = cell_text(revenue, "money")
    assert euros.replace("\u202f", "").replace("\xa0", "") in text.replace(" ", "")
    assert fr("Attendance figures") in text and fr("Revenue by tariff") in text
    assert fr("Audience renewal") in text and fr("Geography of the audience") in text


def test_the_workbook_has_a_sheet_per_section_and_the_orders_figures(venue_a, ready, reader):
    _season, name = ready
    response = reader.get(URL, {"scope": "season", "season": name, "format": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 7  # summary + six sections
    with in_venue(venue_a):
        expected = by_tariff()
    tariffs = book.worksheets[2]
    rows = list(tariffs.iter_rows(values_only=True))
    header = rows.index(next(r for r in rows if r and r[0] == fr("Tariff")))
    got = {}
    for r in rows[header + 1 :]:
        if not r or r[0] is None or r[0] in (fr("Total"), fr("Channels")):
            break
        got[r[0]] = (r[2], round(r[3] * 100))
    assert got == {k: (v["tickets"], v["revenue"]) for k, v in expected.items()}
    attendance = [r for r in book.worksheets[1].iter_rows(values_only=True) if r and r[0]]
    total = attendance[-1]
    assert total[3] == 5 and total[4] == 2  # tickets, invitations


def test_bad_choices_are_form_errors(ready, reader):
    _season, name = ready
    for params in (
        {"scope": "period", "start": "2026-05-01", "end": "2026-04-01", "format": "pdf"},
        {"scope": "period", "start": "nonsense", "end": "2026-04-01", "format": "pdf"},
        {"scope": "period", "start": "", "end": "", "format": "xlsx"},
        {"scope": "period", "start": "1900-01-01", "end": "1900-01-02", "format": "pdf"},
        {"scope": "period", "start": "2000-01-01", "end": "2099-01-01", "format": "pdf"},
        {"scope": "season", "season": "1999-2000", "format": "pdf"},
        {"scope": "season", "season": name, "format": "docx"},
        {"scope": "weird", "format": "pdf"},
    ):
        response = reader.get(URL, params)
        assert response.status_code == 400, params
        assert response.context["form"].errors, params


def test_the_page_lists_the_seasons(ready, reader):
    _season, name = ready
    response = reader.get(URL, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    page = response.content.decode()
    assert f'value="{name}"' in page
    assert "/backoffice/statistics/reports/sibil/" in page


def test_who_may_download(venue_a, venue_b, ready, make_staff, client_for):
    _season, name = ready
    params = {"scope": "season", "season": name, "format": "pdf"}
    assert client_for(venue_a).get(URL, params).status_code in (302, 403)
    for role in (User.Role.BOX_OFFICE, User.Role.READ_ONLY, User.Role.ADMIN):
        client = client_for(venue_a, make_staff(venue_a, role))
        assert client.get(URL, params).status_code == 200, role
    # A staff member of another venue is a stranger here.
    stranger = client_for(venue_b, make_staff(venue_b, User.Role.ADMIN))
    stranger.defaults["HTTP_HOST"] = host_for(venue_a)
    assert stranger.get(URL, params).status_code in (302, 403)


def test_another_venue_sees_only_its_own_figures(venue_a, venue_b, ready, make_staff, client_for):
    _season, name = ready
    client = client_for(venue_b, make_staff(venue_b, User.Role.ADMIN))
    response = client.get(URL, {"scope": "season", "season": name, "format": "pdf"})
    assert response.status_code in (200, 400)  # venue B may have no season at all
    if response.status_code == 200:
        assert "Le Misanthrope" not in pdf_text(response.content)
    with in_venue(venue_b):
        assert build_report(season=name).totals["tickets"] == 0


def test_the_audience_sections_say_what_the_audience_page_says(venue_a, ready):
    """The renewal and geography sections are analytics.audience's figures (cross-checked
    to the unit against tickets and contacts in tests/analytics/test_audience.py)."""
    from analytics import audience
    from crm.models import Contact

    _season, name = ready
    with in_venue(venue_a):
        Contact.objects.filter(orders__isnull=False).update(postcode="69003", department="69")
        report = build_report(season=name)  # a venue never refreshed: computed on the way
        figures = audience.season_audience(name)
        places = audience.geography(name)
        content = report_pdf(report)
        book = load_workbook(io.BytesIO(report_xlsx(report)))
    assert figures["spectators"] > 0 and places
    section = report.section("audience")
    assert section.available
    values = [r["value"] for r in section.tables[0].rows]
    assert values[:3] == [figures["spectators"], figures["new"], figures["returning"]]
    assert values[4:] == [figures["seats_per_spectator"], figures["identified_share"]]
    geography = report.section("geography").tables[0].rows
    assert [(g["code"], g["spectators"]) for g in geography] == [
        (p["department"], p["spectators"]) for p in places
    ]
    assert sum(g["share"] for g in geography) == pytest.approx(1.0)
    text = pdf_text(content)
    known = next(p for p in places if p["department"])
    assert known["name"] == "Rhône" and known["region"] == "Auvergne-Rhône-Alpes"
    assert fr("Audience renewal") in text and known["name"] in text
    codes = {row[0] for ws in book.worksheets for row in ws.iter_rows(values_only=True)}
    assert known["department"] in codes
