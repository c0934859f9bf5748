"""The cooperative's part of the demo seeded by `make run`: its admin, the two demo venues and
their staff. The apps' demo content (contacts, halls, a season of sales…) is seeded on top of
it by the `demo` package (`python manage.py seed_demo`), which may import every app; tenants,
the lowest layer, imports none of them. Everything here is idempotent.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django_tenants.utils import tenant_context

from tenants.accounts.models import User
from tenants.models import Venue

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
    ("donnees", "Nadia Perret", User.Role.DATA_STEWARD),
]


@dataclass
class DemoLogin:
    url: str
    email: str
    role: str


def staff_email(slug: str, login: str) -> str:
    return f"{login}@{slug}.demo"


def seed_cooperative_admin() -> tuple[User, DemoLogin]:
    """The cooperative's superuser (in the public schema) and its login line."""
    connection.set_schema_to_public()
    coop_admin = User.objects.filter(email=COOP_ADMIN_EMAIL).first()
    if coop_admin is None:
        coop_admin = User.objects.create_superuser(
            COOP_ADMIN_EMAIL, DEMO_PASSWORD, full_name="Admin de la coopérative"
        )
    base = f"{settings.PARTERRE_SCHEME}://{settings.PARTERRE_BASE_DOMAIN}"
    login = DemoLogin(
        f"{base}{settings.PARTERRE_PORT_SUFFIX}/", COOP_ADMIN_EMAIL, "cooperative admin"
    )
    return coop_admin, login


def seed_venue_and_staff(spec: dict, *, actor: User, stdout=None) -> tuple[Venue, list[DemoLogin]]:
    """One of DEMO_VENUES: created through onboarding if missing, its profile brought up to
    date, and one staff member per role (STAFF)."""
    from tenants.selectors import venue_url
    from tenants.services import create_venue, update_venue_profile

    spec = dict(spec)
    slug, name = spec.pop("slug"), spec.pop("name")
    connection.set_schema_to_public()
    venue = Venue.objects.filter(slug=slug).first()
    if venue is None:
        created = create_venue(
            name=name,
            slug=slug,
            admin_email=staff_email(slug, "admin"),
            admin_name=STAFF[0][1],
            actor=actor,
            city=spec["city"],
        )
        venue = created.venue
        if stdout:
            stdout.write(f"  created {name} in {created.seconds:.2f} s")
    logins = []
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
    return venue, logins
