"""The demo cooperative seeded by `make run`.

Each app may add a `demo` module or package with `seed_venue(venue, rng)`: it runs inside
that venue's schema, must be idempotent (running `make run` twice duplicates nothing) and
gives the app's screens realistic content. Apps are seeded in dependency order (crm,
ticketing, campaigns, analytics), so later apps find the data of earlier ones.
"""

import importlib
import random
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django_tenants.utils import tenant_context

from tenants.accounts.models import User

DEMO_PASSWORD = "parterre-demo"
COOP_ADMIN_EMAIL = "coop@parterre.localhost"

DEMO_VENUES = [
    {
        "slug": "quai",
        "name": "Théâtre du Quai",
        "city": "Angers",
        "street": "17 rue de la Tannerie",
        "postcode": "49100",
        "accent_color": "#8a1538",
        "contact_email": "billetterie@quai.example",
        "contact_phone": "+33 2 41 00 00 00",
    },
    {
        "slug": "lanterne",
        "name": "La Lanterne – scène de musiques actuelles",
        "city": "Rennes",
        "street": "4 quai Saint-Cast",
        "postcode": "35000",
        "accent_color": "#1d5c63",
        "contact_email": "bonjour@lanterne.example",
        "contact_phone": "+33 2 99 00 00 00",
    },
]
STAFF = [
    ("admin", "Camille Besnard", User.Role.ADMIN),
    ("guichet", "Yanis Morel", User.Role.BOX_OFFICE),
    ("rp", "Léa Fontaine", User.Role.COMMUNICATION),
    ("lecture", "Hugo Lambert", User.Role.READ_ONLY),
]
SEEDED_APPS = ["crm", "ticketing", "campaigns", "analytics"]


@dataclass
class DemoLogin:
    url: str
    email: str
    role: str


def staff_email(slug: str, login: str) -> str:
    return f"{login}@{slug}.demo"


def seed_demo(*, stdout=None) -> list[DemoLogin]:
    from tenants.models import Venue
    from tenants.selectors import venue_url
    from tenants.services import create_venue, update_venue_profile

    logins: list[DemoLogin] = []
    connection.set_schema_to_public()
    coop_admin = User.objects.filter(email=COOP_ADMIN_EMAIL).first()
    if coop_admin is None:
        coop_admin = User.objects.create_superuser(
            COOP_ADMIN_EMAIL, DEMO_PASSWORD, full_name="Admin de la coopérative"
        )
    base = f"{settings.PARTERRE_SCHEME}://{settings.PARTERRE_BASE_DOMAIN}"
    logins.append(
        DemoLogin(f"{base}{settings.PARTERRE_PORT_SUFFIX}/", COOP_ADMIN_EMAIL, "cooperative admin")
    )
    for spec in DEMO_VENUES:
        spec = dict(spec)
        slug, name = spec.pop("slug"), spec.pop("name")
        venue = Venue.objects.filter(slug=slug).first()
        if venue is None:
            created = create_venue(
                name=name,
                slug=slug,
                admin_email=staff_email(slug, "admin"),
                admin_name=STAFF[0][1],
                actor=coop_admin,
                city=spec["city"],
            )
            venue = created.venue
            if stdout:
                stdout.write(f"  created {name} in {created.seconds:.2f} s")
        with tenant_context(venue):
            update_venue_profile(venue=venue, actor=None, **spec)
            for login, full_name, role in STAFF:
                email = staff_email(slug, login)
                user = User.objects.filter(email=email).first()
                if user is None:
                    user = User.objects.create_user(email, full_name=full_name, role=role)
                if not user.has_usable_password():
                    user.set_password(DEMO_PASSWORD)
                    user.save(update_fields=["password"])
                logins.append(DemoLogin(venue_url(venue, "/backoffice/"), email, role))
            rng = random.Random(slug)  # noqa: S311 (demo data, reproducible)
            for app in SEEDED_APPS:
                try:
                    module = importlib.import_module(f"{app}.demo")
                except ModuleNotFoundError:
                    continue
                module.seed_venue(venue, rng)
    connection.set_schema_to_public()
    return logins
