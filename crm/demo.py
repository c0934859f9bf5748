"""Demo contacts for `make run`: ~150 French spectators per venue, idempotent.

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


def seed_venue(venue, rng: random.Random) -> None:
    # Draw everything first so the random stream (shared with later apps) is the same on
    # every run, whether contacts are created or skipped.
    people = _demo_people(venue, rng)
    _as_venues_really_know_them(venue, people)
    existing = set(Contact.objects.values_list("email_normalized", flat=True))
    for person in people:
        if normalize_email(person["email"]) in existing:
            continue
        address = person.pop("address")
        contact = find_or_create_contact(source=Source.IMPORT, **person)
        if address:
            Contact.objects.filter(pk=contact.pk).update(**address)
    take_integrity_snapshot()
