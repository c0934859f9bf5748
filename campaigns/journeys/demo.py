"""The demo venue's journeys (demo/seed.py VENUE_SEEDERS): the brief's reference journey —
the J−3 reminder with its first-timer variant, "Alors, c'était comment ?" at J+3, the J+40
re-engagement of a saved segment for a chosen upcoming show — and favourite show (sale
opening, few seats left), unused card credit, abandoned cart. Idempotent: every row is found
by its name before it is created; a journey the venue changed is left as it is."""

from __future__ import annotations

import random

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from crm.models import Segment
from tenants.selectors import venue_url
from ticketing.models import Performance
from ticketing.selectors.availability import performance_figures

from ..models import Campaign
from .models import Action, Journey, Trigger

DAY = 1440


def _blocks(*items) -> list[dict]:
    blocks = []
    for item in items:
        if isinstance(item, tuple):
            blocks.append({"type": "button", "label": item[0], "url": item[1]})
        elif item.startswith("# "):
            blocks.append({"type": "heading", "text": item[2:]})
        else:
            blocks.append({"type": "text", "text": item})
    return blocks


REMINDER = [
    "# À très bientôt !",
    "Bonjour {{first_name}}, nous vous attendons {{performance_date}} pour "
    "« {{performance_title}} ».",
    "Accès : {{access_info}}",
    "Vos billets restent dans votre espace ; l'événement pour votre agenda est joint à ce "
    "message. Les portes ouvrent trente minutes avant le début.",
    ("Voir mes billets", "{{ics_url}}"),
]
FIRST_TIMER = [
    "# Bienvenue chez nous !",
    "Bonjour {{first_name}}, nous vous attendons {{performance_date}} pour "
    "« {{performance_title}} ».",
    "C'est votre première venue : l'équipe serait heureuse de vous accueillir. Venez 40 minutes "
    "avant le début, nous vous ferons découvrir la maison et vous présenterons les artistes de "
    "la saison autour d'un verre.",
    "Accès : {{access_info}}",
    "Vos billets restent dans votre espace ; l'événement pour votre agenda est joint à ce message.",
    ("Voir mes billets", "{{ics_url}}"),
]
HOW_WAS_IT = [
    "# Alors, c'était comment ?",
    "Bonjour {{first_name}}, vous étiez parmi nous pour « {{performance_title}} ». Nous "
    "aimerions beaucoup savoir ce que vous en avez pensé.",
    "Trois questions, une minute : vos réponses nous aident à vous proposer des spectacles qui "
    "vous ressemblent, et vos mots, si vous le souhaitez, seront partagés avec le public.",
    ("Donner mon avis", "{{survey_url}}"),
]
FORTY_DAYS = [
    "# Une soirée rien que pour vous",
    "Bonjour {{first_name}}, il vous reste des places sur votre carte. Nous avons pensé à vous "
    "pour « {{show_performance_title}} », {{show_performance_date}} : un spectacle qui devrait "
    "vous plaire, d'après ce que vous nous avez dit.",
    "Votre carte est valable seul ou accompagné : c'est l'occasion de faire découvrir le "
    "théâtre à quelqu'un.",
]
SALE_OPEN = [
    "# La billetterie est ouverte",
    "Bonjour {{first_name}}, vous aviez mis « {{performance_title}} » dans vos favoris : les "
    "places sont en vente dès maintenant.",
    ("Choisir mes places", "{{buy_url}}"),
]
FEW_SEATS = [
    "# Plus que quelques places",
    "Bonjour {{first_name}}, « {{performance_title}} », que vous aviez mis dans vos favoris, "
    "est presque complet pour {{performance_date}}.",
    ("Réserver avant qu'il ne soit trop tard", "{{buy_url}}"),
]
CREDIT = [
    "# Votre carte vous attend",
    "Bonjour {{first_name}}, des places vous attendent encore sur votre carte. Elle se partage : "
    "venez seul ou avec les personnes de votre choix.",
    "Notre équipe se tient à votre disposition pour vous conseiller un spectacle.",
]
CART = [
    "# Vos places vous attendent peut-être encore",
    "Bonjour {{first_name}}, vous aviez choisi des places pour « {{performance_title}} », "
    "{{performance_date}}, sans aller jusqu'au paiement.",
    "{{seats_status}}",
    ("Reprendre ma réservation", "{{buy_url}}"),
]

