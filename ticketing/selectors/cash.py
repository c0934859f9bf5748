"""The till's reads: desks, the open session of a desk, and what a session's drawer should
hold (the one computation the closing, its screen and the statements use)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum

from ticketing.models import CashSession, Desk, Payment

# French euro notes and coins, in cents, largest first (the closing form's rows).
NOTES = (50000, 20000, 10000, 5000, 2000, 1000, 500)
COINS = (200, 100, 50, 20, 10, 5, 2, 1)
DENOMINATIONS = NOTES + COINS


def counted_total(counted: dict[int, int]) -> int:
    """The cash counted, from {denomination in cents: how many}."""
    return sum(int(value) * int(n) for value, n in counted.items())


def active_desks() -> list[Desk]:
    return list(Desk.objects.filter(is_active=True))


def cash_sessions_required() -> bool:
    """Once a venue has a desk, every counter payment belongs to a cash session."""
    return Desk.objects.filter(is_active=True).exists()


def open_session(desk_id: int | None) -> CashSession | None:
    if not desk_id:
        return None
    return (
        CashSession.objects.select_related("desk", "opened_by")
        .filter(desk_id=desk_id, desk__is_active=True, status=CashSession.Status.OPEN)
        .first()
    )


@dataclass
class MethodTotal:
    method: str
    label: str
    count: int
    amount_cents: int


@dataclass
class SessionTotals:
    """What went through a session. Cash payments record what the drawer kept (net of the
    change given back), refunds are negative payments."""

    float_cents: int
    cash_taken_cents: int  # cash handed over by buyers (change included)
    change_cents: int  # given back
    cash_refunds_cents: int  # paid out of the drawer (positive)
    by_method: list[MethodTotal] = field(default_factory=list)

    @property
    def expected_cents(self) -> int:
        """What the drawer should hold: float + cash taken − change given − cash refunds."""
        return (
            self.float_cents + self.cash_taken_cents - self.change_cents - self.cash_refunds_cents
        )

    @property
    def total_cents(self) -> int:
        return sum(m.amount_cents for m in self.by_method)


def session_totals(session: CashSession) -> SessionTotals:
    """The session's figures in two queries."""
    payments = Payment.objects.filter(cash_session=session, status=Payment.Status.SUCCEEDED)
    cash = payments.filter(method=Payment.Method.CASH).aggregate(
        taken=Sum("amount_cents", filter=Q(amount_cents__gt=0), default=0),
        change=Sum("change_cents", default=0),
        refunds=Sum("amount_cents", filter=Q(amount_cents__lt=0), default=0),
    )
    labels = dict(Payment.Method.choices)
    by_method = [
        MethodTotal(
            row["method"], str(labels.get(row["method"], row["method"])), row["n"], row["s"]
        )
        for row in payments.values("method")
        .annotate(n=Count("id"), s=Sum("amount_cents"))
        .order_by("method")
    ]
    return SessionTotals(
        float_cents=session.float_cents,
        cash_taken_cents=cash["taken"] + cash["change"],
        change_cents=cash["change"],
        cash_refunds_cents=-cash["refunds"],
        by_method=by_method,
    )


def recent_sessions(limit: int = 30) -> list[CashSession]:
    return list(
        CashSession.objects.select_related("desk", "opened_by", "closed_by").order_by("-opened_at")[
            :limit
        ]
    )
