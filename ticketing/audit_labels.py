"""Ticketing's audit codes in words (registered by TicketingConfig.ready; see
tenants/accounts/audit_labels.py). Every code a ticketing service records needs one here."""

from django.db import connection
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tenants.accounts.audit_labels import register_labels
from ticketing.templatetags.ticketing_ui import money


def _seats(event) -> str:
    count = event.data.get("seats") or 0
    text = ngettext("%(n)s seat", "%(n)s seats", count) % {"n": count}
    labels = event.data.get("labels") or []
    if labels:
        text += " (" + ", ".join(labels) + ("…" if len(labels) < count else "") + ")"
    return text


def _section(event) -> str:
    count = event.data.get("seats") or 0
    return ngettext("“%(section)s”, %(n)s seat", "“%(section)s”, %(n)s seats", count) % {
        "section": event.data.get("section", ""),
        "n": count,
    }


def _zone(event) -> str:
    capacity = event.data.get("capacity") or 0
    return ngettext("“%(name)s”, %(n)s place", "“%(name)s”, %(n)s places", capacity) % {
        "name": event.data.get("name", ""),
        "n": capacity,
    }


def _order(event) -> str:
    """How many tickets and how much (the order page says more: ticketing/views/orders.py)."""
    tickets = event.data.get("tickets")
    count = len(tickets) if isinstance(tickets, list) else tickets
    parts = [ngettext("%(n)s ticket", "%(n)s tickets", count) % {"n": count}] if count else []
    currency = getattr(getattr(connection, "tenant", None), "currency", None) or "EUR"
    for key in ("total_cents", "amount_cents", "difference_cents"):
        if isinstance(event.data.get(key), int):
            parts.append(money(event.data[key], currency))
            break
    return " · ".join(parts)


def _cash_session(event) -> str:
    """The desk, then the difference at a closing or the reason of a reopening."""
    currency = getattr(getattr(connection, "tenant", None), "currency", None) or "EUR"
    parts = [event.data.get("desk", "")]
    if isinstance(event.data.get("float_cents"), int):
        parts.append(_("float %(amount)s") % {"amount": money(event.data["float_cents"], currency)})
    if isinstance(event.data.get("difference_cents"), int):
        parts.append(
            _("difference %(amount)s") % {"amount": money(event.data["difference_cents"], currency)}
        )
    for key in ("comment", "reason"):
        if event.data.get(key):
            parts.append(str(event.data[key]))
    return " · ".join(str(part) for part in parts if part)


def _show_and_reason(event) -> str:
    reason = event.data.get("reason")
    parts = [event.data.get("show"), _("Reason: %(reason)s") % {"reason": reason} if reason else ""]
    return " · ".join(str(part) for part in parts if part)


