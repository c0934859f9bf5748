"""The communication statistics page: its rates cross-checked against the deliveries made
here (to the unit), who may open it, its cost in queries, and that a venue sees only its own
campaigns."""

from datetime import date

import pytest
from django.utils import timezone

from campaigns.journeys.models import Journey
from campaigns.models import Campaign, Delivery, Operation
from campaigns.tracking.models import Attribution
from tenants.accounts.models import User
from tests.campaigns.tracking_helpers import contact, sent_campaign
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db
URL = "/backoffice/statistics/communication/"


def _this_month() -> date:
    return timezone.localtime(timezone.now()).date().replace(day=1)


def _mark(delivery, **fields):
    for name, value in fields.items():
        setattr(delivery, name, value)
    delivery.save()


def communication_scenario():
    """A send-to-all newsletter (4 sent: 2 opened, 1 clicked, 1 unsubscribed, 2 attributed
    orders), a targeted one (2 sent, both opened and clicked, plus 1 bounced never sent), an
    operation costing 15 € and a journey."""
    people = [contact(f"p{i}@example.org") for i in range(7)]
    operation = Operation.objects.create(name="Lancement de saison", cost_cents=1500)
    everyone, _link, sent = sent_campaign("Saison 27", people=people[:4], operation=operation)
    now = timezone.now()
    _mark(sent[0], opened_at=now, clicked_at=now)
    _mark(sent[1], opened_at=now, unsubscribed_at=now)
    for n, (order_id, amount) in enumerate([(1, 3000), (2, 1500)]):
        Attribution.objects.create(
            order_id=order_id + 100 * n,
            campaign=everyone,
            operation=operation,
            channel="email",
            amount_cents=amount,
        )
    targeted, _link, sent = sent_campaign(
        "Abonnés", people=people[4:6], list_contact_ids=[p.pk for p in people[4:6]]
    )
    for d in sent:
        _mark(d, opened_at=now, clicked_at=now)
    Delivery.objects.create(
        campaign=targeted,
        contact=people[6],
        email=people[6].email,
        status=Delivery.Status.BOUNCED,
        bounced_at=now,
    )
    journey = Journey.objects.create(
        name="Bienvenue", trigger="after_attendance", action="email", entered=5, sent=4
    )
    return everyone, targeted, operation, journey


@pytest.fixture
def comms_client(venue_a, make_staff, client_for):
    return client_for(venue_a, make_staff(venue_a, User.Role.COMMUNICATION))


def test_the_rates_match_the_deliveries(venue_a, comms_client):
    with in_venue(venue_a):
        everyone, *_rest = communication_scenario()
    response = comms_client.get(URL, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    tables = response.context["board"].tables

    rates = tables["rates"].rows
    assert len(rates) == 12 and rates[-1]["month"] == _this_month()
    # 7 emails sent this month by the tracking selectors' rule (a bounced delivery counts
    # as sent, as on each campaign's own page): 4 opened, 3 clicked.
    assert (rates[-1]["sent"], rates[-1]["opened"], rates[-1]["clicked"]) == (7, 4, 3)
    assert rates[-1]["open_rate"] == pytest.approx(4 / 7)
    assert rates[-1]["click_rate"] == pytest.approx(3 / 7)
    assert all(r["sent"] == 0 and r["open_rate"] is None for r in rates[:-1])

    targeting = {r["group"]: r for r in tables["targeting"].rows}
    assert [r["sent"] for r in tables["targeting"].rows] == [3, 4]
    assert tables["targeting"].rows[0]["open_rate"] == pytest.approx(2 / 3)
    assert tables["targeting"].rows[0]["click_rate"] == pytest.approx(2 / 3)
    assert tables["targeting"].rows[1]["open_rate"] == pytest.approx(0.5)
    assert tables["targeting"].rows[1]["click_rate"] == pytest.approx(0.25)
    assert len(targeting) == 2

    losses = tables["losses"].rows[-1]
    assert (losses["unsubscribed"], losses["bounced"], losses["complained"]) == (1, 1, 0)
    assert sum(r["unsubscribed"] + r["bounced"] for r in tables["losses"].rows) == 2

    (op,) = tables["operations"].rows
    assert (op["cost"], op["orders"], op["revenue"], op["return"]) == (1500, 2, 4500, 3.0)

    campaigns = {r["name"]: r for r in tables["campaigns"].rows}
    assert campaigns["Saison 27"]["sent"] == 4
    assert campaigns["Saison 27"]["open_rate"] == pytest.approx(0.5)
    assert campaigns["Saison 27"]["click_rate"] == pytest.approx(0.25)
    assert (campaigns["Saison 27"]["orders"], campaigns["Saison 27"]["revenue"]) == (2, 4500)
    # The tracking selectors' rule: a bounced delivery counts as sent to its campaign.
    assert campaigns["Abonnés"]["sent"] == 3
    assert campaigns["Abonnés"]["orders"] == 0

    (j,) = tables["journeys"].rows
    assert (j["entered"], j["sent"], j["converted"]) == (5, 4, 0)

    page = response.content.decode()
    assert f"/backoffice/campaigns/{everyone.pk}/stats/" in page
    assert 'id="analytics-charts"' in page and 'data-chart="rates"' in page
    assert "/backoffice/statistics/" in page  # the tab back to the sales page


def test_an_export_of_a_table(venue_a, comms_client):
    with in_venue(venue_a):
        communication_scenario()
    response = comms_client.get(URL + "?export=campaigns&format=csv")
    assert response.status_code == 200
    assert "Saison 27" in response.content.decode()
    assert comms_client.get(URL + "?export=nope&format=csv").status_code == 404


def test_who_may_open_it(venue_a, make_staff, client_for):
    box = client_for(venue_a, make_staff(venue_a, User.Role.BOX_OFFICE))
    assert box.get(URL).status_code == 403
    admin = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN))
    assert admin.get(URL).status_code == 200


