"""The door's pages: who may open them, the choice, the scanning page's settings, the service
worker, the list of double entries."""

import json

import pytest

from tenants.accounts.models import User
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db


@pytest.fixture
def soon(performance, venue_a):
    from datetime import timedelta

    from django.utils import timezone

    with in_venue(venue_a):
        performance.starts_at = timezone.now() + timedelta(hours=3)
        performance.save(update_fields=["starts_at"])
    return performance


def test_only_door_capable_staff_open_the_door(venue_a, make_staff, client_for, soon):
    reader = client_for(venue_a, make_staff(venue_a, User.Role.READ_ONLY))
    assert reader.get("/backoffice/door/").status_code == 403
    assert reader.get(f"/backoffice/door/{soon.pk}/?door=A").status_code == 403
    anonymous = client_for(venue_a)
    assert anonymous.get("/backoffice/door/").status_code == 302
    doorman = client_for(venue_a, make_staff(venue_a, User.Role.DOOR))
    page = doorman.get("/backoffice/door/")
    assert page.status_code == 200
    assert soon.show.title in page.content.decode()


def test_choosing_leads_to_the_scanning_page(venue_a, make_staff, client_for, soon):
    doorman = client_for(venue_a, make_staff(venue_a, User.Role.DOOR))
    response = doorman.get("/backoffice/door/", {"performance": soon.pk, "door": "Entrée nord"})
    assert response.status_code == 302
    assert response["Location"] == f"/backoffice/door/{soon.pk}/?door=Entr%C3%A9e+nord"
    page = doorman.get(response["Location"])
    assert page.status_code == 200
    assert page["Cache-Control"].startswith("max-age=0")
    html = page.content.decode()
    start = html.index('<script id="door-config" type="application/json">') + 49
    config = json.loads(html[start : html.index("</script>", start)])
    assert config["door"] == "Entrée nord"
    assert config["scanUrl"] == f"/api/v1/performances/{soon.pk}/check-ins/"
    assert config["bundleUrl"] == f"/api/v1/performances/{soon.pk}/door-bundle/"
    # No door name, or a performance it may not admit: back to the choice.
    assert doorman.get(f"/backoffice/door/{soon.pk}/").status_code == 302
    assert doorman.get("/backoffice/door/", {"performance": "x", "door": "A"}).status_code == 200
    assert doorman.get("/backoffice/door/99999999/?door=A").status_code == 404


def test_another_venues_performance_is_not_found(venue_a, venue_b, make_staff, client_for, soon):
    from tests.ticketing.conftest import build_performance

    with in_venue(venue_b):
        beta = build_performance(name="Salle Beta")
    doorman = client_for(venue_b, make_staff(venue_b, User.Role.DOOR))
    if beta.pk != soon.pk:
        assert doorman.get(f"/backoffice/door/{soon.pk}/?door=A").status_code == 404


def test_the_service_worker_lists_the_door_files(venue_a, make_staff, client_for):
    doorman = client_for(venue_a, make_staff(venue_a, User.Role.DOOR))
    response = doorman.get("/backoffice/door/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    assert "__ASSETS__" not in body
    assert '"/static/js/door.js"' in body
    assert '"/static/vendor/jsQR.js"' in body


def test_double_entries_page(venue_a, make_staff, client_for, soon):
    from datetime import timedelta

    from django.utils import timezone

    from tests.ticketing.door_helpers import qr, sold_ticket
    from ticketing.services import door

    with in_venue(venue_a):
        ticket = sold_ticket(soon, "A1")
        now = timezone.now()
        for name, seconds in (("Nord", 60), ("Sud", 30)):
            door.sync_check_ins(
                performance=soon,
                scans=[
                    door.OfflineScan(name, qr(ticket), now - timedelta(seconds=seconds), "valid")
                ],
                door=name,
                device_id=f"tel-{name}",
            )
    doorman = client_for(venue_a, make_staff(venue_a, User.Role.DOOR))
    listing = doorman.get("/backoffice/door/conflicts/").content.decode()
    assert "tel-Sud" in listing and "tel-Nord" not in listing
    fragment = doorman.get(f"/backoffice/door/{soon.pk}/conflicts/").content.decode()
    assert "Sud" in fragment
