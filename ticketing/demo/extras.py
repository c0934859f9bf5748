"""Demo extras: what a venue offers with the tickets of its coming performances (the theatre a
glass of wine and its programme book, the music venue a drink and parking)."""

from __future__ import annotations

from django.utils import timezone

from ticketing.models import Extra, Performance
from ticketing.services import extras

THEATRE_EXTRAS = [
    {
        "kind": Extra.Kind.DRINK,
        "name": "Verre de vin au bar",
        "price_cents": 450,
        "tax_rate_bp": 1000,
    },
    {
        "kind": Extra.Kind.PROGRAMME,
        "name": "Programme de salle",
        "price_cents": 500,
        "tax_rate_bp": 550,
        "stock": 40,
    },
]
MUSIC_EXTRAS = [
    {"kind": Extra.Kind.DRINK, "name": "Boisson au bar", "price_cents": 400, "tax_rate_bp": 1000},
    {
        "kind": Extra.Kind.PARKING,
        "name": "Place de parking",
        "price_cents": 600,
        "tax_rate_bp": 2000,
        "stock": 30,
        "public": False,
    },
]


def offer_extras(*, music: bool) -> int:
    """Extras on every performance to come (none on those past): returns how many."""
    offered = 0
    for performance in Performance.objects.filter(starts_at__gt=timezone.now()):
        for values in MUSIC_EXTRAS if music else THEATRE_EXTRAS:
            extras.create_extra(performance=performance, **values)
            offered += 1
    return offered
