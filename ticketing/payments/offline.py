"""The offline test provider: every payment succeeds at once and no money moves (demo, tests,
benchmarks; refused unless PARTERRE_OFFLINE_TEST_PAYMENTS). It keeps no state: an intent's
id carries its amount and currency, so `retrieve` answers as a real provider would."""

from __future__ import annotations

import secrets

from .base import SUCCEEDED, IntentState, SavedCard, WebhookEvent, WebhookSignatureError

NAME = "offline_test"


class OfflineTestProvider:
    name = NAME
    publishable_key = ""
    js_url = ""

    def create_intent(
        self,
        *,
        amount_cents: int,
        currency: str,
        description: str = "",
        metadata: dict[str, str] | None = None,
        customer_id: str = "",
        save_card: bool = False,
        payment_method_id: str = "",
        idempotency_key: str = "",
    ) -> IntentState:
        intent_id = f"test_{amount_cents}_{currency.upper()}_{secrets.token_hex(8)}"
        return self.retrieve(intent_id)

    def retrieve(self, intent_id: str) -> IntentState:
        _prefix, amount, currency, _random = intent_id.split("_", 3)
        return IntentState(
            id=intent_id, status=SUCCEEDED, amount_cents=int(amount), currency=currency
        )

    def confirm(self, intent_id: str) -> IntentState:
        return self.retrieve(intent_id)

    def intent_state(self, obj: dict) -> IntentState:
        return self.retrieve(obj["id"])

    def cancel(self, intent_id: str) -> IntentState:
        return self.retrieve(intent_id)

    def refund(self, *, intent_id: str, amount_cents: int, idempotency_key: str) -> str:
        return f"test_refund_{secrets.token_hex(8)}"

    def ensure_customer(self, *, customer_id: str, email: str, name: str) -> str:
        return ""

    def saved_cards(self, customer_id: str) -> list[SavedCard]:
        return []

    def parse_webhook(self, payload: bytes, signature: str) -> WebhookEvent:
        raise WebhookSignatureError("the offline test provider sends no webhooks")
