"""The criteria of a reliable, reachable contact record. One place: the dashboard, the
per-contact score, the drill-down lists and the snapshots all read this list.

A contact's score is the share of criteria it meets (0–100); the base's integrity rate is the
share of its contacts meeting all of them. Merged and anonymised contacts are not counted."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Round
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from crm.models import Contact, DuplicateCandidate

STALE_AFTER = timedelta(days=730)  # "updated in the last 24 months"


@dataclass(frozen=True)
class Criterion:
    code: str
    label: Promise
    fix: Promise  # what to do for a contact that fails it
    met: Q


def _email_ok() -> Q:
    return ~Q(email="") & Q(email_bounced_at__isnull=True)


def _address_ok() -> Q:
    return ~Q(address_line1="") & ~Q(postcode="") & ~Q(city="")


def criteria(now: datetime | None = None) -> list[Criterion]:
    now = now or timezone.now()
    items = [
        Criterion(
            "email_valid",
            _("Valid email"),
            _("Ask for an email address, or correct the one that bounced."),
            _email_ok(),
        ),
        Criterion("phone_valid", _("Phone number"), _("Ask for a phone number."), ~Q(phone="")),
        Criterion(
            "address_complete",
            _("Complete postal address"),
            _("Complete the street, postcode and town."),
            _address_ok(),
        ),
        Criterion(
            "consent_known",
            _("Consent known"),
            _("Ask whether they want the newsletter."),
            Q(email_consent__isnull=False),
        ),
        Criterion(
            "recent",
            _("Updated in the last 24 months"),
            _("Check the record with the person at their next visit."),
            Q(updated_at__gte=now - STALE_AFTER),
        ),
        Criterion(
            "reachable",
            _("Reachable by at least one channel"),
            _("Get an email with consent, a phone number or a postal address."),
            (_email_ok() & Q(email_consent=True)) | ~Q(phone="") | _address_ok(),
        ),
    ]
    items.append(
        Criterion(
            "not_duplicate",
            _("Not a suspected duplicate"),
            _("Review the duplicate pair: merge it or dismiss it."),
            ~Q(Exists(_pending_pairs())),
        )
    )
    return items


def _pending_pairs():
    """The duplicate pairs still to review that involve the contact."""
    return DuplicateCandidate.objects.filter(
        Q(contact_low=OuterRef("pk")) | Q(contact_high=OuterRef("pk")),
        status=DuplicateCandidate.Status.PENDING,
    )


def counted_contacts():
    return Contact.objects.filter(merged_into__isnull=True, anonymised_at__isnull=True)


def score_expression(items: list[Criterion]):
    """SQL for a contact's score: 100 × criteria met / criteria."""
    met = sum(
        (
            Case(When(c.met, then=Value(1)), default=Value(0), output_field=IntegerField())
            for c in items
        ),
        Value(0),
    )
    return Round(met * 100.0 / len(items))
