"""A venue admin registers a webhook in a real browser, sees its secret, and then the delivery
of a sale in the endpoint's log; at phone and desktop sizes. With PARTERRE_SCREENSHOTS=<dir>
the pages are also saved there as images."""

import os
from pathlib import Path

import pytest
from django.db import transaction

from tenants.accounts.models import User
from tenants.events import services
from tenants.events.models import Event, WebhookDelivery, WebhookEndpoint
from tenants.events.services.dispatch import dispatch_pending
from tenants.events.services.webhooks import deliver_webhook
from tests.events.conftest import local_webhooks, receiver  # noqa: F401 (fixtures)
from tests.helpers import PASSWORD, committed

pytestmark = [pytest.mark.django_db, pytest.mark.browser]


@pytest.fixture
def webhook_admin(venue_a):
    email = "browser-webhooks@alpha.test"
    # Events other tests committed (the race tests' sales…) are not this journey's.
    committed(venue_a, lambda: Event.objects.all().delete())
    user = committed(
        venue_a,
        lambda: User.objects.create_user(
            email, PASSWORD, role=User.Role.ADMIN, full_name="Wanda Hooks"
        ),
    )
    yield user

    def clean():
        for model in (WebhookEndpoint, Event):
            model.objects.all().delete()
        User.objects.filter(email=email).delete()

    committed(venue_a, clean)


def _shot(page, name: str) -> None:
    folder = os.environ.get("PARTERRE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _log_in(page, url, venue, user):
    page.goto(url(venue, "/backoffice/webhooks/"))
    page.get_by_label("E-mail", exact=True).fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/backoffice/webhooks/")


def _a_sale_is_delivered(venue):
    def sale():
        with transaction.atomic():
            services.publish(
                code="ticketing.order.confirmed",
                key="order:77",
                data={"order_id": 77, "reference": "BRW77", "total_cents": 5800},
            )
        dispatch_pending()
        deliver_webhook(delivery_id=WebhookDelivery.objects.get().pk)

    committed(venue, sale)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_an_admin_adds_a_webhook_and_sees_a_delivery(
    size,
    page,
    phone,
    url,
    venue_a,
    webhook_admin,
    local_webhooks,  # noqa: F811
    receiver,  # noqa: F811
):
    tab = page if size == "desktop" else phone
    if size == "desktop":
        tab.set_viewport_size({"width": 1440, "height": 900})
    _log_in(tab, url, venue_a, webhook_admin)
    _shot(tab, f"webhooks-empty-{size}")
    tab.get_by_label("URL").fill(receiver.url)
    tab.get_by_label("Description").fill("CRM de la compagnie")
    tab.get_by_label("Commande confirmée").check()
    tab.get_by_label("Commande remboursée").check()
    _shot(tab, f"webhooks-form-{size}")
    tab.get_by_role("button", name="Ajouter le webhook").click()
    tab.wait_for_selector("#webhook-secret")
    secret = committed(venue_a, lambda: WebhookEndpoint.objects.get().secret)
    assert tab.locator("#webhook-secret").inner_text() == secret
    assert tab.locator("#webhook-secret").is_visible()
    _shot(tab, f"webhook-created-{size}")

    _a_sale_is_delivered(venue_a)
    assert len(receiver.requests) == 1
    tab.goto(tab.url.split("?")[0])
    row = tab.locator("table.delivery-log tbody tr").first
    assert "Commande confirmée" in row.inner_text()
    assert "Livré" in row.inner_text() and "204" in row.inner_text()
    assert not tab.locator("#webhook-secret").is_visible()  # folded away after creation
    _shot(tab, f"webhook-deliveries-{size}")
    receiver.status = 500  # the receiver breaks, and the delivery is sent again by hand
    row.get_by_role("button", name="Renvoyer").click()
    tab.wait_for_selector(".alert-success")
    assert "En attente" in tab.locator("table.delivery-log tbody tr").first.inner_text()
    committed(venue_a, lambda: deliver_webhook(delivery_id=WebhookDelivery.objects.get().pk))
    tab.goto(tab.url.split("?")[0])
    failed = tab.locator("table.delivery-log tbody tr").first.inner_text()
    assert "Échec, nouvel essai prévu" in failed and "500" in failed
    assert "Prochaine tentative" in failed
    _shot(tab, f"webhook-failed-{size}")

    tab.goto(url(venue_a, "/backoffice/webhooks/"))
    assert "CRM de la compagnie" in tab.content()
    _shot(tab, f"webhooks-list-{size}")
