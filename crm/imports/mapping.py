"""Which column of the file holds which contact field, guessed from its header in French or
English ("Nom", "Prénom", "Courriel", "CP", "Consentement newsletter"…) and corrected by the
staff member at the mapping step."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unidecode import unidecode

from crm.models import Contact
from tenants.errors import ValidationFailed


@dataclass(frozen=True)
class Field:
    code: str
    label: object
    max_length: int
    synonyms: tuple[str, ...]


def _max(name: str) -> int:
    return Contact._meta.get_field(name).max_length


# The order is the mapping form's. Synonyms are compared as normalised headers (see `_key`).
FIELDS: tuple[Field, ...] = (
    Field(
        "last_name",
        gettext_lazy("Last name"),
        _max("last_name"),
        ("nom", "nom de famille", "last name", "lastname", "surname", "family name"),
    ),
    Field(
        "first_name",
        gettext_lazy("First name"),
        _max("first_name"),
        ("prenom", "first name", "firstname", "given name", "forename"),
    ),
    Field(
        "email",
        gettext_lazy("Email"),
        _max("email"),
        (
            "email",
            "e mail",
            "mail",
            "courriel",
            "adresse email",
            "adresse e mail",
            "adresse mail",
            "adresse electronique",
            "email address",
        ),
    ),
    Field(
        "phone",
        gettext_lazy("Phone"),
        40,
        (
            "telephone",
            "tel",
            "phone",
            "phone number",
            "numero de telephone",
            "portable",
            "mobile",
            "tel portable",
            "telephone portable",
            "gsm",
            "cell",
        ),
    ),
    Field(
        "other_phone",
        gettext_lazy("Other phone"),
        40,
        (
            "autre telephone",
            "telephone 2",
            "tel 2",
            "telephone fixe",
            "fixe",
            "other phone",
            "landline",
            "phone 2",
        ),
    ),
    Field(
        "address_line1",
        gettext_lazy("Address"),
        _max("address_line1"),
        (
            "adresse",
            "adresse postale",
            "rue",
            "address",
            "street",
            "address line 1",
            "adresse 1",
            "adresse ligne 1",
        ),
    ),
    Field(
        "address_line2",
        gettext_lazy("Address (continued)"),
        _max("address_line2"),
        (
            "complement d adresse",
            "complement",
            "adresse 2",
            "adresse ligne 2",
            "address line 2",
            "address 2",
        ),
    ),
    Field(
        "postcode",
        gettext_lazy("Postcode"),
        _max("postcode"),
        ("cp", "code postal", "postcode", "postal code", "zip", "zip code", "zipcode"),
    ),
    Field(
        "city", gettext_lazy("Town"), _max("city"), ("ville", "commune", "localite", "city", "town")
    ),
    Field("country", gettext_lazy("Country"), 60, ("pays", "country", "code pays")),
    Field("language", gettext_lazy("Language"), 20, ("langue", "language", "lang")),
    Field(
        "contact_types",
        gettext_lazy("Type"),
        200,
        ("type", "types", "categorie", "type de contact", "contact type", "category"),
    ),
    Field("tags", gettext_lazy("Tags"), 500, ("tags", "etiquettes", "mots cles", "labels")),
    Field(
        "notes",
        gettext_lazy("Notes"),
        5000,
        ("notes", "note", "remarques", "commentaire", "commentaires", "comments"),
    ),
    Field(
        "email_consent",
        gettext_lazy("Newsletter consent"),
        20,
        (
            "consentement newsletter",
            "consentement",
            "newsletter",
            "optin",
            "opt in",
            "accepte newsletter",
            "abonne newsletter",
            "inscrit newsletter",
            "newsletter consent",
            "consent",
            "email consent",
            "consentement email",
        ),
    ),
    Field(
        "consent_proof",
        gettext_lazy("Consent source / proof"),
        200,
        (
            "source consentement",
            "preuve consentement",
            "preuve",
            "origine consentement",
            "consent source",
            "consent proof",
            "source du consentement",
            "proof",
        ),
    ),
)
FIELDS_BY_CODE = {field.code: field for field in FIELDS}
IGNORE = ""


def _key(header: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", unidecode(header or "").lower()).split())


_SYNONYMS = {synonym: field.code for field in FIELDS for synonym in field.synonyms}


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """{column index (text): field code} for the headers recognised, each field at most once
    (the first column wins; a second phone column becomes the other phone)."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for index, header in enumerate(headers):
        code = _SYNONYMS.get(_key(header))
        if code == "phone" and "phone" in taken:
            code = "other_phone"
        if code and code not in taken:
            mapping[str(index)] = code
            taken.add(code)
    return mapping


def check_mapping(mapping: dict[str, str], headers: list[str], *, consent_declared: bool) -> None:
    """Each field once, at least one identifying column, and consent only with its proof."""
    used = [code for code in mapping.values() if code]
    for code in used:
        if code not in FIELDS_BY_CODE:
            raise ValidationFailed(
                _("Unknown field “%(code)s”.") % {"code": code}, code="crm.import.mapping_invalid"
            )
    for index in mapping:
        if not index.isdigit() or int(index) >= len(headers):
            raise ValidationFailed(
                _("Unknown column %(index)s.") % {"index": index}, code="crm.import.mapping_invalid"
            )
    doubles = sorted({code for code in used if used.count(code) > 1})
    if doubles:
        raise ValidationFailed(
            _("Each field can be taken from one column only: %(fields)s.")
            % {"fields": ", ".join(str(FIELDS_BY_CODE[c].label) for c in doubles)},
            code="crm.import.mapping_twice",
        )
    if not {"email", "phone", "last_name"} & set(used):
        raise ValidationFailed(
            _("Choose at least the column of the email, the phone or the last name."),
            code="crm.import.mapping_no_identity",
        )
    if "email_consent" in used and "consent_proof" not in used and not consent_declared:
        raise ValidationFailed(
            _(
                "Consents are imported only with their proof: choose the column giving their "
                "source, or declare below where they were collected."
            ),
            code="crm.import.consent_without_proof",
        )
