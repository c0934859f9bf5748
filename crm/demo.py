"""Demo contacts for `make run`: ~150 French spectators per venue, idempotent.

Addresses are at example domains and phone numbers in the range ARCEP reserves for fiction
(06 39 98 xx xx), so the demo can never mail or text a real person.
"""

import random
from datetime import timedelta

from django.utils import timezone
from django.utils.text import slugify
from faker import Faker

from .models import (
    AccessibilityNeed,
    Consent,
    Contact,
    ContactType,
    RelationKind,
    Source,
    TimelineEvent,
)
from .services import (
    add_affinity,
    change_tags,
    find_or_create_contact,
    normalize_email,
    record_attendance,
    record_purchase,
    relate_contacts,
)

CONTACTS_PER_VENUE = 150
DOMAINS = ["example.fr", "example.com", "example.org", "example.net"]


def _demo_people(venue, rng: random.Random) -> list[dict]:
    fake = Faker("fr_FR")
    fake.seed_instance(rng.randrange(2**32))
    local_prefix = (venue.postcode or "75000")[:2]
    people = []
    for n in range(CONTACTS_PER_VENUE):
        first, last = fake.first_name(), fake.last_name()
        local = f"{slugify(first)}.{slugify(last)}".replace("-", "")
        if rng.random() < 0.6:  # most spectators live near the venue
            postcode = f"{local_prefix}{rng.randrange(0, 1000):03d}"
        else:
            postcode = fake.postcode()
        people.append(
            {
                "email": f"{local}{n}@{rng.choice(DOMAINS)}",
                "first_name": first,
                "last_name": last,
                "phone": f"+3363998{rng.randrange(10000):04d}" if rng.random() < 0.5 else "",
                "postcode": postcode,
                "language": "en" if rng.random() < 0.05 else "fr",
                "consents": {
                    Consent.Channel.EMAIL_NEWSLETTER: rng.random() < 0.7,
                    **({Consent.Channel.SMS: True} if rng.random() < 0.2 else {}),
                },
            }
        )
    return people


def seed_venue(venue, rng: random.Random) -> None:
    # Draw everything first so the random stream (shared with later apps) is the same on
    # every run, whether contacts are created or skipped.
    people = _demo_people(venue, rng)
    existing = set(Contact.objects.values_list("email_normalized", flat=True))
    for person in people:
        if normalize_email(person["email"]) in existing:
            continue
        find_or_create_contact(source=Source.IMPORT, **person)
    _seed_history(venue)


# Shows of earlier seasons, from the venue's previous ticketing (no ticketing ids: they were
# imported with their titles and genres).
PAST_SHOWS = [
    ("Le Misanthrope", ["théâtre", "classique"]),
    ("Rain", ["danse", "contemporain"]),
    ("Les Bonnes", ["théâtre"]),
    ("Quatuor Ébène", ["musique", "classique"]),
    ("Cirque Plume", ["cirque", "jeune public"]),
    ("May B", ["danse"]),
    ("Orchestre national de jazz", ["concert", "jazz"]),
    ("Pinocchio", ["théâtre", "jeune public"]),
]
TAGS = ["Abonné historique", "Jeune public", "Groupe scolaire", "Mécène", "Bénévole"]


def _seed_history(venue) -> None:
    """Earlier seasons for part of the base (so some are lapsed and some long-time regulars),
    a few relations, tags, types and needs. Its own generator (the shared stream is left as
    it was); idempotent: every record_* and relation is recorded once."""
    rng = random.Random(f"{venue.slug}:history")  # noqa: S311 (demo data)
    now = timezone.now()
    ids = list(Contact.objects.order_by("pk").values_list("pk", flat=True))
    if not ids or TimelineEvent.objects.filter(code="ticketing.purchase").exists():
        return  # seeded already (quiz affinities add up: they are not idempotent)
    for n, contact_id in enumerate(ids):
        if rng.random() >= 0.35:
            continue
        # Two to four seasons back, ending one to three years ago.
        for season_back in range(rng.randrange(1, 4), 0, -1):
            for k in range(rng.randrange(1, 5)):
                title, genres = rng.choice(PAST_SHOWS)
                at = now - timedelta(days=365 * season_back + rng.randrange(0, 300))
                reference = f"HIST-{n}-{season_back}-{k}"
                label = f"{title} — {timezone.localtime(at):%d/%m/%Y}"
                tickets = rng.choice([1, 1, 2, 2, 3])
                record_purchase(
                    contact_id=contact_id,
                    order_reference=reference,
                    tickets=tickets,
                    amount_cents=tickets * rng.choice([1500, 1800, 2200]),
                    occurred_at=at - timedelta(days=rng.randrange(3, 40)),
                    performance_label=label,
                    channel="import",
                    genres=genres,
                )
                record_attendance(
                    contact_id=contact_id,
                    ticket_reference=f"{reference}-T",
                    performance_label=label,
                    occurred_at=at,
                    genres=genres,
                )
    pairs = rng.sample(ids, min(len(ids), 24))
    kinds = [RelationKind.CAME_WITH, RelationKind.HOUSEHOLD, RelationKind.FRIEND]
    for a, b in zip(pairs[0:12:2], pairs[1:12:2], strict=False):
        relate_contacts(contact_id=a, other_id=b, kind=rng.choice(kinds), source=Source.IMPORT)
    # Two prescribers who brought several buyers each (relays).
    for prescriber, referred in ((pairs[12], pairs[13:17]), (pairs[17], pairs[18:21])):
        for contact_id in referred:
            relate_contacts(
                contact_id=contact_id,
                other_id=prescriber,
                kind=RelationKind.REFERRED_BY,
                source=Source.REFERRAL,
            )
    for contact_id in rng.sample(ids, min(len(ids), 20)):
        change_tags(contact_id=contact_id, add=rng.sample(TAGS, rng.randrange(1, 3)))
    for contact_id in rng.sample(ids, min(len(ids), 12)):
        add_affinity(
            contact_id=contact_id,
            kind="theme",
            key=rng.choice(["humour", "engagé", "famille", "poésie"]),
            weight=3,
            source="quiz",
        )
    special = rng.sample(ids, min(len(ids), 14))
    types = [ContactType.PRESS] * 3 + [ContactType.PROFESSIONAL] * 4 + [ContactType.ARTIST] * 2
    for contact_id, kind in zip(special, types, strict=False):
        Contact.objects.filter(pk=contact_id).update(contact_types=[kind])
    needs = [AccessibilityNeed.WHEELCHAIR, AccessibilityNeed.HEARING_LOOP]
    for contact_id in special[9:]:
        Contact.objects.filter(pk=contact_id).update(accessibility_needs=[rng.choice(needs)])
