"""Contact search: the counter's buyer search and the contact list's search box.

Any of name, email, phone or postcode; accent- and case-insensitive ("helene" finds Hélène),
tolerant of a typo ("Dupond" finds Dupont), names in either order, in one SQL query served by
the indexes of migrations crm 0002 and 0003: trigram GIN on the unaccented full name
(substrings), on the first and on the last name (similarity, for typos), on the email and on
the phone (substrings); btree prefix on the postcode.

Every word of the query must match the contact (part of its name, or its first or last name
give or take a typo; part of its email; the start of its postcode; part of its phone number),
so a postcode or a first name narrows the list. A query that is a phone number
("06 12 34 56 78", "+33 6 12…") is one term. Ranking: exact email or phone first, then how
closely the full name resembles the query (trigram similarity, which ignores word order), then
alphabetical order.

Hand-written SQL: the conditions must repeat the indexed expressions exactly, which the ORM's
Concat and Unaccent would not; measured by `python manage.py bench_contact_search`.
"""

from __future__ import annotations

import re

from django.db.models.expressions import RawSQL

from .models import Contact

SEARCH_LIMIT = 20
MAX_QUERY_LENGTH = 200
MAX_WORDS = 6
# Words shorter than this give PostgreSQL no trigram to look up: they only filter the rows the
# other words found (or, alone, are looked up as a postcode or a name prefix).
MIN_INDEXED_WORD = 3
MIN_PHONE_DIGITS = 4
# From this many digits, a phone query ending a contact's number is "the" number (exact match).
EXACT_PHONE_DIGITS = 8

