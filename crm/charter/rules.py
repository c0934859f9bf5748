"""The data-entry charter's rules, in one place: how typed identity values are normalised
(names, phones, postcodes, emails), which formats are checked, and which fields staff must
fill. crm.contacts (back office, API, imports) and crm.services.find_or_create_contact (the
counter, the web) call these and nothing else.

Always applied, whatever the charter says (matching and segments depend on them):
    emails checked and matched lower-cased; phones stored as E.164 (+33612345678); a French
    postcode without inner spaces, its leading zero restored ("1000" → "01000"), and the
    département derived from it (crm.geo.department_of).
Chosen by the venue (crm.charter.models.DataCharter):
    how names are written (capitalised, last name in capitals, or as typed), whether a
    French postcode must have five digits, whether a phone number must exist in the
    numbering plan (not only have the right length), and which fields are required.
Required fields and strict formats bind staff entering a contact (back office, API,
imports, the counter when it creates a contact); a spectator typing their own details on
the storefront only gets the normalisation.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from tenants import generations
from tenants.errors import ValidationFailed

from ..geo import department_of
from .models import DataCharter, NameStyle, RequiredField

try:  # E.164 through libphonenumber when the dependency is installed.
    import phonenumbers
except ImportError:  # pragma: no cover - depends on the environment
    phonenumbers = None

DEFAULT_PHONE_REGION = "FR"
_CHARTER = generations.LocalCache("crm_data_charter", size=512)


def current_charter() -> DataCharter:
    """The venue's charter (read only; crm.charter.services.update_charter writes it), kept
    in this process while the venue's generation holds; the defaults if never saved."""
    found = _CHARTER.get("current")
    if isinstance(found, DataCharter):
        return found
    found = DataCharter.objects.filter(singleton=True).first() or DataCharter()
    _CHARTER.set("current", found)
    return found


# --- Names ---------------------------------------------------------------------------------
# Lower case in a name ("de Gaulle", "d'Ormesson", "van der Berg") unless the last word.
PARTICLES = frozenset({"de", "du", "des", "d'", "von", "van", "der"})
_WORD = re.compile(r"([\s\-']+)")


def capitalise_name(name: str) -> str:
    """ "JEAN-PIERRE" → "Jean-Pierre", "DE LA FONTAINE" → "de la Fontaine", "d'ormesson" →
    "d'Ormesson"… only when the name was typed all in capitals or all in lower case: a mixed
    spelling ("McBride", "DiCaprio", "Le Goff") is the person's own and stays."""
    name = " ".join((name or "").split())
    if not name or not (name.isupper() or name.islower()):
        return name
    parts = _WORD.split(name.lower())
    words = [i for i, part in enumerate(parts) if part and not _WORD.fullmatch(part)]
    out = list(parts)
    previous = ""
    for position, index in enumerate(words):
        part = parts[index]
        following = parts[index + 1] if index + 1 < len(parts) else ""
        last = position == len(words) - 1
        particle = (part in PARTICLES or (part == "d" and following.startswith("'"))) or (
            part in ("la", "le", "l") and previous in ("de", "d")
        )
        out[index] = part if particle and not last else part[:1].upper() + part[1:]
        previous = part
    return "".join(out)


def style_name(name: str, *, last: bool, charter: DataCharter) -> str:
    """A first or last name written as the venue's charter says (spaces always tidied)."""
    name = " ".join((name or "").split())
    if charter.name_style == NameStyle.AS_TYPED:
        return name
    if charter.name_style == NameStyle.UPPER_LAST and last:
        return name.upper()
    return capitalise_name(name)


# --- Postcodes -----------------------------------------------------------------------------
def normalise_postcode(postcode: str, country: str = "FR") -> str:
    """Upper case without inner spaces for France ("75 011" → "75011"); a French postcode
    read as a number by a spreadsheet ("1000") gets its leading zero back."""
    code = " ".join((postcode or "").split()).upper()
    if (country or "FR").upper() == "FR":
        code = code.replace(" ", "")
        if code.isdigit() and len(code) == 4:
            code = "0" + code
    return code


def check_postcode(postcode: str, country: str, *, charter: DataCharter) -> None:
    if (
        charter.strict_postcode
        and postcode
        and (country or "FR").upper() == "FR"
        and not re.fullmatch(r"\d{5}", postcode)
    ):
        raise ValidationFailed(
            _("“%(postcode)s” is not a French postcode (five digits).") % {"postcode": postcode},
            code="crm.charter.postcode_format",
            field="postcode",
        )


def department_for(postcode: str, country: str = "FR") -> str:
    return department_of(postcode, country)