def test_a_fixed_number_of_queries(venue_a, comms_client, django_assert_max_num_queries):
    with in_venue(venue_a):
        communication_scenario()
        for i in range(5):
            sent_campaign(f"Lettre {i}", people=[contact(f"x{i}@example.org")])
    comms_client.get(URL)  # warm: session, venue caches
    with django_assert_max_num_queries(25):
        assert comms_client.get(URL).status_code == 200


def test_a_venue_sees_only_its_own_campaigns(venue_a, venue_b, make_staff, client_for):
    with in_venue(venue_a):
        communication_scenario()
    with in_venue(venue_b):
        other, _link, _sent = sent_campaign(
            "Lettre de Beta", people=[contact(f"b{i}@example.org") for i in range(3)]
        )
        Campaign.objects.filter(pk=other.pk).update(kind=Campaign.Kind.NEWSLETTER)
    beta = client_for(venue_b, make_staff(venue_b, User.Role.COMMUNICATION))
    response = beta.get(URL)
    assert response.status_code == 200
    tables = response.context["board"].tables
    assert tables["rates"].rows[-1]["sent"] == 3 and tables["rates"].rows[-1]["opened"] == 0
    assert [r["name"] for r in tables["campaigns"].rows] == ["Lettre de Beta"]
    assert tables["operations"].rows == [] and tables["journeys"].rows == []
    page = response.content.decode()
    assert "Saison 27" not in page and "Lancement de saison" not in page


def test_the_figures_are_recomputed_not_counted_per_view(venue_a, comms_client):
    """The page reads analytics' tables: an open after the last refresh shows at the next
    one (the quarter-hourly task), and the full and recent passes agree with each other."""
    from analytics.communication_refresh import refresh_communication
    from analytics.models import CampaignMonth

    with in_venue(venue_a):
        everyone, *_rest = communication_scenario()
    first = comms_client.get(URL).context["board"]
    assert first.tables["rates"].rows[-1]["opened"] == 4 and first.freshness_at is not None
    with in_venue(venue_a):
        unopened = everyone.deliveries.filter(opened_at__isnull=True).first()
        _mark(unopened, opened_at=timezone.now())
        full = sorted(CampaignMonth.objects.values_list("campaign_id", "month", "sent", "opened"))
    assert comms_client.get(URL).context["board"].tables["rates"].rows[-1]["opened"] == 4
    with in_venue(venue_a):
        refresh_communication(full=False)
        refresh_communication(full=False)  # twice: no harm
        recent = sorted(CampaignMonth.objects.values_list("campaign_id", "month", "sent", "opened"))
    assert [r[:3] for r in recent] == [r[:3] for r in full]
    assert sum(r[3] for r in recent) == sum(r[3] for r in full) + 1
    assert comms_client.get(URL).context["board"].tables["rates"].rows[-1]["opened"] == 5
