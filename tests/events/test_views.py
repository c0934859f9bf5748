"""The back-office webhook screens: an admin adds an endpoint by ticking event types, sees its
secret, disables it, reads the delivery log and sends a delivery again; other roles are
refused; the pages cost a fixed number of queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants.accounts.models import User
from tenants.events import services
from tenants.events.models import WebhookDelivery, WebhookEndpoint
from tenants.events.services.dispatch import dispatch_pending
from tenants.events.services.webhooks import create_webhook_endpoint
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(venue_a, make_staff, client_for):
    return client_for(venue_a, make_staff(venue_a, User.Role.ADMIN))


def test_an_admin_adds_an_endpoint_and_sees_its_secret(admin_client, venue_a):
    page = admin_client.get("/backoffice/webhooks/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="ticketing.order.confirmed"' in html and 'type="checkbox"' in html
    assert 'href="/backoffice/webhooks/"' in html  # in the navigation

    answer = admin_client.post(
        "/backoffice/webhooks/",
        {
            "url": "https://crm.example.org/hooks",
            "description": "Notre CRM",
            "event_codes": ["ticketing.order.confirmed", "ticketing.order.refunded"],
        },
    )
    with in_venue(venue_a):
        endpoint = WebhookEndpoint.objects.get()
    assert answer.status_code == 302
    assert answer.url == f"/backoffice/webhooks/{endpoint.pk}/?new=1"
    detail = admin_client.get(answer.url).content.decode()
    assert endpoint.secret in detail
    assert re.search(r"<details class=\"secret\" open>", detail)
    assert endpoint.event_codes == ["ticketing.order.confirmed", "ticketing.order.refunded"]
    assert "Notre CRM" in admin_client.get("/backoffice/webhooks/").content.decode()


@pytest.mark.parametrize(
    "data, message",
    [
        (
            {"url": "http://crm.example.org/x", "event_codes": ["ticketing.order.confirmed"]},
            "https://",
        ),
        (
            {"url": "https://192.168.0.3/x", "event_codes": ["ticketing.order.confirmed"]},
            "publiques",
        ),
        ({"url": "https://crm.example.org/x"}, "Choisissez au moins un type"),
    ],
)
def test_the_form_explains_what_is_wrong(admin_client, venue_a, data, message):
    answer = admin_client.post("/backoffice/webhooks/", data)
    assert answer.status_code == 200
    assert message in answer.content.decode()
    with in_venue(venue_a):
        assert not WebhookEndpoint.objects.exists()


def test_disable_resend_and_delete(admin_client, venue_a):
    with in_venue(venue_a):
        endpoint = create_webhook_endpoint(
            url="https://crm.example.org/hooks", event_codes=["ticketing.*"]
        )
        services.publish(code="ticketing.order.cancelled", key="order:9", data={"order_id": 9})
        dispatch_pending()
        delivery = WebhookDelivery.objects.get()
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status="failed", attempts=3, last_status_code=502, last_error="HTTP 502: Bad Gateway"
        )
    detail = admin_client.get(f"/backoffice/webhooks/{endpoint.pk}/").content.decode()
    assert "Commande annulée" in detail and "502" in detail and "Bad Gateway" in detail
    assert "Renvoyer" in detail

    answer = admin_client.post(f"/backoffice/webhooks/deliveries/{delivery.pk}/resend/")
    assert answer.status_code == 302
    with in_venue(venue_a):
        delivery.refresh_from_db()
    assert delivery.status == "pending"

    admin_client.post(f"/backoffice/webhooks/{endpoint.pk}/active/", {"active": "0"})
    with in_venue(venue_a):
        endpoint.refresh_from_db()
    assert endpoint.active is False
    assert "Désactivé" in admin_client.get(f"/backoffice/webhooks/{endpoint.pk}/").content.decode()

    old_secret = endpoint.secret
    admin_client.post(f"/backoffice/webhooks/{endpoint.pk}/secret/")
    with in_venue(venue_a):
        endpoint.refresh_from_db()
    assert endpoint.secret != old_secret

    admin_client.post(f"/backoffice/webhooks/{endpoint.pk}/delete/")
    with in_venue(venue_a):
        assert not WebhookEndpoint.objects.exists()
        assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize(
    "role", [User.Role.BOX_OFFICE, User.Role.COMMUNICATION, User.Role.READ_ONLY]
)
def test_other_roles_are_refused(venue_a, make_staff, client_for, role):
    with in_venue(venue_a):
        endpoint = create_webhook_endpoint(url="https://crm.example.org/h", event_codes=["*"])
    client = client_for(venue_a, make_staff(venue_a, role))
    assert client.get("/backoffice/webhooks/").status_code == 403
    assert client.get(f"/backoffice/webhooks/{endpoint.pk}/").status_code == 403
    assert client.post(f"/backoffice/webhooks/{endpoint.pk}/delete/").status_code == 403
    assert 'href="/backoffice/webhooks/"' not in client.get("/backoffice/").content.decode()
    with in_venue(venue_a):
        assert WebhookEndpoint.objects.exists()


def test_another_venue_endpoint_is_a_404(venue_a, venue_b, make_staff, client_for):
    with in_venue(venue_a):
        endpoint = create_webhook_endpoint(url="https://crm.example.org/h", event_codes=["*"])
    client = client_for(venue_b, make_staff(venue_b, User.Role.ADMIN))
    assert client.get(f"/backoffice/webhooks/{endpoint.pk}/").status_code == 404
    assert client.post(f"/backoffice/webhooks/{endpoint.pk}/delete/").status_code == 404


def _queries(client, path: str) -> int:
    client.get(path)  # the venue's host is cached by the first request of the process
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_the_pages_cost_a_fixed_number_of_queries(admin_client, venue_a):
    with in_venue(venue_a):
        endpoint = create_webhook_endpoint(url="https://crm.example.org/h", event_codes=["*"])
        services.publish(code="ticketing.order.confirmed", key="order:1", data={})
        dispatch_pending()
    few = (
        _queries(admin_client, "/backoffice/webhooks/"),
        _queries(admin_client, f"/backoffice/webhooks/{endpoint.pk}/"),
    )
    with in_venue(venue_a):
        for n in range(4):
            create_webhook_endpoint(url=f"https://crm.example.org/h{n}", event_codes=["*"])
        for n in range(10):
            services.publish(code="ticketing.order.confirmed", key=f"order:{n}", data={})
        dispatch_pending()
    many = (
        _queries(admin_client, "/backoffice/webhooks/"),
        _queries(admin_client, f"/backoffice/webhooks/{endpoint.pk}/"),
    )
    assert many == few
