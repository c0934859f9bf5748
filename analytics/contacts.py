"""The contact base's figures (statistics page "Base de contacts"): size, channels held,
consent rates, integrity now and over time, duplicates pending, growth by source. Reads crm
tables only, in four queries: one aggregate, one grouped count, the snapshots, the pending
duplicates."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.dedup.models import DuplicateCandidate
from crm.integrity.models import IntegritySnapshot
from crm.models import Contact
from crm.models.contacts import Source

from .dashboard import Column, Table

MONTHS = 12
SNAPSHOTS = 400  # about a year of daily snapshots


@dataclass
class ContactBase:
    contacts: int
    with_email: int
    with_phone: int
    with_postcode: int
    email_consent: dict[str, int]  # granted / refused / unknown
    sms_consent: dict[str, int]
    integrity_rate: float | None  # 0..1, the latest snapshot's; None before the first
    integrity_day: date | None
    duplicates_pending: int
    tables: dict[str, Table] = field(default_factory=dict)
    season: str = ""  # the exports' file names (shared with the sales page's export)

    def share(self, count: int) -> float | None:
        return count / self.contacts if self.contacts else None

    def table(self, key: str) -> Table | None:
        return self.tables.get(key)

    def kpis(self) -> list[dict]:
        """The key figures, each linking to the list behind it."""
        contacts_url = reverse("crm:contact_list")
        ec, sc = self.email_consent, self.sms_consent
        return [
            {
                "label": _("Contacts in the base"),
                "value": self.contacts,
                "kind": "int",
                "url": contacts_url,
            },
            {
                "label": _("With an email"),
                "value": self.with_email,
                "kind": "int",
                "share": self.share(self.with_email),
                "url": contacts_url,
            },
            {
                "label": _("With a phone"),
                "value": self.with_phone,
                "kind": "int",
                "share": self.share(self.with_phone),
                "url": contacts_url,
            },
            {
                "label": _("With a postal address"),
                "value": self.with_postcode,
                "kind": "int",
                "share": self.share(self.with_postcode),
                "url": contacts_url,
            },
            {
                "label": _("Email consent granted"),
                "value": self.share(ec["granted"]),
                "kind": "percent",
                "detail": ec,
                "url": contacts_url,
            },
            {
                "label": _("SMS consent granted"),
                "value": self.share(sc["granted"]),
                "kind": "percent",
                "detail": sc,
                "url": contacts_url,
            },
            {
                "label": _("Integrity rate"),
                "value": self.integrity_rate,
                "kind": "percent",
                "url": reverse("crm_integrity:dashboard"),
            },
            {
                "label": _("Duplicates pending review"),
                "value": self.duplicates_pending,
                "kind": "int",
                "url": reverse("dedup:queue"),
            },
        ]


def _first_months(today: date) -> list[date]:
    """The first days of the last MONTHS months, oldest first, this month included."""
    year, month = today.year, today.month
    months = []
    for _i in range(MONTHS):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def contact_base(*, today: date | None = None) -> ContactBase:
    today = today or timezone.localdate()
    base = Contact.objects.filter(merged_into__isnull=True, anonymised_at__isnull=True)
    f = base.aggregate(
        contacts=Count("pk"),
        email=Count("pk", filter=~Q(email="")),
        phone=Count("pk", filter=~Q(phone="") | ~Q(other_phone="")),
        postcode=Count("pk", filter=~Q(postcode="")),
        email_yes=Count("pk", filter=Q(email_consent=True)),
        email_no=Count("pk", filter=Q(email_consent=False)),
        sms_yes=Count("pk", filter=Q(sms_consent=True)),
        sms_no=Count("pk", filter=Q(sms_consent=False)),
    )
    total = f["contacts"]

    def consent(prefix: str) -> dict[str, int]:
        yes, no = f[f"{prefix}_yes"], f[f"{prefix}_no"]
        return {"granted": yes, "refused": no, "unknown": total - yes - no}

    months = _first_months(today)
    grouped = (
        base.filter(first_seen_at__date__gte=months[0])
        .annotate(month=TruncMonth("first_seen_at"))
        .values("month", "first_source")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[tuple[date, str], int] = {}
    for row in grouped:
        month = row["month"]
        month = month.date() if hasattr(month, "date") else month
        key = (month, row["first_source"])
        counts[key] = counts.get(key, 0) + row["n"]
    sources = [s for s in Source if any(k[1] == s.value for k in counts)]
    growth_rows = []
    for month in months:
        row = {"month": month, "total": 0}
        for s in sources:
            row[s.value] = counts.get((month, s.value), 0)
            row["total"] += row[s.value]
        growth_rows.append(row)
    growth = Table(
        key="growth",
        title=_("New contacts per month, by source"),
        columns=[Column("month", _("Month"), "month")]
        + [Column(s.value, str(s.label), "int") for s in sources]
        + [Column("total", _("Total"), "int")],
        rows=growth_rows if sources else [],
        chart={
            "type": "stacked",
            "x": "month",
            "series": [(s.value, s.label, "y") for s in sources],
        },
    )

    snapshots = list(
        IntegritySnapshot.objects.order_by("-day").values("day", "contacts", "complete")[:SNAPSHOTS]
    )[::-1]
    integrity = Table(
        key="integrity",
        title=_("Integrity rate over time"),
        columns=[
            Column("day", _("Day"), "date"),
            Column("rate", _("Integrity rate"), "percent"),
            Column("complete", _("Complete contacts"), "int"),
            Column("contacts", _("Contacts counted"), "int"),
        ],
        rows=[
            {**s, "rate": s["complete"] / s["contacts"] if s["contacts"] else None}
            for s in snapshots
        ],
        chart={"type": "line", "x": "day", "series": [("rate", _("Integrity rate"), "p")]},
    )
    latest = integrity.rows[-1] if integrity.rows else None
    return ContactBase(
        contacts=total,
        with_email=f["email"],
        with_phone=f["phone"],
        with_postcode=f["postcode"],
        email_consent=consent("email"),
        sms_consent=consent("sms"),
        integrity_rate=latest["rate"] if latest else None,
        integrity_day=latest["day"] if latest else None,
        duplicates_pending=DuplicateCandidate.objects.filter(
            status=DuplicateCandidate.Status.PENDING
        ).count(),
        tables={"growth": growth, "integrity": integrity},
    )
