"""Payment providers: one interface (`base.PaymentProvider`), two implementations: Stripe
(`stripe_provider`, a venue's own account) and the offline test provider (`offline`: demo,
tests, benchmarks; no money moves). `provider_for_venue()` says which one this venue uses.

Services call a provider; nothing else does. The provider's word is trusted only when it
comes from the provider itself: a server-side `retrieve` or a webhook whose signature checks.
"""

from .base import (
    IntentState,
    PaymentProvider,
    ProviderError,
    SavedCard,
    WebhookEvent,
    WebhookSignatureError,
)
from .registry import provider_by_name, provider_for_venue

__all__ = [
    "IntentState",
    "PaymentProvider",
    "ProviderError",
    "SavedCard",
    "WebhookEvent",
    "WebhookSignatureError",
    "provider_by_name",
    "provider_for_venue",
]
