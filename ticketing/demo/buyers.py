"""The season's buyers: French people from the contact base and newcomers, attached to their
orders once the sales are dated, and crm told of each purchase and refund."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone
from django.utils.text import slugify
from faker import Faker

from crm import services as crm
from crm.models import Consent, Contact, Source
from ticketing.demo.season import Season
from ticketing.models import Order, Performance, Ticket
from ticketing.services.orders.history import crm_references


def potential_buyers(venue, rng: random.Random, newcomers: int) -> tuple[list, list[float]]:
    """Who buys: the contact base (a few loyal regulars buy often, many once, some never)
    plus people the venue does not know yet, who become contacts with their first order."""
    existing = list(Contact.objects.order_by("pk").values_list("pk", flat=True))
    rng.shuffle(existing)
    fake = Faker("fr_FR")
    fake.seed_instance(rng.randrange(2**32))
    prefix = (venue.postcode or "75000")[:2]
    people: list = list(existing)
    for n in range(newcomers):
        first, last = fake.first_name(), fake.last_name()
        local = f"{slugify(first)}.{slugify(last)}".replace("-", "")
        people.append(
            {
                "identity": {
                    # Example domains and the fiction phone range, as in crm.demo.
                    "email": f"{local}.{n}@{rng.choice(['example.fr', 'example.com'])}",
                    "first_name": first,
                    "last_name": last,
                    "phone": f"+3363998{rng.randrange(10000):04d}" if rng.random() < 0.4 else "",
                    "postcode": f"{prefix}{rng.randrange(1000):03d}"
                    if rng.random() < 0.7
                    else fake.postcode(),
                },
                "newsletter": rng.random() < 0.4,
            }
        )
    weights = [1 / (i + 1) ** 0.6 for i in range(len(existing))]
    weights += [1 / (len(existing) / 2 + 1) ** 0.6] * newcomers
    if existing:  # a fifth of the base never buys this season
        for i in rng.sample(range(len(existing)), len(existing) // 5):
            weights[i] = 0.0
    return people, weights


def report_to_crm(season: Season, people: list) -> None:
    """Attach buyers to their orders and tell crm, through its services, of each purchase,
    refund and attendance at its (demo) date, with the show, performance and order ids, the
    show's genres and the season, so behaviour, criteria and timelines look real.
    `people` holds existing contact ids (int) and newcomers (dict, created on first buy).
    Ticketing has no door scanning yet: here most buyers of a past performance come, and
    their tickets are marked checked in."""
    contacts: dict[int, int] = {}
    performances = {
        p.pk: p
        for p in Performance.objects.select_related("show").filter(
            pk__in=[perf.performance.pk for perf in season.perfs]
        )
    }
    references = {pk: crm_references(p) for pk, p in performances.items()}
    paid_at = dict(
        Order.objects.filter(pk__in=[s.order_id for s in season.sales]).values_list("pk", "paid_at")
    )
    updates = []
    for sale in sorted(season.sales, key=lambda s: s.sold_at):
        if sale.buyer is None:
            continue
        if sale.buyer not in contacts:
            person = people[sale.buyer]
            if isinstance(person, int):
                contacts[sale.buyer] = person
            else:
                source = Source.WEB if sale.channel == "web" else Source.BOX_OFFICE
                contact = crm.find_or_create_contact(source=source, **person["identity"])
                if person["newsletter"]:
                    crm.set_consent(
                        contact=contact,
                        channel=Consent.Channel.EMAIL_NEWSLETTER,
                        granted=True,
                        source=source,
                        recorded_at=paid_at[sale.order_id],
                    )
                contacts[sale.buyer] = contact.pk
        contact_id = contacts[sale.buyer]
        updates.append(Order(pk=sale.order_id, contact_id=contact_id))
        performance = performances[sale.perf.performance.pk]
        crm.record_purchase(
            contact_id=contact_id,
            order_reference=sale.reference,
            tickets=sale.tickets,
            amount_cents=sale.total,
            occurred_at=paid_at[sale.order_id],
            performance_label=str(performance),
            channel=sale.channel,
            **{**references[performance.pk], "order_id": sale.order_id},
        )
    Order.objects.bulk_update(updates, ["contact"], batch_size=500)
    refunded = set()
    for refund in season.refunds:
        if refund.sale.buyer is None:
            continue
        whole = refund.tickets >= refund.sale.tickets
        if whole:
            refunded.add(refund.sale.order_id)
        crm.record_refund(
            contact_id=contacts[refund.sale.buyer],
            order_reference=refund.sale.reference,
            # As refund_order() numbers them; a demo order is refunded at most once.
            refund_reference=f"{refund.sale.reference}-R1",
            tickets=refund.tickets,
            amount_cents=refund.amount,
            occurred_at=refund.at,
            whole_order=whole,
            **{**references[refund.sale.perf.performance.pk], "order_id": refund.sale.order_id},
        )
    _report_attendance(season, contacts, performances, references, refunded)


def _report_attendance(season, contacts, performances, references, refunded) -> None:
    """Buyers of past performances come (nine in ten, one draw per order, from a generator of
    its own so the demo's shared stream is untouched)."""
    rng = random.Random(f"{season.venue.slug}:attendance")  # noqa: S311 (demo data)
    now = timezone.now()
    by_order = {
        s.order_id: s for s in season.sales if s.buyer is not None and s.order_id not in refunded
    }
    tickets = (
        Ticket.objects.filter(order_id__in=list(by_order), status=Ticket.Status.VALID)
        .order_by("pk")
        .values_list("pk", "order_id", "code", "performance_id")
    )
    checked = []
    for pk, order_id, code, performance_id in tickets:
        sale = by_order[order_id]
        performance = performances.get(performance_id)
        if performance is None or performance.starts_at >= now or rng.random() >= 0.9:
            continue
        came_at = performance.starts_at - timedelta(minutes=rng.randrange(5, 40))
        crm.record_attendance(
            contact_id=contacts[sale.buyer],
            ticket_reference=code,
            performance_label=str(performance),
            occurred_at=came_at,
            **{**references[performance.pk], "order_id": order_id},
        )
        checked.append(Ticket(pk=pk, checked_in_at=came_at))
    Ticket.objects.bulk_update(checked, ["checked_in_at"], batch_size=500)
