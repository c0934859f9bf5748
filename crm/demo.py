"""Demo contacts for `make run`: ~150 French spectators per venue, idempotent, and a dozen
duplicates of them of the kinds a real base holds (a typo, a married name, first and last
names swapped, a changed email, capitals without accents, a nickname), left in the merge
review queue.

Addresses are at example domains and phone numbers in the range ARCEP reserves for fiction
(06 39 98 xx xx), so the demo can never mail or text a real person.
"""

import random

from django.utils.text import slugify
from faker import Faker

from .integrity.services import take_integrity_snapshot
from .models import Consent, Contact, Source
from .services import find_or_create_contact, normalize_email

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
    if created:
        # The pairs to review (no automatic merge: the demo shows the queue).
        from .dedup.services import refresh_all_candidates

        refresh_all_candidates(auto_merge=False)
    take_integrity_snapshot()
