"""factory_boy factories for crm rows (used inside `in_venue(...)`)."""

import factory
from django.utils import timezone

from crm.models import Consent, Contact, Source, TimelineEvent


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.Sequence(lambda n: f"personne{n}@example.fr")
    email_normalized = factory.LazyAttribute(lambda c: c.email.lower())
    postcode = "69003"
    city = "Lyon"
    department = "69"
    first_source = Source.BOX_OFFICE


class TimelineEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimelineEvent

    contact = factory.SubFactory(ContactFactory)
    code = "crm.note.added"
    occurred_at = factory.LazyFunction(timezone.now)


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    contact = factory.SubFactory(ContactFactory)
    channel = Consent.Channel.EMAIL_NEWSLETTER
    granted = True
    source = Source.WEB
    recorded_at = factory.LazyFunction(timezone.now)
