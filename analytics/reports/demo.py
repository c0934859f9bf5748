"""The demo venues' SIBIL settings and genre domains (called by analytics.demo), so that
`make run` produces a SIBIL export and season reports without blocking problems.
Idempotent: settings already filled are left as they are."""

from __future__ import annotations

from ..models import SibilGenreDomain, SibilSettings

# The demo's genres (ticketing/demo, analytics/history) and their ministry domain.
GENRES = {
    "théâtre": ("theatre", False),
    "théâtre d'objets": ("marionnettes", False),
    "marionnettes": ("marionnettes", False),
    "lecture musicale": ("", False),
    "danse": ("danse_creation", False),
    "cirque": ("cirque_creation", False),
    "humour": ("humour", False),
    "musique": ("musique_classique", False),
    "concert": ("musiques_actuelles", False),
    "chanson": ("chanson_varietes", False),
    "jazz": ("jazz", False),
    "musiques du monde": ("musiques_monde", False),
    "musiques traditionnelles": ("musiques_monde", False),
    # Whom the show is for, not what it is: a domain only when nothing else says.
    "jeune public": ("pluridisciplinaire", True),
    "famille": ("", True),
}
# INSEE codes of the demo venues' communes (not their postcodes).
INSEE = {"Angers": "49007", "Rennes": "35238", "Lyon": "69123"}


def luhn_siret(siren: str) -> str:
    """A SIRET (SIREN + establishment 0001x) that passes the Luhn check."""
    for last in range(10):
        candidate = f"{siren}0001{last}"
        total = 0
        for index, char in enumerate(reversed(candidate)):
            digit = int(char) * (2 if index % 2 else 1)
            total += digit - 9 if digit > 9 else digit
        if total % 10 == 0:
            return candidate
    raise ValueError(siren)


def seed_sibil(venue) -> None:
    if not SibilSettings.objects.filter(pk=1).exclude(licence_number="").exists():
        number = sum(ord(c) for c in venue.slug) % 1000
        SibilSettings.objects.update_or_create(
            pk=1,
            defaults={
                "licence_number": f"PLATESV-R-2024-{number:06d}",
                "siret": luhn_siret(f"{800000000 + number * 7919:09d}"[:9]),
                "legal_name": f"Association {venue.name}",
                "insee_code": INSEE.get(venue.city, ""),
            },
        )
    for genre, (domain, young) in GENRES.items():
        SibilGenreDomain.objects.get_or_create(
            genre=genre, defaults={"domain": domain, "young_audience": young}
        )
