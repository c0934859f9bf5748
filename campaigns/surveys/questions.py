"""The quiz's questions: what they may be (bounded where they enter) and the default quiz.

A question is {"id": "q1", "kind": "rating"|"choice"|"text", "label": str}; a choice has
"options": [{"id": "o1", "label": str, "kind": crm Affinity kind, "key": affinity key}]; a
rating is 1 to 5; a text answer comes with the "may we publish your words?" box. At most one
rating and one text question (they fill SurveyResponse.rating and .words)."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from crm.models import Affinity
from tenants.errors import ValidationFailed

KINDS = ("rating", "choice", "text")
MAX_QUESTIONS = 10
MAX_OPTIONS = 12
MAX_LABEL = 200
MAX_OPTION_LABEL = 80
MAX_KEY = 60
MAX_WORDS = 1000  # characters of a free-text answer
ID = re.compile(r"^[a-z0-9_]{1,20}$")


def _fail(message: str) -> None:
    raise ValidationFailed(message, code="campaigns.survey_questions_invalid", field="questions")


def clean_questions(questions) -> list[dict]:
    """The questions, checked and stripped of anything unknown; ValidationFailed otherwise."""
    if not isinstance(questions, list) or not 1 <= len(questions) <= MAX_QUESTIONS:
        _fail(_("A quiz has 1 to %(n)s questions.") % {"n": MAX_QUESTIONS})
    cleaned, ids, kinds = [], set(), []
    for question in questions:
        if not isinstance(question, dict):
            _fail(_("Each question is an object."))
        qid, kind = str(question.get("id", "")), question.get("kind")
        label = str(question.get("label", "")).strip()
        if not ID.match(qid) or qid in ids:
            _fail(_("Each question needs its own short id (a-z, 0-9, _)."))
        if kind not in KINDS:
            _fail(_("A question is a rating, a choice or a text."))
        if not label or len(label) > MAX_LABEL:
            _fail(_("A question's label has 1 to %(n)s characters.") % {"n": MAX_LABEL})
        ids.add(qid)
        kinds.append(kind)
        item = {"id": qid, "kind": kind, "label": label}
        if kind == "choice":
            item["options"] = _clean_options(question.get("options"))
        cleaned.append(item)
    if kinds.count("rating") > 1 or kinds.count("text") > 1:
        _fail(_("A quiz has at most one rating and one free-text question."))
    return cleaned


def _clean_options(options) -> list[dict]:
    if not isinstance(options, list) or not 2 <= len(options) <= MAX_OPTIONS:
        _fail(_("A choice has 2 to %(n)s options.") % {"n": MAX_OPTIONS})
    cleaned, ids = [], set()
    for option in options:
        if not isinstance(option, dict):
            _fail(_("Each option is an object."))
        oid = str(option.get("id", ""))
        label = str(option.get("label", "")).strip()
        kind = option.get("kind", Affinity.Kind.GENRE)
        key = str(option.get("key", "")).strip().lower()
        if not ID.match(oid) or oid in ids:
            _fail(_("Each option needs its own short id (a-z, 0-9, _)."))
        if not label or len(label) > MAX_OPTION_LABEL:
            _fail(_("An option's label has 1 to %(n)s characters.") % {"n": MAX_OPTION_LABEL})
        if kind not in Affinity.Kind.values:
            _fail(_("An option's taste is a genre, a theme or a keyword."))
        if not key or len(key) > MAX_KEY:
            _fail(_("An option's taste key has 1 to %(n)s characters.") % {"n": MAX_KEY})
        ids.add(oid)
        cleaned.append({"id": oid, "label": label, "kind": kind, "key": key})
    return cleaned


def default_questions() -> list[dict]:
    """The quiz every venue starts with (French: the venue edits it in the back office)."""
    return [
        {"id": "note", "kind": "rating", "label": "Quelle note donneriez-vous au spectacle ?"},
        {
            "id": "gouts",
            "kind": "choice",
            "label": "Qu'aimeriez-vous voir la saison prochaine ?",
            "options": [
                {"id": "theatre", "label": "Du théâtre", "kind": "genre", "key": "théâtre"},
                {"id": "danse", "label": "De la danse", "kind": "genre", "key": "danse"},
                {"id": "musique", "label": "De la musique", "kind": "genre", "key": "musique"},
                {"id": "cirque", "label": "Du cirque", "kind": "genre", "key": "cirque"},
                {
                    "id": "jeune",
                    "label": "Des spectacles jeune public",
                    "kind": "theme",
                    "key": "jeune public",
                },
                {"id": "humour", "label": "De l'humour", "kind": "theme", "key": "humour"},
            ],
        },
        {"id": "mots", "kind": "text", "label": "Un mot sur la soirée ?"},
    ]
