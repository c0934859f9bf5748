"""What the storefront's checkout adds to a web order: the friend's referral link or the promo
code it came through, and the companions the buyer named. Recorded in the transaction that
writes the order (services.orders.online, when the payment is verified), only for orders
that have any: other orders cost nothing more."""

from __future__ import annotations

from dataclasses import dataclass, field

from crm import services as crm
from crm import spectators
from crm.models import Contact, RelationKind, Source
from tenants.events.services import publish
from ticketing.models import Order, OrderAttribution, Ticket
from ticketing.selectors.promotions import PROMO_ERRORS, normalize_promo_code

from .history import order_event

# The first-party cookie campaigns set on a tracked link or QR code visit (a visitor id),
# read by the storefront's checkout into Order.marketing_ref.
MARKETING_REF_COOKIE = "parterre_ref"


@dataclass
class Companion:
    first_name: str
    email: str


@dataclass
class CheckoutAdditions:
    """What the storefront's checkout adds to an order, kept with the payment until the order
    is written (a webhook may write it: plain JSON). `referral`: (prescriber contact id, show
    id) read from a signed link; `promo_code`: validated already
    (selectors.promotions.validate_promo_code); `consent_url`: the absolute URL of the
    companions' consent page without its token."""

    referral: tuple[int, int] | None = None
    promo_code: str = ""
    companions: list[Companion] = field(default_factory=list)
    consent_url: str = ""
    # The visitor's marketing reference (MARKETING_REF_COOKIE), kept on the order.
    marketing_ref: str = ""

    def __bool__(self) -> bool:
        return bool(self.referral or self.promo_code or self.companions)

    def as_json(self) -> dict:
        if not self:
            return {"marketing_ref": self.marketing_ref} if self.marketing_ref else {}
        return {
            "marketing_ref": self.marketing_ref,
            "referral": list(self.referral) if self.referral else None,
            "promo_code": self.promo_code,
            "companions": [[c.first_name, c.email] for c in self.companions],
            "consent_url": self.consent_url,
        }

    @classmethod
    def from_json(cls, data: dict | None) -> CheckoutAdditions:
        data = data or {}
        referral = data.get("referral")
        return cls(
            referral=(int(referral[0]), int(referral[1])) if referral else None,
            promo_code=data.get("promo_code") or "",
            companions=[Companion(n, e) for n, e in data.get("companions") or []],
            consent_url=data.get("consent_url") or "",
            marketing_ref=(data.get("marketing_ref") or "")[:32],
        )

    def marketing(self) -> dict:
        """What the order and its `ticketing.order.confirmed` event carry for attribution."""
        promo = normalize_promo_code(self.promo_code) if self.promo_code else ""
        return {"marketing_ref": self.marketing_ref, "promo_codes": [promo] if promo else []}


def record_checkout_additions(*, order: Order, additions: CheckoutAdditions) -> None:
    """Called in the transaction that writes a web order (ticketing.services.orders.online),
    only when the checkout had a referral, a promo code or companions."""
    tickets = list(order.tickets_in_hand())
    show_id = tickets[0].performance.show_id if tickets else None
    prescriber = None
    if additions.referral is not None:
        prescriber_id, referral_show_id = additions.referral
        # A link for this show, from someone else who still exists: credited.
        if referral_show_id == show_id and prescriber_id != order.contact_id:
            prescriber = Contact.objects.filter(pk=prescriber_id, anonymised_at__isnull=True)
            prescriber = prescriber.values_list("pk", flat=True).first()
    promo = normalize_promo_code(additions.promo_code) if additions.promo_code else ""
    if prescriber or promo:
        OrderAttribution.objects.create(
            order=order,
            referred_by_contact_id=prescriber,
            referral_show_id=show_id if prescriber else None,
            promo_code=promo,
        )
        order_event(
            order, "ticketing.order.attributed", None, referred_by=prescriber, promo_code=promo
        )
        if prescriber and order.contact_id:
            crm.relate_contacts(
                contact_id=order.contact_id,
                other_id=prescriber,
                kind=RelationKind.REFERRED_BY,
                source=Source.REFERRAL,
                data={"order": order.reference, "show": show_id},
            )
    if additions.companions:
        add_companions(
            order=order,
            tickets=tickets,
            companions=additions.companions,
            consent_url=additions.consent_url,
        )


def add_companions(
    *,
    order: Order,
    tickets: list[Ticket],
    companions: list[Companion],
    consent_url: str,
) -> list[Contact]:
    """Each companion becomes a contact (source companion) who "came with" the buyer, holds
    one of the order's tickets (the buyer keeps the first), and is asked by email whether
    they want the venue's news (only if never asked). `ticketing.companion.added` lets the
    ticket mail send them their own ticket."""
    # The checkout checked them already; this runs where the order is written (perhaps a
    # payment webhook), so what does not fit is left out rather than refused.
    if order.contact_id is None:
        return []
    buyer = order.contact
    added, assigned = [], []
    for ticket, companion in zip(tickets[1:], companions, strict=False):
        contact = crm.find_or_create_contact(
            email=companion.email, first_name=companion.first_name, source=Source.COMPANION
        )
        if contact.pk == buyer.pk:
            continue  # (the buyer named themselves)
        crm.relate_contacts(
            contact_id=contact.pk,
            other_id=buyer.pk,
            kind=RelationKind.CAME_WITH,
            source=Source.COMPANION,
            data={"order": order.reference},
        )
        ticket.holder_contact = contact
        assigned.append(ticket)
        added.append(contact)
        if contact.email_consent is None:
            spectators.send_consent_invitation(
                contact=contact,
                inviter_name=buyer.first_name or buyer.display_name,
                url=f"{consent_url}{spectators.consent_invitation_token(contact.pk)}/",
            )
        publish(
            code="ticketing.companion.added",
            key=f"order:{order.reference}",
            data={
                "order_id": order.pk,
                "reference": order.reference,
                "contact_id": contact.pk,
                "buyer_contact_id": buyer.pk,
                "ticket_id": ticket.pk,
            },
        )
    Ticket.objects.bulk_update(assigned, ["holder_contact"])
    order_event(
        order,
        "ticketing.order.companions_added",
        None,
        companions=[c.pk for c in added],
        tickets=[t.pk for t in assigned],
    )
    return added


def promo_error_message(code: str) -> str:
    return str(PROMO_ERRORS.get(code, code))
