"""Writes of operations (a season launch, a partner offer, a poster campaign…): the operation
itself and its tracked short links (for QR codes on print and social posts)."""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from campaigns.models import Campaign, Operation, TrackedLink
from tenants.accounts.audit import record_event
from tenants.errors import ValidationFailed

FIELDS = ("name", "kind", "starts_on", "ends_on", "cost_cents", "promo_codes", "notes")


def clean_promo_codes(codes: list[str]) -> list[str]:
    seen: list[str] = []
    for code in codes:
        code = (code or "").strip().upper().replace(" ", "")
        if not code:
            continue
        if len(code) > 40 or not code.replace("-", "").isalnum():
            raise ValidationFailed(
                _("A promo code has letters and digits only (up to 40)."),
                code="campaigns.promo_malformed",
                field="promo_codes",
            )
        if code not in seen:
            seen.append(code)
    return seen


@transaction.atomic
def save_operation(*, operation: Operation | None = None, actor, **values) -> Operation:
    """Create (operation None) or change an operation; audited."""
    values["promo_codes"] = clean_promo_codes(values.get("promo_codes") or [])
    if values.get("cost_cents", 0) < 0:
        raise ValidationFailed(_("A cost cannot be negative."), field="cost_cents")
    created = operation is None
    if created:
        operation = Operation(created_by=actor)
    for name in FIELDS:
        if name in values:
            setattr(operation, name, values[name])
    operation.save()
    record_event(
        code="campaigns.operation.created" if created else "campaigns.operation.updated",
        actor=actor,
        obj=operation,
        data={"name": operation.name},
    )
    return operation


def _slug() -> str:
    return secrets.token_urlsafe(6).replace("_", "x").replace("-", "y").lower()


@transaction.atomic
def add_short_link(*, operation: Operation, url: str, label: str, kind: str, actor) -> TrackedLink:
    """A short link of the operation (/l/<slug>/), its slug random and short enough for a
    QR code printed small."""
    if kind not in TrackedLink.Kind.values or kind == TrackedLink.Kind.EMAIL:
        kind = TrackedLink.Kind.OTHER
    for _attempt in range(5):
        try:
            with transaction.atomic():
                link = TrackedLink.objects.create(
                    operation=operation, url=url, label=label[:200], kind=kind, slug=_slug()
                )
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover (5 collisions of 48 random bits)
        raise ValidationFailed(_("Try again."), code="campaigns.slug_taken")
    record_event(
        code="campaigns.operation.link_added",
        actor=actor,
        obj=operation,
        data={"name": operation.name, "label": link.label, "url": url},
    )
    return link


@transaction.atomic
def link_campaign(*, operation: Operation, campaign: Campaign, actor) -> None:
    """The campaign becomes one of the operation's channels (its clicks and sales count)."""
    Campaign.objects.filter(pk=campaign.pk).update(operation=operation)
    record_event(
        code="campaigns.operation.campaign_linked",
        actor=actor,
        obj=operation,
        data={"name": operation.name, "campaign": campaign.name},
    )
