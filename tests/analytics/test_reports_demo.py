"""The demo venue produces a season PDF and a SIBIL export without blocking problems."""

import json
import random
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from analytics import demo as analytics_demo
from analytics import selectors
from analytics.reports import sibil
from analytics.reports.data import build_report
from analytics.reports.render import report_pdf
from crm import demo as crm_demo
from tests.helpers import in_venue
from ticketing import demo as ticketing_demo
from ticketing.models import Performance
from ticketing.selectors.statements import performance_statement

pytestmark = pytest.mark.django_db


@pytest.mark.slow
def test_the_demo_declares_and_reports_without_blocking_problems(venue_a):
    venue_a.street, venue_a.postcode, venue_a.city = "17 rue de la Tannerie", "49100", "Angers"
    venue_a.save(update_fields=["street", "postcode", "city"])
    with in_venue(venue_a):
        rng = random.Random(venue_a.slug)
        crm_demo.seed_venue(venue_a, rng)
        ticketing_demo.seed_venue(venue_a, rng)
        analytics_demo.seed_venue(venue_a, rng)
        analytics_demo.seed_venue(venue_a, random.Random(venue_a.slug))  # twice: idempotent
        yesterday = timezone.localdate() - timedelta(days=1)
        v = sibil.validate_period(start=yesterday - timedelta(days=3 * 365), end=yesterday)
        blocking = [(d.show, d.problems) for d in v.declarations if d.blocking]
        assert v.blocking == 0, (v.general, blocking[:5])
        document = json.loads(sibil.export_json(v))
        assert len(document["declarations"]) > 20
        assert all(d["domaineRepresentationLibelle"] for d in document["declarations"])
        # Every declaration equals its performance's receipts statement, to the unit.
        declared = {d["idExtBilletterie"]: d for d in document["declarations"]}
        for performance in Performance.objects.filter(
            pk__in=[d.performance_id for d in v.exported]
        ):
            d = declared[f"parterre-{venue_a.slug}-{performance.pk}"]
            statement = performance_statement(performance)
            invitations = statement.section("invitations").total["count"]
            assert d["nbBilletsTotalBilletterie"] == statement.totals["tickets"] + invitations
            assert d["nbBilletsExoneres"] >= invitations
            assert (
                round(d["recetteTotalBilletterie"] * 100)
                == (statement.totals["ticket_revenue_cents"])
            )
        seasons = [s["season"] for s in selectors.seasons_overview()]
        started = time.perf_counter()
        content = report_pdf(build_report(season=seasons[-1]))
        elapsed = time.perf_counter() - started
    assert content.startswith(b"%PDF")
    print(f"RESULT season_pdf_s={elapsed:.2f} bytes={len(content)} season={seasons[-1]}")
