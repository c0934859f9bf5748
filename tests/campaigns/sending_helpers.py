"""Helpers of the sending tests: a campaign with an audience, committed rows wiped."""

from campaigns.models import Campaign, CommunicationSettings, Delivery
from crm.models import Contact
from tenants.accounts.models import AuditEvent

CONTENT = {
    "fr": {
        "subject": "Bonjour {{first_name}}, la saison s'ouvre",
        "blocks": [
            {"type": "heading", "text": "Bonjour {{first_name}}"},
            {"type": "text", "text": "Trois spectacles à ne pas manquer."},
            {"type": "button", "label": "Réserver", "url": "https://example.org/programme"},
        ],
    },
    "en": {
        "subject": "Hello {{first_name}}",
        "blocks": [{"type": "text", "text": "Three shows."}],
    },
}


def make_campaign(**extra) -> Campaign:
    return Campaign.objects.create(name=extra.pop("name", "Ouverture"), content=CONTENT, **extra)


def bulk_contacts(n: int, *, prefix: str = "c", **extra) -> list[Contact]:
    return Contact.objects.bulk_create(
        Contact(
            first_name=f"Prénom{i}",
            last_name="Test",
            email=f"{prefix}{i}@example.fr",
            email_normalized=f"{prefix}{i}@example.fr",
            email_consent=True,
            **extra,
        )
        for i in range(n)
    )


def wipe() -> None:
    Delivery.objects.all().delete()
    Campaign.objects.all().delete()
    CommunicationSettings.objects.all().delete()
    Contact.objects.all().delete()
    AuditEvent.objects.filter(code__startswith="campaigns.").delete()
