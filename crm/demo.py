"""Demo contacts for `make run`: ~150 French spectators per venue, idempotent, and a dozen
duplicates of them of the kinds a real base holds (a typo, a married name, first and last
names swapped, a changed email, capitals without accents, a nickname), left in the merge
review queue.

Addresses are at example domains and phone numbers in the range ARCEP reserves for fiction
(06 39 98 xx xx), so the demo can never mail or text a real person.
"""

import random
from datetime import timedelta

from django.utils import timezone
from django.utils.text import slugify
from faker import Faker

from .integrity.services import take_integrity_snapshot
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
# (index of the person in the drawn list, kind of duplicate)
DUPLICATES = (
    (3, "typo"),
    (11, "married"),
    (17, "swapped"),
    (24, "email"),
    (31, "accents"),
    (38, "typo"),
    (45, "married"),
    (52, "email"),
    (66, "nickname"),
    (73, "swapped"),
    (88, "accents"),
    (97, "email"),
)
NICKNAMES = {"catherine": "Cathy", "nicolas": "Nico", "isabelle": "Isa", "philippe": "Phil"}
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


def _as_venues_really_know_them(venue, people: list[dict]) -> None:
    """A base as venues hold them (the brief: integrity rarely above 50 %): a third of the
    people with a full postal address, and a consent never asked for two in five. Drawn from
    the venue's own stream so the shared one (later apps) does not move."""
    rng = random.Random(f"crm-demo-{venue.schema_name}")  # noqa: S311 (demo data)
    fake = Faker("fr_FR")
    fake.seed_instance(rng.randrange(2**32))
    for person in people:
        person["address"] = (
            {"address_line1": fake.street_address(), "city": fake.city()}
            if rng.random() < 0.35
            else {}
        )
        if rng.random() < 0.4:
            person["consents"] = {}


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, max(2, len(word) - 1))
    return word[:i] + word[i + 1 :] if len(word) > 4 else word + word[-1]


def _duplicates(people: list[dict], venue) -> list[dict]:
    """Second records of some people, as an old file or a hurried counter would have them.
    Drawn from their own random stream, so the shared one is untouched."""
    rng = random.Random(f"{venue.slug}-duplicates")  # noqa: S311 (demo data)
    fake = Faker("fr_FR")
    fake.seed_instance(rng.randrange(2**32))
    dups = []
    for index, kind in DUPLICATES:
        p = dict(people[index])
        p.pop("consents")
        first, last = p["first_name"], p["last_name"]
        local, domain = p["email"].split("@")
        p["email"] = f"{local}.{kind}@{DOMAINS[(DOMAINS.index(domain) + 1) % len(DOMAINS)]}"
        if kind == "typo":
            p["last_name"] = _typo(last, rng)
        elif kind == "married":
            p["last_name"] = (
                f"{fake.last_name()}-{last}" if rng.random() < 0.5 else fake.last_name()
            )
        elif kind == "swapped":
            p["first_name"], p["last_name"] = last, first
        elif kind == "accents":
            p["first_name"] = slugify(first).replace("-", " ").upper()
            p["last_name"] = slugify(last).replace("-", " ").upper()
        elif kind == "nickname":
            p["first_name"] = NICKNAMES.get(slugify(first), _typo(first, rng))
        dups.append(p)
    return dups


def seed_venue(venue, rng: random.Random) -> None:
    # Draw everything first so the random stream (shared with later apps) is the same on
    # every run, whether contacts are created or skipped.
    people = _demo_people(venue, rng)
    _as_venues_really_know_them(venue, people)
    existing = set(Contact.objects.values_list("email_normalized", flat=True))
    created = False
    for person in people + _duplicates(people, venue):
        if normalize_email(person["email"]) in existing:
            continue
        address = person.pop("address", {})
        contact = find_or_create_contact(source=Source.IMPORT, **person)
        if address:
            Contact.objects.filter(pk=contact.pk).update(**address)
        created = True
    _seed_history(venue)
    if created:
        # The pairs to review (no automatic merge: the demo shows the queue).
        from .dedup.services import refresh_all_candidates

        refresh_all_candidates(auto_merge=False)
    take_integrity_snapshot()


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