EMAILS = {
    # name: (subject, preheader, blocks, marketing)
    "Parcours — rappel J−3": (
        "{{first_name}}, rendez-vous dans trois jours pour {{performance_title}}",
        "Date, heure, accès et votre agenda",
        REMINDER,
        False,
    ),
    "Parcours — rappel J−3 (première venue)": (
        "{{first_name}}, venez 40 minutes avant : l'équipe vous accueille",
        "Votre première venue, votre rendez-vous avec l'équipe",
        FIRST_TIMER,
        False,
    ),
    "Parcours — J+3 « Alors, c'était comment ? »": (
        "Alors, c'était comment, {{first_name}} ?",
        "Une minute pour nous dire ce que vous en avez pensé",
        HOW_WAS_IT,
        True,
    ),
    "Parcours — J+40 relance carte": (
        "{{first_name}}, une soirée rien que pour vous",
        "Il vous reste des places sur votre carte",
        FORTY_DAYS,
        True,
    ),
    "Parcours — favori : ouverture des ventes": (
        "{{performance_title}} : la billetterie est ouverte",
        "Le spectacle de vos favoris est en vente",
        SALE_OPEN,
        True,
    ),
    "Parcours — favori : dernières places": (
        "{{performance_title}} : plus que quelques places",
        "Le spectacle de vos favoris est presque complet",
        FEW_SEATS,
        True,
    ),
    "Parcours — crédit de carte inutilisé": (
        "{{first_name}}, votre carte vous attend",
        "Des places à utiliser quand vous voulez",
        CREDIT,
        True,
    ),
    "Parcours — panier abandonné": (
        "Vos places pour {{performance_title}}",
        "Reprenez votre réservation là où vous l'aviez laissée",
        CART,
        True,
    ),
}

FORTY_DAYS_SEGMENT = "Crédit de carte inutilisé × humour"
FORTY_DAYS_DEFINITION = {
    "version": 1,
    "op": "and",
    "rules": [
        {"type": "number", "field": "unused_credit_cents", "min": 1},
        {"type": "affinity", "kind": "keyword", "keys": ["humour"], "min_weight": 0.6},
    ],
}


def journey_email(name: str, *, buy_url: str = "") -> Campaign:
    subject, preheader, blocks, marketing = EMAILS[name]
    if buy_url:
        blocks = [*blocks, ("Réserver", buy_url)]
    campaign, _created = Campaign.objects.get_or_create(
        name=name,
        kind=Campaign.Kind.JOURNEY,
        defaults={
            "marketing": marketing,
            "content": {
                "fr": {"subject": subject, "preheader": preheader, "blocks": _blocks(*blocks)}
            },
        },
    )
    return campaign


def hard_to_sell() -> Performance | None:
    """The upcoming performance on sale with the most free places (the J+40 show)."""
    upcoming = list(
        Performance.objects.filter(
            status__in=Performance.SELLABLE, starts_at__gt=timezone.now()
        ).order_by("starts_at")[:40]
    )
    if not upcoming:
        return None
    figures = performance_figures([p.pk for p in upcoming])
    return max(upcoming, key=lambda p: (figures[p.pk]["free"], -p.pk))


