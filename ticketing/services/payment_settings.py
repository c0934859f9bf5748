"""A venue's online payment settings: its own Stripe keys (the money goes to its account).
The secret ones are stored encrypted (tenants.crypto) and only ever shown masked; the audit
trail records which keys changed, masked, never their values."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from tenants.accounts.audit import record_event
from tenants.crypto import mask_secret
from ticketing.errors import InvalidRequest
from ticketing.models import PaymentSettings
from ticketing.models.payments import COUNTER_METHODS

KEEP = None  # a secret left blank in the form: keep the stored one


def _check(publishable: str, secret: str) -> None:
    if publishable and not publishable.startswith(("pk_test_", "pk_live_")):
        raise InvalidRequest(
            _("A publishable key starts with pk_test_ or pk_live_."), field="publishable_key"
        )
    if secret and not secret.startswith(("sk_test_", "sk_live_", "rk_test_", "rk_live_")):
        raise InvalidRequest(
            _("A secret key starts with sk_ (or rk_ for a restricted key)."), field="secret_key"
        )
    if publishable and secret and ("_live_" in publishable) != ("_live_" in secret):
        raise InvalidRequest(
            _("Both keys must be test keys, or both live keys."), field="secret_key"
        )


@transaction.atomic
def update_payment_settings(
    *,
    publishable_key: str,
    secret_key: str | None = KEEP,
    webhook_secret: str | None = KEEP,
    clear: bool = False,
    actor=None,
) -> PaymentSettings:
    """Save the venue's Stripe keys (`clear`: remove them all: online sale closes)."""
    row, _created = PaymentSettings.objects.select_for_update().get_or_create(singleton=True)
    before = {
        "publishable_key": row.stripe_publishable_key,
        "secret_key": mask_secret(row.stripe_secret_key),
        "webhook_secret": mask_secret(row.stripe_webhook_secret),
    }
    if clear:
        row.stripe_publishable_key = row.stripe_secret_key = row.stripe_webhook_secret = ""
    else:
        secret = row.stripe_secret_key if secret_key is KEEP or secret_key == "" else secret_key
        _check(publishable_key, secret)
        if webhook_secret and not webhook_secret.startswith("whsec_"):
            raise InvalidRequest(
                _("A webhook signing secret starts with whsec_."), field="webhook_secret"
            )
        row.stripe_publishable_key = publishable_key
        row.stripe_secret_key = secret
        if webhook_secret:
            row.stripe_webhook_secret = webhook_secret
    row.save()
    after = {
        "publishable_key": row.stripe_publishable_key,
        "secret_key": mask_secret(row.stripe_secret_key),
        "webhook_secret": mask_secret(row.stripe_webhook_secret),
    }
    changes = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    record_event(
        code="ticketing.payment_settings.updated",
        actor=actor if getattr(actor, "pk", None) else None,
        obj=row,
        changes=changes,
    )
    return row


@transaction.atomic
def update_counter_methods(*, methods: list[str], actor=None) -> PaymentSettings:
    """Switch the counter's payment methods on or off (at least one stays on); the counter
    offers the ones on, in the order of its shortcuts."""
    known = [m.value for m in COUNTER_METHODS]
    unknown = set(methods) - set(known)
    if unknown:
        raise InvalidRequest(_("Unknown payment method."), field="methods")
    if not methods:
        raise InvalidRequest(
            _("Keep at least one payment method for the counter."),
            field="methods",
            code="ticketing.no_counter_method",
        )
    row, _created = PaymentSettings.objects.select_for_update().get_or_create(singleton=True)
    before = list(row.counter_methods)
    row.counter_methods = [m for m in known if m in methods]
    row.save(update_fields=["counter_methods", "updated_at"])
    if before != row.counter_methods:
        record_event(
            code="ticketing.counter_methods.updated",
            actor=actor if getattr(actor, "pk", None) else None,
            obj=row,
            changes={"counter_methods": (before, row.counter_methods)},
        )
    return row
