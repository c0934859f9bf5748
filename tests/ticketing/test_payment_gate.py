"""The offline test payment is a switch: on for the demo, the tests and the benchmarks, off in
production, where a storefront refuses to start without the key that encrypts the venues'
Stripe keys (PARTERRE_FIELD_KEY)."""

import pytest
from django.test import override_settings

from tests.helpers import in_venue
from tests.test_deployment import _complete_env, _import_production
from ticketing.errors import InvalidRequest
from ticketing.services import orders
from ticketing.specs import HoldRequest, PaymentSpec, TariffChoice


def test_production_refuses_a_storefront_without_a_payment_provider():
    env = {**_complete_env(), "PARTERRE_STOREFRONT_ENABLED": "true"}
    env.pop("PARTERRE_OFFLINE_TEST_PAYMENTS", None)
    result = _import_production(env)
    assert result.returncode != 0
    assert "the storefront has no payment provider" in result.stderr


def test_production_starts_with_the_storefront_closed_or_a_demo_payment():
    closed = {**_complete_env(), "PARTERRE_STOREFRONT_ENABLED": "false"}
    assert _import_production(closed).returncode == 0
    demo = {**closed, "PARTERRE_STOREFRONT_ENABLED": "true", "PARTERRE_OFFLINE_TEST_PAYMENTS": "1"}
    assert _import_production(demo).returncode == 0
    stripe = {**closed, "PARTERRE_STOREFRONT_ENABLED": "true", "PARTERRE_FIELD_KEY": "k" * 43}
    assert _import_production(stripe).returncode == 0


@pytest.mark.django_db
def test_the_offline_test_payment_is_refused_when_switched_off(venue_a, performance, plein):
    with in_venue(venue_a), override_settings(PARTERRE_OFFLINE_TEST_PAYMENTS=False):
        with pytest.raises(InvalidRequest) as refused:
            orders.sell(
                performance=performance,
                request=HoldRequest(best_available=1),
                tariffs=TariffChoice(plein.pk),
                pay_total_with="offline_test",
            )
        assert refused.value.code == "ticketing.payment_method_disabled"
        # Money that moves is still taken.
        order = orders.sell(
            performance=performance,
            request=HoldRequest(best_available=1),
            tariffs=TariffChoice(plein.pk),
            payments=[PaymentSpec("cash", None)],
        )
        assert order.status == "paid"