def install_journeys(*, venue, enabled: bool = True) -> list[Journey]:
    """The brief's journeys and their emails (found by name: run it twice, get them once)."""
    promoted = hard_to_sell()
    buy_url = venue_url(venue, reverse("store:performance", args=[promoted.pk])) if promoted else ""
    segment, _created = Segment.objects.get_or_create(
        name=FORTY_DAYS_SEGMENT,
        defaults={
            "description": "Le « quarante jours après » : du crédit de carte à utiliser, et "
            "le goût de l'humour dit au questionnaire.",
            "definition": FORTY_DAYS_DEFINITION,
        },
    )
    specs = [
        dict(
            name="Rappel trois jours avant",
            description="Date, heure, accès et agenda ; les nouveaux venus sont invités à "
            "venir 40 minutes avant pour rencontrer l'équipe.",
            trigger=Trigger.BEFORE_PERFORMANCE,
            offset_minutes=-3 * DAY,
            action=Action.EMAIL,
            campaign=journey_email("Parcours — rappel J−3"),
            first_timer_campaign=journey_email("Parcours — rappel J−3 (première venue)"),
        ),
        dict(
            name="Alors, c'était comment ?",
            description="Trois jours après la venue : le questionnaire (note, goûts, mots).",
            trigger=Trigger.AFTER_ATTENDANCE,
            offset_minutes=3 * DAY,
            action=Action.EMAIL,
            campaign=journey_email("Parcours — J+3 « Alors, c'était comment ? »"),
        ),
        dict(
            name="Quarante jours après : une place pour vous",
            description="Les porteurs de carte au crédit inutilisé qui aiment l'humour, "
            "invités au spectacle difficile à remplir.",
            trigger=Trigger.AFTER_ATTENDANCE,
            offset_minutes=40 * DAY,
            segment=segment,
            action=Action.EMAIL,
            campaign=journey_email("Parcours — J+40 relance carte", buy_url=buy_url),
            performance=promoted,
        ),
        dict(
            name="Favori : ouverture des ventes",
            description="Les spectateurs qui ont mis le spectacle en favori, le jour où la "
            "billetterie ouvre.",
            trigger=Trigger.FAVOURITE_SALE_OPEN,
            offset_minutes=0,
            action=Action.EMAIL,
            campaign=journey_email("Parcours — favori : ouverture des ventes"),
        ),
        dict(
            name="Favori : dernières places",
            description="Quand il reste dix places ou moins.",
            trigger=Trigger.FAVOURITE_FEW_SEATS,
            offset_minutes=0,
            threshold=10,
            action=Action.EMAIL,
            campaign=journey_email("Parcours — favori : dernières places"),
        ),
        dict(
            name="Crédit de carte inutilisé",
            description="Soixante jours sans achat avec du crédit sur la carte.",
            trigger=Trigger.UNUSED_CREDIT,
            offset_minutes=0,
            threshold=60,
            action=Action.EMAIL,
            campaign=journey_email("Parcours — crédit de carte inutilisé"),
        ),
        dict(
            name="Crédit inutilisé : un appel",
            description="Après quatre-vingt-dix jours, un membre de l'équipe appelle.",
            trigger=Trigger.UNUSED_CREDIT,
            offset_minutes=0,
            threshold=90,
            action=Action.CREATE_TASK,
            task_title="Appeler pour proposer un spectacle (crédit de carte inutilisé)",
        ),
        dict(
            name="Panier abandonné",
            description="Une heure après l'expiration du panier d'un spectateur connu, un "
            "rappel, une seule fois par représentation.",
            trigger=Trigger.ABANDONED_CART,
            offset_minutes=60,
            action=Action.EMAIL,
            campaign=journey_email("Parcours — panier abandonné"),
        ),
    ]
    journeys = []
    for spec in specs:
        name = spec.pop("name")
        journey, _created = Journey.objects.get_or_create(
            name=name, defaults={**spec, "enabled": enabled}
        )
        journeys.append(journey)
    return journeys


def seed_venue(venue, rng: random.Random) -> None:
    with transaction.atomic():
        install_journeys(venue=venue)
