"""Which provider the current venue (the connection's schema) takes payments with.

1. Its own Stripe keys, entered in its back-office settings (live or test);
2. else instance-wide Stripe *test* keys from the environment (a demo in Stripe's test mode;
   never live keys: those would send every venue's money to one account);
3. else the offline test provider where the instance allows it;
4. else none: the storefront shows its programme and sells nothing.
"""

from __future__ import annotations

from django.conf import settings

from ticketing.models import PaymentSettings

from .base import PaymentProvider
from .offline import NAME as OFFLINE
from .offline import OfflineTestProvider
from .stripe_provider import NAME as STRIPE
from .stripe_provider import StripeProvider


def _env_stripe() -> StripeProvider | None:
    secret = settings.PARTERRE_STRIPE_SECRET_KEY
    if secret.startswith("sk_test_") and settings.PARTERRE_STRIPE_PUBLISHABLE_KEY:
        return StripeProvider(
            secret_key=secret,
            publishable_key=settings.PARTERRE_STRIPE_PUBLISHABLE_KEY,
            webhook_secret=settings.PARTERRE_STRIPE_WEBHOOK_SECRET,
        )
    return None


def _venue_stripe() -> StripeProvider | None:
    stored = PaymentSettings.current()
    if stored.stripe_secret_key and stored.stripe_publishable_key:
        return StripeProvider(
            secret_key=stored.stripe_secret_key,
            publishable_key=stored.stripe_publishable_key,
            webhook_secret=stored.stripe_webhook_secret,
        )
    return None


def provider_for_venue() -> PaymentProvider | None:
    """The provider new payments of this venue go to (None: online sale closed)."""
    found = _venue_stripe() or _env_stripe()
    if found is None and settings.PARTERRE_OFFLINE_TEST_PAYMENTS:
        return OfflineTestProvider()
    return found


def provider_by_name(name: str) -> PaymentProvider | None:
    """The provider an existing payment was made with (a refund, a webhook)."""
    if name == STRIPE:
        return _venue_stripe() or _env_stripe()
    if name == OFFLINE:
        return OfflineTestProvider()
    return None