# --- Phones --------------------------------------------------------------------------------
def normalize_phone(
    phone: str | None, *, region: str = DEFAULT_PHONE_REGION, strict: bool = False
) -> str:
    """A phone number as E.164 (`+33612345678`), or "" when none was given. `strict`: the
    number must exist in the numbering plan, not only have a possible length."""
    raw = (phone or "").strip()
    if not raw:
        return ""
    invalid = ValidationFailed(
        _("“%(phone)s” is not a valid phone number.") % {"phone": raw},
        code="crm.phone_invalid",
        field="phone",
    )
    if phonenumbers is not None:
        try:
            parsed = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            raise invalid from None
        # "Possible" (right length for the country), not "valid", unless the charter asks:
        # the metadata lags behind new number ranges, and the counter must never refuse a
        # number someone gives.
        if not phonenumbers.is_possible_number(parsed):
            raise invalid
        if strict and not phonenumbers.is_valid_number(parsed):
            raise invalid
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return _normalize_phone_simply(raw, invalid)


def _normalize_phone_simply(raw: str, invalid: ValidationFailed) -> str:
    """Fallback without libphonenumber: international numbers as typed, French national ones
    (0X XX XX XX XX) converted; length checked, numbering plan not."""
    compact = re.sub(r"[\s.\-/()]", "", raw.replace("(0)", ""))
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if re.fullmatch(r"0[1-9]\d{8}", compact):
        compact = "+33" + compact[1:]
    if compact.startswith("+330"):  # "+33 0X…" typed with the trunk zero
        compact = "+33" + compact[4:]
    if not re.fullmatch(r"\+[1-9]\d{7,14}", compact):
        raise invalid
    if compact.startswith("+33") and len(compact) != 12:
        raise invalid
    return compact


# --- Emails --------------------------------------------------------------------------------
def normalize_email(email: str | None) -> str:
    """The matching key of an address: surrounding spaces removed, lowercased."""
    return (email or "").strip().lower()


def clean_email(email: str | None) -> tuple[str, str]:
    """(the address as typed, its matching key); raises ValidationFailed when malformed."""
    typed = (email or "").strip()
    if not typed:
        return "", ""
    try:
        validate_email(typed)
    except ValidationError:
        raise ValidationFailed(
            _("“%(email)s” is not a valid email address.") % {"email": typed},
            code="crm.email_invalid",
            field="email",
        ) from None
    return typed, normalize_email(typed)


# --- The whole identity ------------------------------------------------------------------
def normalise_identity(
    values: dict, *, charter: DataCharter | None = None, staff: bool = True
) -> dict:
    """`values` with its names, postcode and phones normalised as the charter says (only the
    keys present; others untouched). `staff`: the charter's strict formats are checked too.
    Raises ValidationFailed naming the field."""
    charter = charter or current_charter()
    clean = dict(values)
    for name in ("first_name", "last_name"):
        if name in clean:
            clean[name] = style_name(clean[name], last=name == "last_name", charter=charter)
    if "postcode" in clean:
        country = clean.get("country") or "FR"
        clean["postcode"] = normalise_postcode(clean["postcode"], country)
        if staff:
            check_postcode(clean["postcode"], country, charter=charter)
    for name in ("phone", "other_phone"):
        if name in clean:
            try:
                clean[name] = normalize_phone(clean[name], strict=staff and charter.strict_phone)
            except ValidationFailed as error:
                error.field = name
                raise
    return clean


REQUIRED_MESSAGES = {
    RequiredField.EMAIL: lambda: _("The venue's charter requires an email."),
    RequiredField.PHONE: lambda: _("The venue's charter requires a phone number."),
    RequiredField.FIRST_NAME: lambda: _("The venue's charter requires a first name."),
    RequiredField.LAST_NAME: lambda: _("The venue's charter requires a last name."),
    RequiredField.POSTCODE: lambda: _("The venue's charter requires a postcode."),
    RequiredField.CITY: lambda: _("The venue's charter requires a town."),
    RequiredField.ADDRESS: lambda: _("The venue's charter requires an address."),
}


def missing_fields(values: dict, *, charter: DataCharter | None = None) -> list[str]:
    """The charter's required fields blank in `values` (a contact's final values), in the
    charter's order ("email_or_phone" when neither is there)."""
    charter = charter or current_charter()
    missing = []
    for code in charter.required_fields:
        if code == RequiredField.EMAIL_OR_PHONE:
            if not (values.get("email") or values.get("phone")):
                missing.append(code)
        elif not values.get(code):
            missing.append(code)
    return missing


def check_required(values: dict, *, charter: DataCharter | None = None) -> None:
    """Raise ValidationFailed (code crm.charter.required, the field named) for the first
    required field blank in `values`, a contact's values once written."""
    missing = missing_fields(values, charter=charter)
    if not missing:
        return
    code = missing[0]
    if code == RequiredField.EMAIL_OR_PHONE:
        raise ValidationFailed(
            _("The venue's charter requires an email or a phone number."),
            code="crm.charter.email_or_phone",
            field="email",
        )
    raise ValidationFailed(REQUIRED_MESSAGES[code](), code="crm.charter.required", field=code)
