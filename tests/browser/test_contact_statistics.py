"""The contact base's statistics page in a real browser, at desktop and phone sizes: the
growth (stacked bars) and integrity (line) charts are drawn, without a console error."""

import os
from datetime import timedelta

import pytest

from tenants.accounts.models import User
from tests.browser.statistics_helpers import drawn_charts, open_statistics
from tests.helpers import PASSWORD, committed

pytestmark = [pytest.mark.django_db, pytest.mark.browser]
EMAIL = "browser-contact-stats@alpha.test"
MARK = "Statbase"


def _base():
    from django.utils import timezone

    from crm.integrity.models import IntegritySnapshot
    from crm.models import Contact

    User.objects.create_user(EMAIL, PASSWORD, role=User.Role.COMMUNICATION, full_name="Léa")
    now, today = timezone.now(), timezone.localdate()
    sources = ["web", "box_office", "newsletter", "import"]
    for i in range(40):
        c = Contact.objects.create(
            last_name=MARK,
            first_name=f"N{i}",
            email=f"statbase{i}@example.fr" if i % 3 else "",
            postcode="75011" if i % 2 else "",
            first_source=sources[i % 4],
        )
        Contact.objects.filter(pk=c.pk).update(
            first_seen_at=now - timedelta(days=(i * 9) % 360),
            email_consent=[True, False, None][i % 3],
        )
    for d in range(0, 120, 7):
        IntegritySnapshot.objects.update_or_create(
            day=today - timedelta(days=d),
            defaults={"contacts": 40, "complete": 30 - d // 7, "average_score": 60},
        )


def _wipe():
    from crm.integrity.models import IntegritySnapshot
    from crm.models import Contact

    IntegritySnapshot.objects.all().delete()
    Contact.objects.filter(last_name=MARK).delete()
    User.objects.filter(email=EMAIL).delete()


@pytest.fixture
def base(venue_a):
    try:
        yield committed(venue_a, _base)
    finally:
        committed(venue_a, _wipe)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_contact_base_page_draws_its_charts(size, page, phone, url, venue_a, base):
    tab = page if size == "desktop" else phone
    errors = open_statistics(tab, url(venue_a, "/backoffice/statistics/contacts/"), EMAIL)
    assert drawn_charts(tab) == {"growth", "integrity"}
    shots = os.environ.get("PARTERRE_SHOTS")
    if shots:
        tab.screenshot(path=f"{shots}/stats_contacts-{size}.png", full_page=True)
    assert not errors
