"""Demo content of tracking: a season-launch operation (cost, a poster QR code, a partner's
promo code) with a sent newsletter whose opens and clicks went through the real services (so
they are in the contacts' timelines), and the demo orders of the people who clicked credited
to it. Idempotent (the operation's name is the key); its own rng, so the shared stream of the
other apps is not moved."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from campaigns.models import Campaign, Delivery, Operation, TrackedLink
from crm.models import Contact

from . import services
from .attribution import attribute_order

NAME = "Lancement de saison"


def seed_venue(venue, rng: random.Random) -> None:
    if Operation.objects.filter(name=NAME).exists():
        return
    mine = random.Random(f"tracking:{venue.slug}")  # noqa: S311 (demo data)
    now = timezone.now()
    operation = Operation.objects.create(
        name=NAME,
        kind=Operation.Kind.SEASON_LAUNCH,
        starts_on=(now - timedelta(days=10)).date(),
        ends_on=(now + timedelta(days=20)).date(),
        cost_cents=85000,
        promo_codes=["AMIS-SAISON"],
        notes="Affiches métro, newsletter, code promo des associations partenaires.",
    )
    TrackedLink.objects.create(
        operation=operation,
        url=f"https://{venue.slug}.example/",
        label="Affiches métro",
        kind=TrackedLink.Kind.PRINT,
        slug=f"saison-{venue.slug}"[:40],
        clicks=mine.randint(40, 90),
    )
    campaign = Campaign.objects.create(
        name="La saison est ouverte",
        status=Campaign.Status.SENT,
        operation=operation,
        started_at=now - timedelta(days=3),
        finished_at=now - timedelta(days=3),
        content={"fr": {"subject": "La saison est ouverte", "preheader": "", "blocks": []}},
    )
    links = [
        TrackedLink.objects.create(campaign=campaign, url=url, label=label)
        for url, label in (
            (f"https://{venue.slug}.example/programme", "Le programme"),
            (f"https://{venue.slug}.example/abonnements", "Les abonnements"),
        )
    ]
    people = list(
        Contact.objects.filter(email_consent=True, merged_into__isnull=True)
        .exclude(email="")
        .order_by("pk")[:80]
    )
    sent = now - timedelta(days=3)
    for person in people:
        delivery = Delivery.objects.create(
            campaign=campaign,
            contact=person,
            email=person.email,
            status=Delivery.Status.SENT,
            sent_at=sent,
        )
        if mine.random() < 0.45:
            services.record_open(token=delivery.token)
            if mine.random() < 0.35:
                services.record_click(
                    token=delivery.token, link_id=mine.choice(links).pk, visitor=""
                )
    campaign.recipients = len(people)
    campaign.save(update_fields=["recipients"])
    _credit_orders(campaign)


def _credit_orders(campaign: Campaign) -> None:
    """The clickers' latest paid orders, credited as the consumer would have."""
    from ticketing.models import Order

    clickers = Delivery.objects.filter(campaign=campaign, clicked_at__isnull=False)
    for contact_id in clickers.values_list("contact_id", flat=True)[:10]:
        order = (
            Order.objects.filter(contact_id=contact_id, status=Order.Status.PAID)
            .order_by("-created_at")
            .first()
        )
        if order is not None:
            attribute_order(
                order_id=order.pk,
                reference=order.reference,
                contact_id=contact_id,
                amount_cents=order.total_cents,
                ordered_at=timezone.now(),
            )
