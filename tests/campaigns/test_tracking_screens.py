"""The back office's operations (create, channels, QR codes, return) and a campaign's
statistics; staff of another venue see none of it."""

import pytest

from campaigns import addresses
from campaigns.models import Delivery, Operation, TrackedLink
from campaigns.tracking.attribution import attribute_order
from campaigns.tracking.models import Attribution
from campaigns.tracking.selectors import targeting_report
from tenants.accounts.models import User
from tests.helpers import in_venue

from .tracking_helpers import contact, sent_campaign

pytestmark = pytest.mark.django_db(transaction=False)


def test_an_operation_with_its_link_qr_codes_and_return(venue_a, venue_b, make_staff, client_for):
    staff = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN))
    response = staff.post(
        "/backoffice/campaigns/operations/new/",
        {
            "name": "Lancement de saison",
            "kind": "season_launch",
            "starts_on": "2026-09-01",
            "ends_on": "2026-09-30",
            "cost": "250.50",
            "codes": "amis26, presse26\nAMIS26",
            "notes": "",
        },
    )
    assert response.status_code == 302
    with in_venue(venue_a):
        operation = Operation.objects.get()
        assert (operation.cost_cents, operation.promo_codes) == (25050, ["AMIS26", "PRESSE26"])
    detail = f"/backoffice/campaigns/operations/{operation.pk}/"
    added = staff.post(
        detail, {"label": "Affiche métro", "url": "https://example.org/saison", "kind": "print"}
    )
    assert added.status_code == 302
    with in_venue(venue_a):
        link = TrackedLink.objects.get(operation=operation)
        attribute_order(
            order_id=9,
            contact_id=None,
            amount_cents=50100,
            ordered_at=link.created_at,
            promo_codes=["AMIS26"],
        )
    with in_venue(venue_a):
        campaign, _l, _d = sent_campaign("Lettre de rentrée", people=[])
    assert staff.post(detail, {"campaign": str(campaign.pk)}).status_code == 302
    assert staff.post(detail, {"campaign": "x"}).status_code == 404
    with in_venue(venue_a):
        campaign.refresh_from_db()
        assert campaign.operation_id == operation.pk
    page = staff.get(detail)
    assert page.status_code == 200
    text = page.content.decode()
    assert addresses.short_link_path(link.slug) in text and "AMIS26" in text
    assert "× 2,0" in text or "× 2.0" in text  # 501 € / 250.50 €
    png = staff.get(f"{detail}links/{link.pk}/qr.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    svg = staff.get(f"{detail}links/{link.pk}/qr.svg")
    assert svg.status_code == 200 and b"<svg" in svg.content
    with in_venue(venue_a):
        sent_campaign("Deuxième lettre", people=[], operation=operation)
    listing = staff.get("/backoffice/campaigns/operations/")
    assert listing.status_code == 200
    assert "501 €" in listing.content.decode()  # once, however many campaigns it has
    other = client_for(venue_b, make_staff(venue_b, User.Role.ADMIN))
    assert other.get(detail).status_code == 404
    bad = staff.post(
        "/backoffice/campaigns/operations/new/", {"name": "X", "kind": "other", "cost": "-1"}
    )
    assert bad.status_code == 400


def test_a_campaigns_statistics_and_the_targeting_report(venue_a, make_staff, client_for):
    with in_venue(venue_a):
        people = [contact(f"p{i}@example.org", consent=True) for i in range(4)]
        campaign, link, deliveries = sent_campaign(people=people)
        for d in deliveries[:2]:
            d.opens, d.opened_at = 1, d.sent_at
            d.save()
        Attribution.objects.create(
            order_id=1, campaign=campaign, link=link, channel="email", amount_cents=3000
        )
    staff = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN))
    page = staff.get(f"/backoffice/campaigns/{campaign.pk}/stats/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "50.0 %" in text or "50,0 %" in text
    assert "chart.umd.min.js" in text and "data-chart=" in text
    report = staff.get("/backoffice/campaigns/reports/targeting/")
    assert report.status_code == 200
    # A bounced email counts as sent, as on the campaign's page and the statistics page.
    with in_venue(venue_a):
        Delivery.objects.create(
            campaign=campaign,
            contact=contact("gone@example.org", consent=True),
            email="gone@example.org",
            status=Delivery.Status.BOUNCED,
        )
        send_to_all = targeting_report()[1]
    assert (send_to_all["campaigns"], send_to_all["sent"], send_to_all["opened"]) == (1, 5, 2)
    box = client_for(venue_a, make_staff(venue_a, User.Role.BOX_OFFICE))
    assert box.get(f"/backoffice/campaigns/{campaign.pk}/stats/").status_code == 403
