"""Cash sessions: open a desk's drawer with a float, close it by counting the cash by
denomination against what it should hold (selectors.cash.session_totals), reopen (a manager,
with a reason). Counter payments join the open session of their desk: `hold_session_open`
takes the session row FOR SHARE in the sale's transaction, and the closing takes it FOR
UPDATE, so a closing waits for the payments in flight and counts them, and a payment that
comes after the closing is refused (tests/ticketing/test_cash_sessions.py, concurrency)."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.accounts.audit import record_event
from ticketing.errors import CashSessionClosed, InvalidRequest
from ticketing.models import CashSession, Desk
from ticketing.selectors.cash import DENOMINATIONS, counted_total, session_totals

MAX_FLOAT_CENTS = 10_000_00
MAX_COUNT = 100_000  # of one denomination


def _staff(actor):
    return actor if getattr(actor, "pk", None) else None


@transaction.atomic
def create_desk(*, name: str, actor=None) -> Desk:
    name = (name or "").strip()[:60]
    if not name:
        raise InvalidRequest(_("Give the desk a name."), field="name")
    if Desk.objects.filter(name__iexact=name).exists():
        raise InvalidRequest(_("A desk already has this name."), field="name")
    desk = Desk.objects.create(name=name)
    record_event(code="ticketing.desk.created", actor=_staff(actor), obj=desk, data={"desk": name})
    return desk


@transaction.atomic
def open_cash_session(*, desk: Desk, float_cents: int, actor=None) -> CashSession:
    """Open `desk`'s drawer with `float_cents` in it (one open session per desk)."""
    if not 0 <= float_cents <= MAX_FLOAT_CENTS:
        raise InvalidRequest(_("The float must be between 0 and 10,000 €."), field="float")
    desk = Desk.objects.select_for_update().get(pk=desk.pk)
    if not desk.is_active:
        raise InvalidRequest(_("This desk is no longer in use."), field="desk")
    if CashSession.objects.filter(desk=desk, status=CashSession.Status.OPEN).exists():
        raise InvalidRequest(
            _("A session is already open at this desk."),
            field="desk",
            code="ticketing.cash_session_already_open",
        )
    try:
        with transaction.atomic():
            session = CashSession.objects.create(
                desk=desk, float_cents=float_cents, opened_by=_staff(actor)
            )
    except IntegrityError as error:  # (the desk lock makes this a last line of defence)
        raise InvalidRequest(
            _("A session is already open at this desk."),
            field="desk",
            code="ticketing.cash_session_already_open",
        ) from error
    record_event(
        code="ticketing.cash_session.opened",
        actor=_staff(actor),
        obj=session,
        data={"desk": desk.name, "float_cents": float_cents},
    )
    return session


def hold_session_open(session_id: int) -> None:
    """In a sale's transaction: the session stays open until the commit (FOR SHARE: sales
    at the same desk don't wait for each other, a closing waits for them). Raises
    CashSessionClosed when it is closed (or unknown)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status FROM ticketing_cashsession WHERE id = %s FOR SHARE", [session_id]
        )
        row = cursor.fetchone()
    if row is None or row[0] != CashSession.Status.OPEN:
        raise CashSessionClosed()


def clean_counted(counted: dict) -> dict[int, int]:
    """{denomination: count} with known denominations and sane counts only."""
    clean = {}
    for value, n in (counted or {}).items():
        value, n = int(value), int(n or 0)
        if value not in DENOMINATIONS:
            raise InvalidRequest(_("Unknown note or coin."), field="counted")
        if not 0 <= n <= MAX_COUNT:
            raise InvalidRequest(_("A count must be between 0 and 100,000."), field="counted")
        if n:
            clean[value] = n
    return clean


@transaction.atomic
def close_cash_session(
    *, session: CashSession, counted: dict[int, int], comment: str = "", actor=None
) -> CashSession:
    """Count the drawer (`counted`: {denomination in cents: how many}) and close. The
    difference with what it should hold is recorded; when it is not zero a comment must
    explain it (InvalidRequest otherwise, nothing written)."""
    session = CashSession.objects.select_for_update().select_related("desk").get(pk=session.pk)
    if session.status != CashSession.Status.OPEN:
        raise InvalidRequest(
            _("This session is already closed."), code="ticketing.cash_session_closed"
        )
    counted = clean_counted(counted)
    comment = (comment or "").strip()[:2000]
    totals = session_totals(session)
    counted_cents = counted_total(counted)
    difference = counted_cents - totals.expected_cents
    if difference and not comment:
        raise InvalidRequest(
            _("The count differs from the expected amount: explain the difference."),
            field="comment",
            code="ticketing.cash_difference_unexplained",
        )
    session.status = CashSession.Status.CLOSED
    session.closed_by = _staff(actor)
    session.closed_at = timezone.now()
    session.counted = {str(k): v for k, v in sorted(counted.items(), reverse=True)}
    session.counted_cents = counted_cents
    session.expected_cents = totals.expected_cents
    session.difference_cents = difference
    session.comment = comment
    session.save(
        update_fields=[
            "status",
            "closed_by",
            "closed_at",
            "counted",
            "counted_cents",
            "expected_cents",
            "difference_cents",
            "comment",
        ]
    )
    record_event(
        code="ticketing.cash_session.closed",
        actor=_staff(actor),
        obj=session,
        data={
            "desk": session.desk.name,
            "counted_cents": counted_cents,
            "expected_cents": totals.expected_cents,
            "difference_cents": difference,
            "comment": comment,
            "counted": session.counted,
        },
    )
    return session


@transaction.atomic
def reopen_cash_session(*, session: CashSession, reason: str, actor=None) -> CashSession:
    """A manager reopens a closed session (a count to correct, a forgotten sale): the
    previous closing stays in the audit trail with the reason; closing again recounts."""
    reason = (reason or "").strip()[:500]
    if not reason:
        raise InvalidRequest(_("Say why the session is reopened."), field="reason")
    desk = Desk.objects.select_for_update().get(pk=session.desk_id)
    session = CashSession.objects.select_for_update().get(pk=session.pk)
    if session.status != CashSession.Status.CLOSED:
        raise InvalidRequest(_("Only a closed session can be reopened."))
    if CashSession.objects.filter(desk=desk, status=CashSession.Status.OPEN).exists():
        raise InvalidRequest(
            _("Another session is open at this desk: close it first."),
            code="ticketing.cash_session_already_open",
        )
    previous = {
        "counted_cents": session.counted_cents,
        "expected_cents": session.expected_cents,
        "difference_cents": session.difference_cents,
        "comment": session.comment,
        "closed_at": session.closed_at.isoformat() if session.closed_at else None,
        "closed_by": getattr(session.closed_by, "email", ""),
    }
    session.status = CashSession.Status.OPEN
    session.reopened_count += 1
    session.save(update_fields=["status", "reopened_count"])
    record_event(
        code="ticketing.cash_session.reopened",
        actor=_staff(actor),
        obj=session,
        data={"desk": desk.name, "reason": reason, "previous": previous},
    )
    return session
