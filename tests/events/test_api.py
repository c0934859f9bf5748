"""The webhook API: admins register, read, change and delete endpoints, read the delivery log
and send a delivery again; bad input is a 400 with a code; other roles get 403; another
venue's endpoints and deliveries are 404s."""

import pytest
from django.test import Client

from tenants.accounts.models import User
from tenants.accounts.services import create_api_token
from tenants.events import services
from tenants.events.models import WebhookDelivery, WebhookEndpoint
from tenants.events.services.dispatch import dispatch_pending
from tests.helpers import host_for, in_venue

pytestmark = pytest.mark.django_db
URL = "https://hooks.example.org/parterre"


@pytest.fixture
def api_for(make_staff):
    def make(venue, role=User.Role.ADMIN) -> Client:
        user = make_staff(venue, role)
        with in_venue(venue):
            _token, key = create_api_token(name="integration", user=user, actor=user)
        return Client(HTTP_HOST=host_for(venue), HTTP_AUTHORIZATION=f"Token {key}")

    return make


def _create(api, **body):
    return api.post(
        "/api/v1/webhooks/",
        {"url": URL, "event_codes": ["ticketing.order.*"], **body},
        content_type="application/json",
    )


def test_an_admin_manages_an_endpoint(api_for, venue_a):
    api = api_for(venue_a)
    created = _create(api, description="CRM sync")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    assert body["event_codes"] == ["ticketing.order.*"] and body["active"] is True
    pk = body["id"]

    listed = api.get("/api/v1/webhooks/").json()
    assert [e["id"] for e in listed["results"]] == [pk]
    assert "secret" not in listed["results"][0]
    assert api.get(f"/api/v1/webhooks/{pk}/").json()["secret"] == body["secret"]

    changed = api.patch(
        f"/api/v1/webhooks/{pk}/",
        {"active": False, "event_codes": ["crm.contact.created", "crm.contact.created"]},
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["active"] is False
    assert changed.json()["event_codes"] == ["crm.contact.created"]
    assert changed.json()["url"] == URL  # not sent, not changed

    assert api.delete(f"/api/v1/webhooks/{pk}/").status_code == 204
    assert api.get(f"/api/v1/webhooks/{pk}/").status_code == 404
    with in_venue(venue_a):
        assert not WebhookEndpoint.objects.exists()


def test_the_delivery_log_and_a_resend(api_for, venue_a):
    api = api_for(venue_a)
    pk = _create(api).json()["id"]
    with in_venue(venue_a):
        event = services.publish(
            code="ticketing.order.refunded", key="order:3", data={"order_id": 3}
        )
        dispatch_pending()
        delivery = WebhookDelivery.objects.get()
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status="given_up", attempts=31, last_status_code=503, next_attempt_at=None
        )
    log = api.get(f"/api/v1/webhooks/{pk}/deliveries/").json()
    (row,) = log["results"]
    assert row["event_id"] == event.pk and row["event_code"] == "ticketing.order.refunded"
    assert (row["status"], row["attempts"], row["last_status_code"]) == ("given_up", 31, 503)
    resent = api.post(f"/api/v1/webhooks/deliveries/{delivery.pk}/resend/")
    assert resent.status_code == 202
    assert resent.json()["status"] == "pending" and resent.json()["next_attempt_at"]


@pytest.mark.parametrize(
    "body, code",
    [
        ({"url": "http://hooks.example.org/x"}, "webhooks.url_not_https"),
        ({"url": "https://hooks.example.org/" + "x" * 480}, "webhooks.url_too_long"),
        ({"url": "https://10.0.0.1/x"}, "webhooks.url_private"),
        ({"url": "https://user:pw@hooks.example.org/x"}, "webhooks.url_credentials"),
        ({"url": "https:///nohost"}, "webhooks.url_invalid"),
        ({"url": None}, "invalid"),
        ({"event_codes": ["ticketing.order.paid"]}, "webhooks.unknown_event_code"),
        ({"event_codes": ["billing.*"]}, "webhooks.unknown_event_code"),
        ({"event_codes": []}, "webhooks.no_event_code"),
        ({"event_codes": "ticketing.order.confirmed"}, "invalid"),
        ({"event_codes": ["*"] * 51}, "webhooks.too_many_event_codes"),
        ({"description": "d" * 201}, "invalid"),
    ],
)
def test_bad_input_is_a_400_with_a_code_and_changes_nothing(api_for, venue_a, body, code):
    api = api_for(venue_a)
    answer = _create(api, **body)
    assert answer.status_code == 400
    assert answer.json()["code"] == code, answer.json()
    assert answer.json()["detail"]
    with in_venue(venue_a):
        assert not WebhookEndpoint.objects.exists()


def test_a_missing_field_is_named(api_for, venue_a):
    answer = api_for(venue_a).post(
        "/api/v1/webhooks/", {"url": URL}, content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid"
    assert answer.json()["field"] == "event_codes"


@pytest.mark.parametrize(
    "role", [User.Role.BOX_OFFICE, User.Role.COMMUNICATION, User.Role.READ_ONLY]
)
def test_only_admins_may(api_for, venue_a, role):
    api = api_for(venue_a, role)
    assert api.get("/api/v1/webhooks/").status_code == 403
    assert _create(api).status_code == 403


def test_another_venue_endpoints_and_deliveries_do_not_exist(api_for, venue_a, venue_b):
    api_a, api_b = api_for(venue_a), api_for(venue_b)
    pk = _create(api_a).json()["id"]
    with in_venue(venue_a):
        services.publish(code="ticketing.order.confirmed", key="order:1", data={})
        dispatch_pending()
        delivery_id = WebhookDelivery.objects.get().pk
    for answer in (
        api_b.get(f"/api/v1/webhooks/{pk}/"),
        api_b.patch(f"/api/v1/webhooks/{pk}/", {"active": False}, content_type="application/json"),
        api_b.delete(f"/api/v1/webhooks/{pk}/"),
        api_b.get(f"/api/v1/webhooks/{pk}/deliveries/"),
        api_b.post(f"/api/v1/webhooks/deliveries/{delivery_id}/resend/"),
    ):
        assert answer.status_code == 404
        assert answer.json()["code"] == "not_found"
    assert api_b.get("/api/v1/webhooks/").json()["results"] == []
    with in_venue(venue_a):
        endpoint = WebhookEndpoint.objects.get()
        assert endpoint.active is True
        assert WebhookDelivery.objects.get().status == "pending"


def test_the_openapi_schema_documents_the_webhook_api(client_for, venue_a):
    schema = client_for(venue_a).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/webhooks/",
        "/api/v1/webhooks/{id}/",
        "/api/v1/webhooks/{id}/deliveries/",
        "/api/v1/webhooks/deliveries/{id}/resend/",
    ):
        assert path in paths, sorted(paths)
    assert "400" in paths["/api/v1/webhooks/"]["post"]["responses"]
    assert "404" in paths["/api/v1/webhooks/{id}/"]["get"]["responses"]
