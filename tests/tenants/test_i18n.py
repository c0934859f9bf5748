"""French by default, English on request; the French catalogue is complete and compiled."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db

LOCALE_DIR = Path(settings.BASE_DIR) / "config" / "locale" / "fr" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"


# --- A plain .po reader (polib is not a dependency) -------------------------------------------
def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), f"malformed .po line: {text!r}"
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), text[1:-1])


def parse_po(path: Path) -> list[dict]:
    """Entries as {"msgid", "msgid_plural", "msgstr": [..], "flags": set, "line"}.

    Obsolete entries (`#~`) are ignored: gettext never uses them.
    """
    entries: list[dict] = []
    entry: dict | None = None
    flags: set[str] = set()
    context: str | None = None
    field = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith("#"):
            continue
        if line.startswith("msgctxt "):
            context = _unquote(line[len("msgctxt ") :])
            continue
        if line.startswith("msgid "):
            entry = {
                "msgid": "",
                "msgid_plural": None,
                "msgstr": [],
                "flags": flags,
                "line": number,
                "context": context,
            }
            context = None
            entries.append(entry)
            flags = set()
            field = "msgid"
            entry["msgid"] = _unquote(line[len("msgid ") :])
        elif line.startswith("msgid_plural "):
            field = "msgid_plural"
            entry["msgid_plural"] = _unquote(line[len("msgid_plural ") :])
        elif line.startswith("msgstr"):
            keyword, _space, value = line.partition(" ")
            field = "msgstr"
            entry["msgstr"].append(_unquote(value))
            assert keyword == "msgstr" or keyword.startswith("msgstr["), line
        elif line.startswith('"'):
            if field == "msgstr":
                entry["msgstr"][-1] += _unquote(line)
            else:
                entry[field] += _unquote(line)
        else:
            raise AssertionError(f"{path}:{number}: unexpected line {raw!r}")
    return entries


def _messages() -> list[dict]:
    return [e for e in parse_po(PO_FILE) if e["msgid"]]  # the header has an empty msgid


PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifrx]|\{\{\s*\w+\s*\}\}")


# --- The catalogue ----------------------------------------------------------------------------
def test_the_po_reader_sees_what_gettext_sees(tmp_path):
    """Guards the helper itself: a .po with a fuzzy and an empty entry is read as such."""
    path = tmp_path / "sample.po"
    path.write_text(
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n\n'
        '#, fuzzy, python-format\nmsgid "Hello %(name)s"\nmsgstr "Bonjour %(name)s"\n\n'
        'msgid ""\n"Two "\n"lines"\nmsgstr ""\n\n'
        '#~ msgid "old"\n#~ msgstr ""\n',
        encoding="utf-8",
    )
    entries = parse_po(path)
    assert [e["msgid"] for e in entries] == ["", "Hello %(name)s", "Two lines"]
    assert entries[1]["flags"] == {"fuzzy", "python-format"}
    assert entries[2]["msgstr"] == [""]


def test_every_message_is_translated_and_none_is_fuzzy():
    messages = _messages()
    assert len(messages) > 100, "the French catalogue looks truncated"
    untranslated = [e["msgid"] for e in messages if not all(e["msgstr"])]
    fuzzy = [e["msgid"] for e in messages if "fuzzy" in e["flags"]]
    assert not untranslated, f"untranslated msgids (run `make messages`, translate): {untranslated}"
    assert not fuzzy, f"fuzzy entries to review in {PO_FILE.name}: {fuzzy}"
    header = parse_po(PO_FILE)[0]
    assert "fuzzy" not in header["flags"]
    assert "Language: fr" in header["msgstr"][0]


def test_translations_keep_every_placeholder():
    """The singular form keeps the msgid's placeholders, the plural forms the msgid_plural's
    (a singular may leave out the count: "The first row of %(total)s")."""
    for entry in _messages():
        for index, msgstr in enumerate(entry["msgstr"]):
            source = entry["msgid"] if index == 0 else entry["msgid_plural"] or entry["msgid"]
            expected = sorted(PLACEHOLDER.findall(source))
            assert sorted(PLACEHOLDER.findall(msgstr)) == expected, entry["msgid"]


def test_the_compiled_catalogue_matches_the_po():
    """The .mo Django loads is compiled from the current .po (run `make messages` after edits)."""
    with MO_FILE.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)

    def compiled_text(entry) -> str:
        if entry["context"]:
            return compiled.pgettext(entry["context"], entry["msgid"])
        return compiled.gettext(entry["msgid"])

    stale = [
        e["msgid"]
        for e in _messages()
        if e["msgid_plural"] is None and compiled_text(e) != e["msgstr"][0]
    ]
    assert not stale, f"django.mo is older than django.po for: {stale}"


# --- What people see --------------------------------------------------------------------------
def test_a_venue_page_is_in_french_by_default(venue_a, client_for):
    response = client_for(venue_a).get("/accounts/login/")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr">' in page
    assert "<h1>Connexion</h1>" in page
    assert "Log in" not in page


def test_an_unsupported_browser_language_falls_back_to_french(venue_a, client_for):
    page = client_for(venue_a).get("/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").content.decode()
    assert "Programmation" in page
    assert "Programme<" not in page


def test_english_is_served_when_the_browser_asks_for_it(venue_a, client_for):
    page = (
        client_for(venue_a)
        .get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
        .content.decode()
    )
    assert '<html lang="en">' in page
    assert "<h1>Log in</h1>" in page
    assert "Connexion" not in page


def test_choosing_english_with_the_language_switch_sticks(venue_a, client_for):
    client = client_for(venue_a)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"

    page = client.get("/accounts/login/").content.decode()
    assert "<h1>Log in</h1>" in page

    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert "<h1>Connexion</h1>" in client.get("/accounts/login/").content.decode()


def test_a_translated_python_message_reaches_the_page(venue_a, client_for):
    """Strings from Python code (model choices, form labels) are translated too."""
    page = client_for(venue_a).get("/accounts/login/").content.decode()
    assert "E-mail" in page  # EmailAuthenticationForm's label


def test_the_unknown_host_page_is_in_french_by_default():
    response = Client(HTTP_HOST=f"nowhere.{settings.PARTERRE_BASE_DOMAIN}").get("/")
    assert response.status_code == 404
    assert "Aucune salle à cette adresse" in response.content.decode()