# Exactly the expressions indexed by crm_contact_name_trgm, crm_contact_first_name_trgm and
# crm_contact_last_name_trgm (migrations 0002 and 0003).
NAME = "lower(crm_unaccent(c.first_name || ' ' || c.last_name))"
FIRST = "lower(crm_unaccent(c.first_name))"
LAST = "lower(crm_unaccent(c.last_name))"
PHONE_QUERY = re.compile(r"\+?[\d\s.\-/()]+")
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _like(text: str) -> str:
    """`text` with LIKE's wildcards escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _phone_digits(query: str) -> str:
    """Digits to look for in E.164 numbers: "06 12 34…" → "61234…" (the trunk zero dropped),
    "0044 20…" → "4420…", "+33 6 12…" → "33612…"."""
    digits = re.sub(r"\D", "", query)
    if digits.startswith("00"):
        return digits[2:]
    return digits[1:] if digits.startswith("0") else digits


def _word_condition(word: str, n: int, params: dict[str, object]) -> tuple[str, str | None]:
    """SQL saying "word n matches the contact" as typed, and "… give or take a typo" (None
    when the word is no name); adds the parameters to `params`."""
    key = f"w{n}"
    escaped = _like(word)
    params[f"{key}_postcode"] = escaped.upper() + "%"
    if len(word) < MIN_INDEXED_WORD:
        params[f"{key}_start"] = escaped + "%"
        params[f"{key}_inner"] = "% " + escaped + "%"
        exact = (
            f"({NAME} LIKE lower(crm_unaccent(%({key}_start)s))"
            f" OR {NAME} LIKE lower(crm_unaccent(%({key}_inner)s))"
            f" OR c.postcode LIKE %({key}_postcode)s)"
        )
        return exact, None
    params[f"{key}_email"] = "%" + escaped.lower() + "%"
    conditions = [f"c.email_normalized LIKE %({key}_email)s"]
    typo = None
    # "@" or "." (jean.dupont@…, helene.lef): a piece of an email, not a name or a postcode.
    is_email = "@" in word or "." in word.strip(".")
    if not is_email and any(char.isalpha() for char in word):
        params[key] = word
        params[f"{key}_part"] = "%" + escaped + "%"
        conditions.append(f"{NAME} LIKE lower(crm_unaccent(%({key}_part)s))")
        typo = (
            f"lower(crm_unaccent(%({key})s)) %% {FIRST} OR lower(crm_unaccent(%({key})s)) %% {LAST}"
        )
    if not is_email:
        conditions.append(f"c.postcode LIKE %({key}_postcode)s")
    digits = _phone_digits(word)
    if PHONE_QUERY.fullmatch(word) and len(digits) >= MIN_PHONE_DIGITS:
        params[f"{key}_phone"] = "%" + digits + "%"
        conditions.append(f"c.phone LIKE %({key}_phone)s")
    exact = " OR ".join(conditions)
    return f"({exact})", None if typo is None else f"({exact} OR {typo})"


def _conditions(query: str, params: dict[str, object]) -> tuple[str, str | None]:
    """The WHERE clauses of the query as typed and, when it has a name in it, give or take a
    typo (None otherwise)."""
    if PHONE_QUERY.fullmatch(query):
        # A number: a phone (from 4 digits) or the start of a postcode.
        compact = re.sub(r"[\s.\-/()]", "", query)
        params["postcode"] = _like(compact) + "%"
        digits = _phone_digits(query)
        if len(digits) < MIN_PHONE_DIGITS:
            return "c.postcode LIKE %(postcode)s", None
        params["phone"] = "%" + digits + "%"
        if len(digits) >= EXACT_PHONE_DIGITS:
            params["exact_phone"] = "%" + digits
        return "(c.phone LIKE %(phone)s OR c.postcode LIKE %(postcode)s)", None
    words = query.split()[:MAX_WORDS]
    pairs = [_word_condition(word, n, params) for n, word in enumerate(words)]
    exact = " AND ".join(exact for exact, _typo in pairs)
    if all(typo is None for _exact, typo in pairs):
        return exact, None
    return exact, " AND ".join(typo or exact for exact, typo in pairs)


def _matches(query: str, params: dict[str, object]) -> str:
    """A SELECT of the contacts `query` finds, unordered; fills `params`."""
    exact, typo = _conditions(query, params)
    matches = f"SELECT c.* FROM crm_contact c WHERE {exact}"  # noqa: S608 (see the end)
    if typo is not None:
        # Misspelt names are looked for only when the query as typed finds nobody: the
        # similar names ("marie" ~ Marine, Maria…) would bury the exact ones and cost a
        # recheck of thousands of rows. PostgreSQL runs the second branch only if the first
        # is empty (a one-time filter).
        matches = f"""
            WITH exact AS MATERIALIZED ({matches})
            SELECT * FROM exact
            UNION ALL
            SELECT c.* FROM crm_contact c
            WHERE NOT EXISTS (SELECT FROM exact) AND {typo}
        """  # noqa: S608
    # Only placeholders and this module's constants are interpolated.
    return matches


def _normalize(query: str | None) -> str:
    return " ".join((query or "").split())[:MAX_QUERY_LENGTH]


def search_contacts(query: str, *, limit: int = SEARCH_LIMIT) -> list[Contact]:
    """The active contacts of the current venue matching `query` (see the module), best
    first, at most `limit`: one SQL query."""
    query = _normalize(query)
    if not query or limit <= 0:
        return []
    params: dict[str, object] = {"query": query, "email": query.lower(), "limit": limit}
    params["exact_phone"] = ""
    # A contact merged into another is not offered (its history is on the kept one).
    sql = f"""
        SELECT c.* FROM ({_matches(query, params)}) c
        WHERE c.merged_into_id IS NULL
        ORDER BY
            (c.email_normalized = %(email)s
             OR (%(exact_phone)s <> '' AND c.phone LIKE %(exact_phone)s)) DESC,
            similarity(lower(crm_unaccent(%(query)s)), {NAME}) DESC,
            c.last_name, c.first_name, c.id
        LIMIT %(limit)s
    """  # noqa: S608
    return list(Contact.objects.raw(sql, params))


def matching_contact_ids(query: str) -> RawSQL | None:
    """The ids of every contact `query` finds (same rules, unranked, unlimited) as a subquery,
    for lists of other things by their contact: `Q(contact_id__in=matching_contact_ids(q))`.
    None for an empty query."""
    query = _normalize(query)
    if not query:
        return None
    named: dict[str, object] = {"exact_phone": ""}
    sql = f"SELECT m.id FROM ({_matches(query, named)}) m"  # noqa: S608
    # RawSQL takes positional parameters: the named ones in the order they appear.
    positional = [named[name] for name in _PLACEHOLDER.findall(sql)]
    return RawSQL(_PLACEHOLDER.sub("%s", sql), positional)  # noqa: S611 (values are parameters)
