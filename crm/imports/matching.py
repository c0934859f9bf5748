"""Which contact of the base a row of a file is, if any: the one place imports ask.

Exact matching on normalised keys, in this order: the email (primary or other address), the
E.164 phone (main or other), then first name + last name + postcode compared lower-case and
unaccented by PostgreSQL's own `crm_unaccent` (the expression the search indexes use). Merged
contacts lead to the contact that absorbed them; anonymised ones never match.

The deduplication engine (crm.dedup, fuzzy scoring of French names) plugs in here:
`find_matches` is the function to replace with its "duplicates of this record" lookup once
it is available; its callers only need a contact id (or None) per identity, in order.
Lookups go by batch: three queries for a batch of rows, whatever its size.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Q

from crm.models import Contact, ContactEmail


@dataclass(frozen=True)
class Identity:
    email_normalized: str = ""
    phone: str = ""
    first_name: str = ""
    last_name: str = ""
    postcode: str = ""


def _active(ids: dict) -> dict:
    """{key: contact id} with merged contacts replaced by the one they were merged into and
    anonymised ones dropped."""
    if not ids:
        return {}
    rows = {
        pk: (merged_into, anonymised)
        for pk, merged_into, anonymised in Contact.objects.filter(
            pk__in=set(ids.values())
        ).values_list("pk", "merged_into_id", "anonymised_at")
    }
    out = {}
    for key, pk in ids.items():
        merged_into, anonymised = rows.get(pk, (None, True))
        if merged_into is not None:
            pk, anonymised = merged_into, None
        if anonymised is None:
            out[key] = pk
    return out


def _normalised_names(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    if not pairs:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT lower(crm_unaccent(f)), lower(crm_unaccent(l)) "
            "FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS t(f, l, n) ORDER BY n",
            [[f for f, _l in pairs], [last for _f, last in pairs]],
        )
        return cursor.fetchall()


def find_matches(identities: list[Identity]) -> list[int | None]:
    """The id of the existing contact each identity is, or None, in the same order."""
    emails = {i.email_normalized for i in identities if i.email_normalized}
    phones = {i.phone for i in identities if i.phone}
    by_email: dict = {}
    if emails:
        by_email.update(
            Contact.objects.filter(email_normalized__in=emails).values_list(
                "email_normalized", "pk"
            )
        )
        for email, pk in ContactEmail.objects.filter(email_normalized__in=emails).values_list(
            "email_normalized", "contact_id"
        ):
            by_email.setdefault(email, pk)
    by_phone: dict = {}
    if phones:
        for phone, other, pk in (
            Contact.objects.filter(Q(phone__in=phones) | Q(other_phone__in=phones))
            .filter(merged_into__isnull=True, anonymised_at__isnull=True)
            .order_by("pk")
            .values_list("phone", "other_phone", "pk")
        ):
            for number in (phone, other):
                if number in phones:
                    by_phone.setdefault(number, pk)
    named = [i for i in identities if i.first_name and i.last_name and i.postcode]
    pairs = [(i.first_name, i.last_name) for i in named]
    names = dict(zip(named, _normalised_names(pairs), strict=True))
    by_name: dict = {}
    if names:
        postcodes = sorted({i.postcode for i in named})
        lasts = sorted({last for _first, last in names.values()})
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT lower(crm_unaccent(first_name)), lower(crm_unaccent(last_name)), "
                "postcode, id FROM crm_contact WHERE postcode = ANY(%s) "
                "AND lower(crm_unaccent(last_name)) = ANY(%s) "
                "AND merged_into_id IS NULL AND anonymised_at IS NULL ORDER BY id",
                [postcodes, lasts],
            )
            for first, last, postcode, pk in cursor.fetchall():
                by_name.setdefault((first, last, postcode), pk)
    by_email, by_phone, by_name = _active(by_email), _active(by_phone), _active(by_name)
    found: list[int | None] = []
    for identity in identities:
        pk = by_email.get(identity.email_normalized) if identity.email_normalized else None
        if pk is None and identity.phone:
            pk = by_phone.get(identity.phone)
        if pk is None and identity in names:
            pk = by_name.get((*names[identity], identity.postcode))
        found.append(pk)
    return found
