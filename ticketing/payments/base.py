"""What every payment provider offers the services (a Protocol), and the plain values it
answers with, so no service ever handles a provider's own objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from django.utils.translation import gettext_lazy as _

from tenants.errors import Conflict


class ProviderError(Conflict):
    """The provider refused or could not be reached (shown to the buyer or staff plainly)."""

    code = "ticketing.payment_provider_error"

    def __init__(self, message=None):
        super().__init__(
            message or _("The payment service did not answer: please try again in a moment.")
        )


class WebhookSignatureError(Exception):
    """A webhook whose signature does not check: answered 400, never processed."""


# Provider statuses (Stripe's words; the offline provider uses the same).
SUCCEEDED = "succeeded"
PROCESSING = "processing"
REQUIRES_PAYMENT_METHOD = "requires_payment_method"
REQUIRES_ACTION = "requires_action"
REQUIRES_CONFIRMATION = "requires_confirmation"
CANCELED = "canceled"


@dataclass
class IntentState:
    """A payment intent as the provider sees it now."""

    id: str
    status: str
    amount_cents: int
    currency: str  # ISO 4217, upper case
    client_secret: str = ""
    error: str = ""  # the last decline's message, if any
    payment_method: str = ""
    customer: str = ""
    metadata: dict = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.status == SUCCEEDED

    @property
    def failed(self) -> bool:
        """Declined: the buyer may try again with another card."""
        return self.status == REQUIRES_PAYMENT_METHOD and bool(self.error)


@dataclass(frozen=True)
class SavedCard:
    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int

    @property
    def label(self) -> str:
        return f"{self.brand.capitalize()} •••• {self.last4}"


@dataclass
class WebhookEvent:
    id: str
    type: str
    object: dict  # the event's data.object


class PaymentProvider(Protocol):
    name: str
    publishable_key: str
    js_url: str  # "" when the page needs no provider script

    def create_intent(
        self,
        *,
        amount_cents: int,
        currency: str,
        description: str,
        metadata: dict[str, str],
        customer_id: str = "",
        save_card: bool = False,
        payment_method_id: str = "",
        idempotency_key: str = "",
    ) -> IntentState:
        """A new intent for exactly `amount_cents`; with `payment_method_id` (a saved card)
        it is confirmed by `confirm`, else in the browser (the Payment Element)."""

    def confirm(self, intent_id: str) -> IntentState:
        """Confirm with the intent's saved card (it may then ask for 3-D Secure:
        requires_action, finished in the browser)."""

    def intent_state(self, obj: dict) -> IntentState:
        """An intent as a (verified) webhook event carries it."""

    def retrieve(self, intent_id: str) -> IntentState: ...

    def cancel(self, intent_id: str) -> IntentState: ...

    def refund(self, *, intent_id: str, amount_cents: int, idempotency_key: str) -> str:
        """Refund `amount_cents` of a paid intent; returns the refund's id."""

    def ensure_customer(self, *, customer_id: str, email: str, name: str) -> str:
        """The customer id to save a card under (created unless `customer_id` exists)."""

    def saved_cards(self, customer_id: str) -> list[SavedCard]: ...

    def parse_webhook(self, payload: bytes, signature: str) -> WebhookEvent:
        """The event, once its signature checks (WebhookSignatureError otherwise)."""
