"""Stripe, with the venue's own keys (the money goes to the venue's account): PaymentIntents
confirmed in the browser by the Payment Element (3-D Secure through `next_action` and the
return URL), a Customer per returning spectator whose card is saved with
`setup_future_usage`, refunds (partial too) and webhooks checked with Stripe's signature
scheme (`stripe.Webhook.construct_event`).

One `StripeClient` per venue and call, never the library's global key: two venues served by
the same process never share a key.
"""

from __future__ import annotations

import stripe
from django.conf import settings

from .base import (
    IntentState,
    ProviderError,
    SavedCard,
    WebhookEvent,
    WebhookSignatureError,
)

NAME = "stripe"


def _plain(obj) -> dict:
    """The library's objects (no longer dicts in stripe 16) as plain data."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _state(intent) -> IntentState:
    intent = _plain(intent)
    error = intent.get("last_payment_error") or {}
    payment_method = intent.get("payment_method") or ""
    if not isinstance(payment_method, str):
        payment_method = payment_method.get("id", "")
    return IntentState(
        id=intent["id"],
        status=intent["status"],
        amount_cents=int(intent["amount"]),
        currency=str(intent["currency"]).upper(),
        client_secret=intent.get("client_secret") or "",
        error=(error.get("message") or "") if error else "",
        payment_method=payment_method,
        customer=intent.get("customer") or "",
        metadata=dict(intent.get("metadata") or {}),
    )


class StripeProvider:
    name = NAME

    def __init__(self, *, secret_key: str, publishable_key: str, webhook_secret: str):
        self.publishable_key = publishable_key
        self.webhook_secret = webhook_secret
        self.js_url = settings.PARTERRE_STRIPE_JS_URL
        base = settings.PARTERRE_STRIPE_API_BASE
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": base} if base else None,
            max_network_retries=1,
        )
        self._v1 = self._client.v1

    def _call(self, fn, *args, **kwargs):
        try:
            return _plain(fn(*args, **kwargs))
        except stripe.CardError as error:
            intent = getattr(error.error, "payment_intent", None) if error.error else None
            if intent:
                return intent
            raise ProviderError(error.user_message or None) from error
        except stripe.StripeError as error:
            raise ProviderError() from error

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
        params: dict = {
            "amount": amount_cents,
            "currency": currency.lower(),
            "metadata": metadata,
            # Cards only: what the Payment Element shows, and what the storefront promises.
            "payment_method_types": ["card"],
        }
        if description:
            params["description"] = description
        if customer_id:
            params["customer"] = customer_id
        if save_card and customer_id and not payment_method_id:
            params["setup_future_usage"] = "on_session"
        if payment_method_id:  # a saved card: confirmed next (`confirm`)
            params["payment_method"] = payment_method_id
        options = {"idempotency_key": idempotency_key} if idempotency_key else None
        intent = self._call(self._v1.payment_intents.create, params=params, options=options)
        return _state(intent)

    def confirm(self, intent_id: str) -> IntentState:
        try:
            return _state(self._call(self._v1.payment_intents.confirm, intent_id))
        except ProviderError:
            # A decline answers 402; the intent then says why (last_payment_error).
            state = self.retrieve(intent_id)
            if state.failed:
                return state
            raise

    def intent_state(self, obj: dict) -> IntentState:
        return _state(obj)

    def retrieve(self, intent_id: str) -> IntentState:
        return _state(self._call(self._v1.payment_intents.retrieve, intent_id))

    def cancel(self, intent_id: str) -> IntentState:
        return _state(self._call(self._v1.payment_intents.cancel, intent_id))

    def refund(self, *, intent_id: str, amount_cents: int, idempotency_key: str) -> str:
        refund = self._call(
            self._v1.refunds.create,
            params={"payment_intent": intent_id, "amount": amount_cents},
            options={"idempotency_key": idempotency_key},
        )
        return refund["id"]

    def ensure_customer(self, *, customer_id: str, email: str, name: str) -> str:
        if customer_id:
            return customer_id
        customer = self._call(
            self._v1.customers.create, params={"email": email, "name": name[:200]}
        )
        return customer["id"]

    def saved_cards(self, customer_id: str) -> list[SavedCard]:
        if not customer_id:
            return []
        methods = self._call(
            self._v1.payment_methods.list, params={"customer": customer_id, "type": "card"}
        )
        cards = []
        for method in methods.get("data", []):
            card = method.get("card") or {}
            cards.append(
                SavedCard(
                    id=method["id"],
                    brand=card.get("brand") or "card",
                    last4=card.get("last4") or "",
                    exp_month=int(card.get("exp_month") or 0),
                    exp_year=int(card.get("exp_year") or 0),
                )
            )
        return cards

    def parse_webhook(self, payload: bytes, signature: str) -> WebhookEvent:
        if not self.webhook_secret:
            raise WebhookSignatureError("no webhook secret")
        try:
            event = stripe.Webhook.construct_event(payload, signature, self.webhook_secret)
        except (ValueError, stripe.SignatureVerificationError) as error:
            raise WebhookSignatureError(str(error)) from error
        data = _plain(event)
        return WebhookEvent(id=data["id"], type=data["type"], object=data["data"]["object"])
