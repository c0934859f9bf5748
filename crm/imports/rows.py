"""One row of a contact file: its values checked and normalised, or the reason it is
rejected. Pure functions (no query), shared by the preview and the import itself."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unidecode import unidecode

from crm.charter import rules as charter_rules
from crm.charter.models import DataCharter
from crm.contacts import normalise_values
from crm.models import ContactType, Language
from tenants.errors import ValidationFailed

from .mapping import FIELDS_BY_CODE

# Reason codes of a rejected row, in words (the rejected rows' file and the screens).
REASONS = {
    "empty": gettext_lazy("Empty row"),
    "malformed": gettext_lazy("More values than columns"),
    "too_long": gettext_lazy("Value too long"),
    "email_invalid": gettext_lazy("Invalid email"),
    "phone_invalid": gettext_lazy("Invalid phone number"),
    "language_invalid": gettext_lazy("Unknown language"),
    "type_invalid": gettext_lazy("Unknown contact type"),
    "consent_invalid": gettext_lazy("Unreadable consent"),
    "consent_without_proof": gettext_lazy("Consent without proof"),
    "no_identity": gettext_lazy("No identity"),
    "duplicate_in_file": gettext_lazy("Duplicate within the file"),
    "email_taken": gettext_lazy("Email held by another contact"),
    "charter": gettext_lazy("Breaks the data-entry charter"),
}

_YES = {"1", "oui", "o", "yes", "y", "true", "vrai", "x", "ok", "opt in", "optin", "inscrit"}
_NO = {"0", "non", "n", "no", "false", "faux", "opt out", "optout", "desinscrit", "refus"}
_LANGUAGES = {
    "fr": Language.FR,
    "francais": Language.FR,
    "french": Language.FR,
    "fra": Language.FR,
    "en": Language.EN,
    "anglais": Language.EN,
    "english": Language.EN,
    "eng": Language.EN,
}
_TYPES = {
    "spectateur": ContactType.SPECTATOR,
    "spectatrice": ContactType.SPECTATOR,
    "public": ContactType.SPECTATOR,
    "spectator": ContactType.SPECTATOR,
    "professionnel": ContactType.PROFESSIONAL,
    "professionnelle": ContactType.PROFESSIONAL,
    "pro": ContactType.PROFESSIONAL,
    "professional": ContactType.PROFESSIONAL,
    "presse": ContactType.PRESS,
    "journaliste": ContactType.PRESS,
    "press": ContactType.PRESS,
    "relais": ContactType.RELAY,
    "prescripteur": ContactType.RELAY,
    "prescriptrice": ContactType.RELAY,
    "relay": ContactType.RELAY,
    "partenaire": ContactType.PARTNER,
    "partner": ContactType.PARTNER,
    "artiste": ContactType.ARTIST,
    "artist": ContactType.ARTIST,
}
_COUNTRIES = {
    "france": "FR",
    "belgique": "BE",
    "belgium": "BE",
    "suisse": "CH",
    "switzerland": "CH",
    "luxembourg": "LU",
    "allemagne": "DE",
    "germany": "DE",
    "espagne": "ES",
    "spain": "ES",
    "italie": "IT",
    "italy": "IT",
    "royaume uni": "GB",
    "united kingdom": "GB",
    "uk": "GB",
}


def _word(value: str) -> str:
    return " ".join(unidecode(value).lower().replace("-", " ").replace("_", " ").split())


@dataclass
class Rejection:
    code: str
    message: str

    @property
    def label(self) -> str:
        return str(REASONS.get(self.code, self.code))


@dataclass
class ParsedRow:
    values: dict = field(default_factory=dict)  # normalised contact values (crm.contacts)
    consent: bool | None = None
    consent_proof: str = ""

    def identity_keys(self) -> list[tuple]:
        """The keys two rows of one file are the same person by (exact, normalised)."""
        keys = []
        if self.values.get("email_normalized"):
            keys.append(("email", self.values["email_normalized"]))
        if self.values.get("phone"):
            keys.append(("phone", self.values["phone"]))
        first, last = (
            _word(self.values.get("first_name", "")),
            _word(self.values.get("last_name", "")),
        )
        if first and last and self.values.get("postcode"):
            keys.append(("name", first, last, self.values["postcode"]))
        return keys


def _reject(code: str, message: str) -> Rejection:
    return Rejection(code, message)


def parse_row(
    cells: list[str],
    mapping: dict[str, str],
    *,
    width: int,
    consent_declared: bool,
    charter: DataCharter | None = None,
) -> ParsedRow | Rejection:
    """`cells` as read, `mapping` {column index: field code}, `width` the header's number of
    columns, `charter` the venue's data-entry charter (read once per file by the caller). The
    first problem found is the row's reason."""
    charter = charter or DataCharter()
    if not any(cells):
        return _reject("empty", _("The row is empty."))
    if any(cells[width:]):
        return _reject(
            "malformed",
            _("The row has %(n)s values for %(width)s columns.")
            % {"n": len(cells), "width": width},
        )
    raw: dict[str, str] = {}
    for index, code in mapping.items():
        if code:
            position = int(index)
            raw[code] = cells[position] if position < len(cells) else ""
    for code, value in raw.items():
        limit = FIELDS_BY_CODE[code].max_length
        if len(value) > limit:
            return _reject(
                "too_long",
                _("%(field)s has %(n)s characters (at most %(max)s).")
                % {"field": FIELDS_BY_CODE[code].label, "n": len(value), "max": limit},
            )
    values: dict = {k: v for k, v in raw.items() if k not in ("email_consent", "consent_proof")}
    if "language" in values:
        language = _LANGUAGES.get(_word(values["language"])) if values["language"] else "fr"
        if language is None:
            return _reject(
                "language_invalid",
                _("Unknown language “%(value)s”.") % {"value": values["language"]},
            )
        values["language"] = language
    if "contact_types" in values:
        types = []
        for part in values["contact_types"].replace(";", ",").replace("/", ",").split(","):
            if not part.strip():
                continue
            kind = _TYPES.get(_word(part).rstrip("s")) or _TYPES.get(_word(part))
            if kind is None:
                return _reject(
                    "type_invalid", _("Unknown contact type “%(value)s”.") % {"value": part}
                )
            types.append(kind)
        values["contact_types"] = types
    if "tags" in values:
        values["tags"] = [t.strip()[:50] for t in values["tags"].replace(";", ",").split(",")]
    if "country" in values:
        country = values["country"]
        values["country"] = (
            _COUNTRIES.get(_word(country))
            or (country.upper() if len(country) == 2 and country.isalpha() else "")
            or ("FR" if not country else "")
        )
        if not values["country"]:
            values.pop("country")  # unknown: the contact keeps the venue's default
    try:
        clean = normalise_values(values, charter=charter)
    except ValidationFailed as error:
        kind = "email_invalid" if error.field == "email" else "phone_invalid"
        if error.code.startswith("crm.charter."):
            kind = "charter"
        elif error.field not in ("email", "phone", "other_phone"):
            kind = "type_invalid"
        return _reject(kind, error.message)
    parsed = ParsedRow(values=clean)
    consent = raw.get("email_consent", "")
    if consent:
        word = _word(consent)
        if word in _YES:
            parsed.consent = True
        elif word in _NO:
            parsed.consent = False
        else:
            return _reject(
                "consent_invalid",
                _("“%(value)s” does not say yes or no to the newsletter.") % {"value": consent},
            )
        parsed.consent_proof = raw.get("consent_proof", "")
        if parsed.consent and not parsed.consent_proof and not consent_declared:
            return _reject(
                "consent_without_proof",
                _("The newsletter consent has no source: it cannot be imported."),
            )
    has_name = clean.get("last_name") and (
        clean.get("first_name") or clean.get("postcode") or clean.get("city")
    )
    if not (clean.get("email") or clean.get("phone") or has_name):
        return _reject(
            "no_identity",
            _("Neither an email, a phone, nor a last name with a first name or a town."),
        )
    try:
        charter_rules.check_required(clean, charter=charter)
    except ValidationFailed as error:
        return _reject("charter", error.message)
    return parsed
