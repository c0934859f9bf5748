"""Reads of the spectator space: a spectator's own orders (never anyone else's), the after-sale
rule of a performance and what it allows now, favourites, other dates of a show, the referral
link's token, and everything the venue holds on a spectator (for "my data")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing
from django.db import connection
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import SpectatorAccount
from ticketing.models import AfterSaleRule, Order, Performance, Show, Ticket

REFERRAL_SALT = "ticketing.referral"
PUBLIC_STATUSES = (
    Performance.Status.ON_SALE,
    Performance.Status.SOLD_OUT,
    Performance.Status.RESCHEDULED,
    Performance.Status.CANCELLED,
)


# --- Referral links ---------------------------------------------------------------------------
def _signer() -> signing.Signer:
    # The venue's schema in the salt: a link of one venue names nobody at another.
    return signing.Signer(salt=f"{REFERRAL_SALT}:{connection.schema_name}")


def referral_token(*, contact_id: int, show_id: int) -> str:
    """A personal "bring a friend" token for a show: signed with the secret key, so nobody
    can make one naming someone else, and stable (the same link each time it is shown)."""
    return _signer().sign_object({"c": contact_id, "s": show_id})


def read_referral_token(token: str) -> tuple[int, int] | None:
    """(prescriber contact id, show id), or None for a token that is not ours."""
    try:
        data = _signer().unsign_object(token or "")
        return int(data["c"]), int(data["s"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


# --- A spectator's orders ---------------------------------------------------------------------
def _own(account: SpectatorAccount) -> Q:
    """Orders whose buyer is the spectator's contact, a contact holding the address they
    proved (a guest order placed with it), or a contact merged into theirs."""
    return (
        Q(contact_id=account.contact_id)
        | Q(contact__email_normalized=account.email_normalized)
        | Q(contact__merged_into_id=account.contact_id)
    )


def spectator_orders(account: SpectatorAccount) -> list[Order]:
    """The spectator's orders, newest first, each with its show, first date and number of
    valid tickets: one query however many orders."""
    first = Ticket.objects.filter(order=OuterRef("pk")).order_by("id")
    return list(
        Order.objects.filter(_own(account))
        .exclude(status=Order.Status.PENDING)
        .annotate(
            valid_count=Count("tickets", filter=Q(tickets__status=Ticket.Status.VALID)),
            show_title=Subquery(first.values("performance__show__title")[:1]),
            show_slug=Subquery(first.values("performance__show__slug")[:1]),
            starts_at=Subquery(first.values("performance__starts_at")[:1]),
        )
        .order_by("-created_at", "-id")
    )


def spectator_order(account: SpectatorAccount, reference: str) -> Order | None:
    """The spectator's order of this reference; None when it is not theirs (the caller
    answers 404, exactly as for a reference that does not exist)."""
    return Order.objects.filter(_own(account), reference=reference).first()


def order_tickets_for_space(order: Order) -> list[Ticket]:
    return list(
        order.tickets.select_related(
            "seat__section",
            "performance_zone__zone",
            "tariff",
            "performance__show",
            "performance__layout__hall",
            "holder_contact",
        ).order_by("id")
    )


# --- After-sale rules -------------------------------------------------------------------------
def aftersale_rule(performance: Performance) -> AfterSaleRule | None:
    """The performance's own rule, else the venue's, else None (nothing allowed online)."""
    return (
        AfterSaleRule.objects.filter(Q(performance=performance) | Q(performance__isnull=True))
        .order_by(F("performance").asc(nulls_last=True))
        .first()
    )


@dataclass
class AfterSaleOptions:
    can_cancel: bool
    can_exchange: bool
    deadline: datetime | None
    fee_cents: int
    reason: str  # why neither is possible, for the page


def aftersale_options(
    performance: Performance, rule: AfterSaleRule | None, now: datetime | None = None
) -> AfterSaleOptions:
    now = now or timezone.now()
    if rule is None or not (rule.cancel_allowed or rule.exchange_allowed):
        return AfterSaleOptions(
            False, False, None, 0, _("To change this booking, please contact the box office.")
        )
    deadline = performance.starts_at - timedelta(hours=rule.until_hours_before)
    if performance.status == Performance.Status.CANCELLED or now >= deadline:
        return AfterSaleOptions(
            False,
            False,
            deadline,
            rule.cancel_fee_cents,
            _("It is too late to change this booking online: please contact the box office."),
        )
    return AfterSaleOptions(
        rule.cancel_allowed, rule.exchange_allowed, deadline, rule.cancel_fee_cents, ""
    )


def other_dates(performance: Performance) -> list[Performance]:
    """The show's other upcoming dates on sale (where tickets may be exchanged to)."""
    return list(
        Performance.objects.filter(
            show_id=performance.show_id,
            status=Performance.Status.ON_SALE,
            starts_at__gt=timezone.now(),
        )
        .exclude(pk=performance.pk)
        .select_related("layout__hall")
        .order_by("starts_at")
    )


# --- Favourites and data ----------------------------------------------------------------------
def favourite_shows(contact_id: int) -> list[Show]:
    """The shows a spectator put a heart on, most recent heart first (one query)."""
    from crm.models import Favourite

    hearts = Favourite.objects.filter(contact_id=contact_id, show_id=OuterRef("pk"))
    return list(
        Show.objects.annotate(hearted_at=Subquery(hearts.values("created_at")[:1]))
        .filter(hearted_at__isnull=False)
        .order_by("-hearted_at")
    )


def is_favourite(contact_id: int, show_id: int) -> bool:
    from crm.models import Favourite

    return Favourite.objects.filter(contact_id=contact_id, show_id=show_id).exists()


def _orders_export(orders) -> list[dict]:
    orders = orders.prefetch_related(
        "tickets__performance__show", "tickets__seat", "tickets__tariff"
    ).order_by("created_at", "id")
    return [
        {
            "reference": order.reference,
            "status": order.status,
            "channel": order.channel,
            "created_at": order.created_at.isoformat(),
            "total_cents": order.total_cents,
            "currency": order.currency,
            "tickets": [
                {
                    "show": ticket.performance.show.title,
                    "starts_at": ticket.performance.starts_at.isoformat(),
                    "seat": ticket.seat.label if ticket.seat_id else "",
                    "tariff": ticket.tariff.name,
                    "price_cents": ticket.price_cents,
                    "status": ticket.status,
                }
                for ticket in order.tickets.all()
            ],
        }
        for order in orders
    ]


def orders_of_contact(contact_id: int) -> list[dict]:
    """A contact's orders for their data export (crm.privacy.registry's "orders" section)."""
    return _orders_export(Order.objects.filter(contact_id=contact_id))


def spectator_orders_export(account: SpectatorAccount) -> list[dict]:
    """Every order the spectator sees in their space, for their JSON export."""
    return _orders_export(Order.objects.filter(_own(account)))


def checkout_funnel(*, show_id: int | None = None, since=None, until=None) -> dict[int, int]:
    """Visits that reached each step (step → count), for one show or all, between two days
    (inclusive): what the statistics draw as the funnel. One query."""
    from ticketing.models import CheckoutStep

    steps = CheckoutStep.objects.all()
    if show_id is not None:
        steps = steps.filter(show_id=show_id)
    if since is not None:
        steps = steps.filter(day__gte=since)
    if until is not None:
        steps = steps.filter(day__lte=until)
    counts = dict(steps.values_list("step").annotate(n=Count("id")).order_by())
    return {step: counts.get(step, 0) for step in CheckoutStep.Step.values}
