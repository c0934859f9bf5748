"""Demo contacts for `make run`: ~150 French spectators per venue, idempotent.

Addresses are at example domains and phone numbers in the range ARCEP reserves for fiction
(06 39 98 xx xx), so the demo can never mail or text a real person.
"""

import random

from django.utils.text import slugify
from faker import Faker

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


def seed_venue(venue, rng: random.Random) -> None:
    # Draw everything first so the random stream (shared with later apps) is the same on
    # every run, whether contacts are created or skipped.
    people = _demo_people(venue, rng)
    existing = set(Contact.objects.values_list("email_normalized", flat=True))
    for person in people:
        if normalize_email(person["email"]) in existing:
            continue
        find_or_create_contact(source=Source.IMPORT, **person)