register_labels(
    {
        # Orders (ticketing/services/orders.py)
        "ticketing.order.created": _("Order created"),
        "ticketing.order.payment_recorded": _("Payment recorded"),
        "ticketing.order.paid": _("Order paid"),
        "ticketing.order.cancelled": _("Order cancelled"),
        "ticketing.order.refunded": _("Refund"),
        "ticketing.order.exchanged": _("Exchange"),
        # The sales ledger (ticketing/ledger/closings.py)
        "ticketing.ledger.closed": _("Sales ledger period closed and signed"),
        # Reservations, invitations, payment links (ticketing/services/orders/reservations.py,
        # links.py)
        "ticketing.reservation.created": _("Seats reserved, to pay later"),
        "ticketing.reservation.paid": _("Reservation paid"),
        "ticketing.reservation.cancelled": _("Reservation cancelled"),
        "ticketing.reservation.expired": _("Reservation expired: seats released"),
        "ticketing.reservation.reminded": _("Payment reminder sent"),
        "ticketing.payment_link.sent": _("Payment link sent"),
        # Orders follow contact merges (ticketing/services/merges.py)
        "ticketing.contact_merge.followed": _("Orders moved to the merged contact"),
        "ticketing.contact_merge.undone": _("Orders given back after a merge was undone"),
        # Tickets and their emails (ticketing/services/tickets.py)
        "ticketing.order.tickets_emailed": _("Tickets emailed"),
        "ticketing.order.tickets_resent": _("Tickets sent again"),
        "ticketing.promotion.created": _("Ticket promotion created"),
        "ticketing.promotion.ended": _("Ticket promotion ended"),
        # Carts (ticketing/services/inventory/holds.py)
        "ticketing.hold.created": _("Cart created"),
        "ticketing.hold.released": _("Cart released"),
        "ticketing.hold.expired": _("Cart expired"),
        "ticketing.hold.extended": _("Cart kept while its buyer pays"),
        # Online payments (ticketing/services/orders/online.py)
        "ticketing.payment.started": _("Online payment started"),
        "ticketing.payment.failed": _("Online payment declined"),
        "ticketing.payment.canceled": _("Online payment cancelled"),
        "ticketing.payment.succeeded": _("Online payment received"),
        "ticketing.payment.late_honoured": _("Late payment honoured: the places were still free"),
        "ticketing.payment.refunded_unfulfilled": _(
            "Payment refunded automatically: the places were no longer available"
        ),
        "ticketing.payment.refunded_at_provider": _("Refund made at the payment provider"),
        "ticketing.order.disputed": _("Payment disputed by the card holder"),
        "ticketing.payment_settings.updated": _("Online payment settings changed"),
        "ticketing.counter_methods.updated": _("Counter payment methods changed"),
        "ticketing.allocation.created": _("Seats set aside"),
        "ticketing.allocation.released": _("Set-aside seats back on sale"),
        # Halls and seat maps (ticketing/services/halls.py)
        "ticketing.hall.created": _("Hall created"),
        "ticketing.layout.created": _("Layout created"),
        "ticketing.layout.imported": _("Layout imported"),
        "ticketing.layout.section_generated": _("Section generated"),
        "ticketing.layout.seats_updated": _("Seats changed"),
        "ticketing.zone.added": _("General-admission zone added"),
        # Programme and prices (ticketing/services/programme.py)
        "ticketing.show.created": _("Show created"),
        "ticketing.show.updated": _("Show changed"),
        "ticketing.performance.scheduled": _("Performance scheduled"),
        "ticketing.performance.status_changed": _("Performance status changed"),
        "ticketing.performance.cancelled": _("Performance cancelled"),
        "ticketing.performance.rescheduled": _("Performance rescheduled"),
        "ticketing.extra.created": _("Extra added"),
        "ticketing.extra.updated": _("Extra changed"),
        "ticketing.sales_settings.updated": _("Sales settings changed"),
        "ticketing.tariff.created": _("Tariff created"),
        "ticketing.tariff.updated": _("Tariff changed"),
        "ticketing.tariffs.updated": _("Tariffs changed"),  # (events before 2026-12)
        # Online sale (ticketing/services/orders/spectators.py)
        "ticketing.order.attributed": _("Referral or promo code recorded"),
        "ticketing.order.companions_added": _("Companions named"),
        "ticketing.aftersale_rule.updated": _("Spectators' cancel and exchange rule changed"),
        "ticketing.promo_code.created": _("Promo code created"),
        "ticketing.promo_code.updated": _("Promo code changed"),
        # The till (ticketing/services/cash/)
        "ticketing.desk.created": _("Desk added"),
        "ticketing.cash_session.opened": _("Cash session opened"),
        "ticketing.cash_session.closed": _("Cash session closed"),
        "ticketing.cash_session.reopened": _("Cash session reopened by a manager"),
    },
    details={
        **dict.fromkeys(
            [
                "ticketing.order.created",
                "ticketing.order.payment_recorded",
                "ticketing.order.cancelled",
                "ticketing.order.refunded",
                "ticketing.order.exchanged",
                "ticketing.order.disputed",
                "ticketing.payment.started",
                "ticketing.payment.succeeded",
                "ticketing.payment.refunded_unfulfilled",
                "ticketing.payment.refunded_at_provider",
            ],
            _order,
        ),
        "ticketing.order.tickets_emailed": "%(to)s",
        "ticketing.order.tickets_resent": "%(to)s",
        "ticketing.promotion.created": "%(show)s",
        "ticketing.promotion.ended": "%(show)s",
        "ticketing.hall.created": "%(hall)s",
        "ticketing.layout.created": "%(layout)s",
        "ticketing.layout.section_generated": _section,
        "ticketing.layout.seats_updated": _seats,
        "ticketing.layout.imported": _seats,
        "ticketing.zone.added": _zone,
        "ticketing.show.created": "%(show)s",
        "ticketing.show.updated": "%(show)s",
        "ticketing.performance.scheduled": "%(show)s",
        "ticketing.performance.status_changed": "%(show)s",
        "ticketing.performance.cancelled": _show_and_reason,
        "ticketing.performance.rescheduled": _show_and_reason,
        "ticketing.allocation.created": _seats,
        "ticketing.allocation.released": _seats,
        "ticketing.tariff.created": "%(tariff)s",
        "ticketing.promo_code.created": "%(code)s",
        "ticketing.promo_code.updated": "%(code)s",
        "ticketing.aftersale_rule.updated": "%(performance)s",
        "ticketing.tariff.updated": "%(tariff)s",
        "ticketing.desk.created": "%(desk)s",
        "ticketing.cash_session.opened": _cash_session,
        "ticketing.cash_session.closed": _cash_session,
        "ticketing.cash_session.reopened": _cash_session,
    },
    changed_models={"ticketing.layout.seats_updated": "ticketing.seat"},
)
