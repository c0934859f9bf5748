"""Records and their normalised keys: names, email, phone, address, postcode, town, and a
French phonetic key. Pure Python, no database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from unidecode import unidecode


@dataclass(frozen=True, slots=True)
class Record:
    """A contact as the dedup engine sees it: CRM-like fields only, all optional."""

    id: object = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    street: str | None = None
    postcode: str | None = None
    town: str | None = None


@dataclass(frozen=True, slots=True)
class Normalized:
    """Keys derived from a Record (empty string = missing)."""

    first: str  # compact form: "jeanbaptiste"
    first_tokens: tuple[str, ...]  # ("jean", "baptiste")
    first_phon: str
    first_nicks: frozenset[str]  # canonical names this first name may stand for
    last: str  # compact form with particles: "delafontaine"
    last_core: str  # compact form without particles: "fontaine"
    last_tokens: tuple[str, ...]  # non-particle tokens
    last_phon: str
    email: str
    email_canonical: str  # without +tag; gmail without dots
    phone: str  # E.164
    street: str  # "12 rue saint jacques"
    street_number: str
    postcode: str
    town: str


PARTICLES = frozenset({"de", "du", "des", "le", "la", "les", "d", "l", "van", "von", "der", "del"})

# A small French table of diminutives and short forms. Each key is a normalised first name;
# values are the canonical names it may stand for (a short form can be ambiguous: "chris").
_NICKNAMES: dict[str, tuple[str, ...]] = {
    "alexandre": ("alex",),
    "alexandra": ("alex", "sandra"),
    "alexis": ("alex",),
    "benjamin": ("ben", "benji"),
    "catherine": ("cathy", "cath", "kathy", "cathou"),
    "christophe": ("chris", "christo"),
    "christine": ("chris", "titine"),
    "christian": ("chris",),
    "daniel": ("dan", "dany", "danny"),
    "danielle": ("dany",),
    "dominique": ("dom", "domi"),
    "elisabeth": ("babeth", "lisa", "elise", "betty", "zabeth"),
    "elizabeth": ("babeth", "lisa", "betty"),
    "emmanuel": ("manu",),
    "emmanuelle": ("manu", "manue"),
    "francois": ("fanfan", "franck"),
    "francoise": ("fanfan", "francette"),
    "frederic": ("fred",),
    "frederique": ("fred",),
    "guillaume": ("guigui", "will"),
    "isabelle": ("isa", "babelle"),
    "jacqueline": ("jacky",),
    "jacques": ("jacky", "jacquot"),
    "jeanne": ("jeannette", "jeannot"),
    "jean": ("jeannot",),
    "joseph": ("jo", "jojo", "jose"),
    "josephine": ("jo", "josie", "fifine"),
    "laurence": ("lolo",),
    "laurent": ("lolo",),
    "marie": ("mimi", "marion"),
    "mathieu": ("math", "matt", "matthieu"),
    "matthieu": ("math", "matt", "mathieu"),
    "maxime": ("max",),
    "maximilien": ("max",),
    "michel": ("mimi", "michou"),
    "michele": ("michou",),
    "nathalie": ("nath", "nat"),
    "nicolas": ("nico", "nic"),
    "nicole": ("nico", "nicou"),
    "patrick": ("pat", "patou"),
    "patricia": ("pat", "patou"),
    "philippe": ("phil", "fifi"),
    "pierre": ("pierrot",),
    "sebastien": ("seb", "bastien"),
    "stephane": ("steph",),
    "stephanie": ("steph", "fanny"),
    "sylvie": ("sylvie",),
    "thierry": ("titi",),
    "thomas": ("tom", "tommy", "thom"),
    "valerie": ("val", "valou"),
    "veronique": ("vero",),
    "vincent": ("vince", "vinz"),
    "antoine": ("toine", "tonio"),
    "anthony": ("tony",),
    "caroline": ("caro",),
    "charlotte": ("charlie", "lolotte"),
    "charles": ("charlie",),
    "guy": ("guy",),
    "julien": ("ju",),
    "juliette": ("ju", "juju"),
    "margaux": ("margot",),
    "marguerite": ("margot", "maguy"),
    "olivier": ("olive", "oli"),
    "raphael": ("raph",),
    "richard": ("richie",),
    "robert": ("bob", "bobby"),
    "william": ("will", "willy"),
    "victoria": ("vicky",),
    "virginie": ("virgi",),
    "xavier": ("xav",),
}
NICKNAMES: dict[str, frozenset[str]] = {}
for _canonical, _shorts in _NICKNAMES.items():
    NICKNAMES.setdefault(_canonical, frozenset())
    NICKNAMES[_canonical] |= {_canonical}
    for _short in _shorts:
        NICKNAMES[_short] = NICKNAMES.get(_short, frozenset()) | {_canonical}

_STREET_WORDS = {
    "av": "avenue",
    "ave": "avenue",
    "bd": "boulevard",
    "bld": "boulevard",
    "boul": "boulevard",
    "r": "rue",
    "pl": "place",
    "chem": "chemin",
    "ch": "chemin",
    "imp": "impasse",
    "all": "allee",
    "rte": "route",
    "fg": "faubourg",
    "fbg": "faubourg",
    "sq": "square",
    "st": "saint",
    "ste": "sainte",
    "pte": "porte",
    "qu": "quai",
    "crs": "cours",
    "res": "residence",
    "lot": "lotissement",
}
_TOWN_DROP = frozenset({"cedex"})
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_NON_ALPHA = re.compile(r"[^a-z]+")
_DIGITS = re.compile(r"\d+")


def ascii_lower(text: str | None) -> str:
    return unidecode(text).lower().strip() if text else ""


def name_tokens(text: str | None) -> list[str]:
    """Lowercase ASCII letter tokens; hyphens, apostrophes, dots and spaces all separate."""
    return [t for t in _NON_ALPHA.split(ascii_lower(text)) if t]


@lru_cache(maxsize=65536)
def french_phonetic(word: str) -> str:
    """A small phonetic key for French names, in the spirit of Soundex/Phonex but with French
    spelling rules: letters that sound the same share a code, silent letters are dropped.

    1. ASCII lowercase letters only (accents already removed);
    2. digraphs and context rules: ph→f, qu/q/ck/c(a,o,u)→k, c(e,i,y)/ç→s, g(e,i,y)→j, gu(e,i)→g,
       sch/sh/ch→ʃ (written x), gn→n, th→t, w→v, z→s, y→i, h is silent;
    3. vowel groups: eau/au/ault→o, ai/ei/è/ê→e, ou→u, final -er/-ez/-et→e;
       nasal an/am/en/em→A, in/im/ain/ein/un/um→I, on/om→O (before a consonant or at the end);
    4. silent final letters dropped (e, s, t, d, x, z, p), doubled letters collapsed.

    "Dupont" and "Dupond", "Renaud" and "Renault", "Lefebvre" and "Lefèvre", "Gauthier" and
    "Gautier", "Christophe" and "Kristof" share a key.
    """
    w = _NON_ALPHA.sub("", word)
    if not w:
        return ""
    rules = (
        ("chr", "kr"),
        ("sch", "x"),
        ("sh", "x"),
        ("ch", "x"),
        ("ph", "f"),
        ("th", "t"),
        ("gn", "n"),
        ("ck", "k"),
        ("qu", "k"),
        ("q", "k"),
        ("w", "v"),
        ("y", "i"),
        ("z", "s"),
        ("bv", "v"),
        ("ault", "o"),
        ("eaux", "o"),
        ("eau", "o"),
        ("aux", "o"),
        ("au", "o"),
        ("ai", "e"),
        ("ei", "e"),
        ("ou", "u"),
    )
    for old, new in rules:
        w = w.replace(old, new)
    w = re.sub(r"gu(?=[ei])", "g", w)
    w = re.sub(r"c(?=[eiy])", "s", w)
    w = w.replace("c", "k")
    w = re.sub(r"g(?=[eiy])", "j", w)
    w = re.sub(r"(?<=[^aeiou])h|^h|h(?=[^aeiou])|h$", "", w)
    w = re.sub(r"(er|ez|et)$", "e", w)
    w = re.sub(r"(ain|ein|in|im|un|um)(?=[^aeiou]|$)", "I", w)
    w = re.sub(r"(an|am|en|em)(?=[^aeiou]|$)", "A", w)
    w = re.sub(r"(on|om)(?=[^aeiou]|$)", "O", w)
    w = re.sub(r"(?<=.)[estdxzp]+$", "", w)
    w = re.sub(r"(.)\1+", r"\1", w)
    return w


def normalize_town(text: str | None) -> str:
    tokens = [t for t in _NON_ALNUM.split(ascii_lower(text)) if t]
    out = []
    for token in tokens:
        if token in _TOWN_DROP or token.isdigit() or re.fullmatch(r"\d+(e|er|eme)", token):
            continue  # "Cedex 07", "Paris 11e"
        out.append(_STREET_WORDS.get(token, token) if token in {"st", "ste"} else token)
    return " ".join(t for t in out if t not in {"sur", "les", "en", "de", "la", "le"})


def normalize_street(text: str | None) -> tuple[str, str]:
    tokens = [t for t in _NON_ALNUM.split(ascii_lower(text)) if t]
    words = [_STREET_WORDS.get(t, t) for t in tokens]
    numbers = [t for t in words if t[0].isdigit()]
    return " ".join(words), (numbers[0] if numbers else "")


def normalize_postcode(text: str | None) -> str:
    digits = "".join(_DIGITS.findall(text or ""))
    if len(digits) == 4:  # a French postcode whose leading zero a spreadsheet ate
        digits = "0" + digits
    return digits


def normalize_email(text: str | None) -> tuple[str, str]:
    email = (text or "").strip().lower()
    if "@" not in email:
        return "", ""
    local, _, domain = email.rpartition("@")
    local_canonical = local.split("+", 1)[0]
    if domain in {"gmail.com", "googlemail.com"}:
        domain = "gmail.com"
        local_canonical = local_canonical.replace(".", "")
    return email, f"{local_canonical}@{domain}"


def normalize_phone(text: str | None, region: str = "FR") -> str:
    if not text or not text.strip():
        return ""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _first_name_forms(tokens: list[str]) -> frozenset[str]:
    compact = "".join(tokens)
    forms = set(NICKNAMES.get(compact, ()))
    if len(tokens) > 1:  # "Jean-Baptiste" is also "JB"
        forms.add("".join(t[0] for t in tokens))
        forms.add(compact)
    elif len(compact) in (2, 3) and compact not in NICKNAMES:
        forms.add(compact)  # "jb" as written
    if compact in NICKNAMES:
        forms.add(compact)
    return frozenset(forms)


def normalize(record: Record) -> Normalized:
    first_tokens = name_tokens(record.first_name)
    last_all = name_tokens(record.last_name)
    last_tokens = [t for t in last_all if t not in PARTICLES] or last_all
    email, email_canonical = normalize_email(record.email)
    street, number = normalize_street(record.street)
    first = "".join(first_tokens)
    last_core = "".join(last_tokens)
    return Normalized(
        first=first,
        first_tokens=tuple(first_tokens),
        first_phon=french_phonetic(first),
        first_nicks=_first_name_forms(first_tokens),
        last="".join(last_all),
        last_core=last_core,
        last_tokens=tuple(last_tokens),
        last_phon=french_phonetic(last_core),
        email=email,
        email_canonical=email_canonical,
        phone=normalize_phone(record.phone),
        street=street,
        street_number=number,
        postcode=normalize_postcode(record.postcode),
        town=normalize_town(record.town),
    )
