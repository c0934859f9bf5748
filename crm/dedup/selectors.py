"""Reads of the merge review: the queue, one pair side by side, the merge history."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Contact, DuplicateCandidate, Merge, Source


def pending_queue() -> QuerySet[DuplicateCandidate]:
    """Pairs to review, best score first; a pair whose contact was merged or anonymised since
    is not shown (its next refresh removes it)."""
    return DuplicateCandidate.objects.filter(
        status=DuplicateCandidate.Status.PENDING,
        contact_low__merged_into__isnull=True,
        contact_high__merged_into__isnull=True,
        contact_low__anonymised_at__isnull=True,
        contact_high__anonymised_at__isnull=True,
    ).order_by("-score", "id")


@dataclass
class QueuePosition:
    candidate: DuplicateCandidate | None
    previous_id: int | None
    next_id: int | None
    position: int
    total: int


def queue_position(candidate_id: int | None) -> QueuePosition:
    """The pair to show (the given one, else the first of the queue), its neighbours and its
    rank: five queries at most, whatever the queue's length."""
    queue = pending_queue()
    total = queue.count()
    current = None
    if candidate_id is not None:
        current = (
            queue.select_related("contact_low", "contact_high").filter(pk=candidate_id).first()
        )
    if current is None:
        current = queue.select_related("contact_low", "contact_high").first()
    if current is None:
        return QueuePosition(None, None, None, 0, total)
    before = Q(score__gt=current.score) | Q(score=current.score, id__lt=current.pk)
    after = Q(score__lt=current.score) | Q(score=current.score, id__gt=current.pk)
    previous_and_rank = queue.filter(before).order_by("score", "-id")
    previous_id = previous_and_rank.values_list("pk", flat=True).first()
    next_id = queue.filter(after).values_list("pk", flat=True).first()
    position = previous_and_rank.count() + 1 if previous_id else 1
    return QueuePosition(current, previous_id, next_id, position, total)


def _money(cents: int) -> str:
    return f"{number_format(cents / 100, 2)} €"


def _date(value) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value else ""


def _consent(value) -> str:
    return {True: _("granted"), False: _("withdrawn"), None: _("not asked")}[value]


COMPARED = (
    ("first_name", gettext_lazy("First name"), str),
    ("last_name", gettext_lazy("Last name"), str),
    ("email", gettext_lazy("Email"), str),
    ("phone", gettext_lazy("Phone"), str),
    ("other_phone", gettext_lazy("Other phone"), str),
    ("address_line1", gettext_lazy("Address"), str),
    ("postcode", gettext_lazy("Postcode"), str),
    ("city", gettext_lazy("Town"), str),
    ("first_source", gettext_lazy("First source"), lambda v: Source(v).label if v else ""),
    ("first_seen_at", gettext_lazy("First seen"), _date),
    ("purchase_count", gettext_lazy("Purchases"), str),
    ("amount_spent_cents", gettext_lazy("Amount spent"), _money),
    ("attendance_count", gettext_lazy("Attendances"), str),
    ("last_purchase_at", gettext_lazy("Last purchase"), _date),
    ("email_consent", gettext_lazy("Newsletter consent"), _consent),
    ("sms_consent", gettext_lazy("Text message consent"), _consent),
)


@dataclass
class ComparedField:
    label: str
    left: str
    right: str
    differs: bool


def _fold(text: str) -> str:
    from .records import ascii_lower

    return " ".join(ascii_lower(text).replace("-", " ").split())


def compare(left: Contact, right: Contact) -> list[ComparedField]:
    """The two contacts field by field; `differs` when both have a value and they differ
    beyond case, accents and hyphens (a blank is not a disagreement)."""
    rows = []
    for name, label, show in COMPARED:
        a, b = show(getattr(left, name)), show(getattr(right, name))
        differs = bool(a and b and _fold(a) != _fold(b))
        rows.append(ComparedField(str(label), a, b, differs))
    return rows


def merge_history() -> QuerySet[Merge]:
    return Merge.objects.select_related("kept", "absorbed").order_by("-created_at", "-id")
