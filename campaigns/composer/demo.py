"""Demo newsletters (in demo/seed.py VENUE_SEEDERS, after crm and ticketing): a season
newsletter sent twelve days ago to the consenting contacts (with its deliveries, opens and
clicks, so lists, stats and the periodicity cap have something to show), and a draft "last
seats" newsletter with a show card, aimed at a saved segment. Idempotent: found by name."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from crm.models import Segment
from crm.segments.definition.compiler import active_contacts
from crm.segments.services import create_segment

from ..models import Campaign, Delivery, TrackedLink
from .render import render_campaign

SENT_NAME = "Lettre de rentrée — la saison est ouverte"
DRAFT_NAME = "Dernières places — brouillon"
SEGMENT_NAME = "Venus l'an passé, d'accord pour nos emails"
MAX_RECIPIENTS = 800


def _shows():
    from ticketing.selectors.availability import upcoming_performances
    from ticketing.selectors.storefront import with_sale_hints

    performances = with_sale_hints(list(upcoming_performances()[:60]))
    shows, hints = [], {}
    for performance in performances:
        if performance.show not in shows:
            shows.append(performance.show)
        hints.setdefault(performance.show.pk, set()).add(performance.hint)
    return shows, hints


def seed_venue(venue, rng: random.Random) -> None:
    local = random.Random(rng.randrange(2**32))  # noqa: S311 (demo data, reproducible)
    shows, hints = _shows()
    if not shows or Campaign.objects.filter(name__in=[SENT_NAME, DRAFT_NAME]).exists():
        return
    with transaction.atomic():
        _sent_newsletter(venue, shows, local)
        few_left = [s for s in shows if "few_left" in hints[s.pk]] or shows[1:] or shows
        _draft(few_left[0])


def _sent_newsletter(venue, shows, rng: random.Random) -> None:
    headliner = shows[0]
    content = {
        "fr": {
            "subject": "La saison est ouverte : {{first_name}}, on vous garde une place ?",
            "preheader": f"{headliner.title} ouvre la saison, et toute la programmation.",
            "blocks": [
                {"type": "heading", "text": "Bonjour {{first_name}},"},
                {
                    "type": "text",
                    "text": f"La nouvelle saison de **{venue.name}** commence. Théâtre, musique, "
                    "danse : *de quoi sortir tous les mois*.\n\nLes abonnés ont déjà choisi "
                    "leurs dates ; il reste de belles places pour tous les spectacles.",
                },
                {"type": "show", "show_id": headliner.pk},
                {"type": "divider"},
                {"type": "heading", "text": "Les prochaines dates"},
                {"type": "performances", "show_id": None, "limit": 6},
            ],
        },
        "en": {
            "subject": "The season is open",
            "preheader": f"{headliner.title} opens the season.",
            "blocks": [
                {"type": "heading", "text": "Hello {{first_name}},"},
                {"type": "text", "text": f"The new season of **{venue.name}** begins."},
                {"type": "show", "show_id": headliner.pk},
                {"type": "performances", "show_id": None, "limit": 6},
            ],
        },
    }
    sent_at = timezone.now() - timedelta(days=12, hours=3)
    campaign = Campaign.objects.create(
        name=SENT_NAME,
        kind=Campaign.Kind.NEWSLETTER,
        status=Campaign.Status.SENT,
        content=content,
        started_at=sent_at,
        finished_at=sent_at + timedelta(minutes=4),
    )
    render_campaign(campaign, language="fr")  # registers its tracked links
    links = list(TrackedLink.objects.filter(campaign=campaign).order_by("pk"))
    contacts = list(
        active_contacts()
        .filter(email_consent=True, email_bounced_at__isnull=True)
        .exclude(email="")
        .order_by("id")
        .values_list("id", "email", "language")[:MAX_RECIPIENTS]
    )
    deliveries, clicks = [], dict.fromkeys((link.pk for link in links), 0)
    for contact_id, email, language in contacts:
        opened = rng.random() < 0.38
        clicked = opened and rng.random() < 0.25
        if clicked and links:
            clicks[rng.choice(links).pk] += 1
        deliveries.append(
            Delivery(
                campaign=campaign,
                contact_id=contact_id,
                email=email,
                language="en" if (language or "").startswith("en") else "fr",
                status=Delivery.Status.SENT,
                attempts=1,
                sent_at=sent_at,
                created_at=sent_at,
                opened_at=sent_at + timedelta(hours=rng.randint(1, 72)) if opened else None,
                opens=rng.randint(1, 3) if opened else 0,
                clicked_at=sent_at + timedelta(hours=rng.randint(2, 80)) if clicked else None,
                clicks=1 if clicked else 0,
            )
        )
    Delivery.objects.bulk_create(deliveries, batch_size=500)
    for link in links:
        TrackedLink.objects.filter(pk=link.pk).update(clicks=clicks[link.pk])
    Campaign.objects.filter(pk=campaign.pk).update(
        created_at=sent_at - timedelta(days=2), recipients=len(deliveries)
    )


def _draft(show) -> None:
    segment = Segment.objects.filter(name=SEGMENT_NAME).first() or create_segment(
        name=SEGMENT_NAME,
        description="Venus au moins une fois dans l'année, consentement email donné.",
        definition={
            "version": 1,
            "op": "and",
            "rules": [
                {"type": "date", "field": "last_attended_at", "when": "within_days", "days": 365},
                {"type": "consent", "channel": "email", "state": "granted"},
            ],
        },
    )
    Campaign.objects.create(
        name=DRAFT_NAME,
        kind=Campaign.Kind.NEWSLETTER,
        segment=segment,
        content={
            "fr": {
                "subject": f"{show.title} : les dernières places",
                "preheader": "Vous étiez là l'an passé : on a pensé à vous.",
                "blocks": [
                    {"type": "heading", "text": "Bonjour {{first_name}},"},
                    {
                        "type": "text",
                        "text": f"Il reste quelques places pour **{show.title}**. Ne tardez pas !",
                    },
                    {"type": "show", "show_id": show.pk},
                ],
            }
        },
    )
