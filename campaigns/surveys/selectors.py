"""Reads of the post-show quiz: approved words (the show's page, newsletters), results."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Avg, Count

from .models import SpectatorWord, Survey, SurveyResponse


def approved_words(*, show_id: int | None = None, limit: int = 3) -> list[SpectatorWord]:
    """The latest approved words (of one show, or of any), newest moderation first; never of
    a contact since anonymised. For the show's page and the newsletter's "what the audience
    said" block."""
    words = SpectatorWord.objects.filter(
        status=SpectatorWord.Status.APPROVED,
        contact__isnull=False,
        contact__anonymised_at__isnull=True,
    )
    if show_id is not None:
        words = words.filter(show_id=show_id)
    return list(words.order_by("-moderated_at", "-id")[: max(0, min(limit, 50))])


def quotes_for_newsletter(
    *, show_id: int | None = None, limit: int = 3, language: str = ""
) -> list[dict]:
    """The newsletter's "what the audience said" block (campaigns.composer's QUOTE_PROVIDERS):
    the published words as they were written, whatever the email's language."""
    return [
        {"text": word.text, "author": word.display_name}
        for word in approved_words(show_id=show_id, limit=limit)
    ]


def answers_of_contact(contact_id: int) -> list[dict]:
    """A contact's quiz answers and words, for their data export (crm.privacy's registry)."""
    rows = SurveyResponse.objects.filter(invitation__contact_id=contact_id).select_related(
        "invitation", "word"
    )
    return [
        {
            "performance_id": r.invitation.performance_id,
            "show_id": r.invitation.show_id,
            "submitted_at": r.submitted_at.isoformat(),
            "answers": r.answers,
            "rating": r.rating,
            "words": r.words,
            "publish_consent": r.publish_consent,
            "words_status": getattr(getattr(r, "word", None), "status", ""),
        }
        for r in rows.order_by("submitted_at")
    ]


def pending_words(limit: int = 100) -> list[SpectatorWord]:
    return list(
        SpectatorWord.objects.filter(status=SpectatorWord.Status.PENDING).order_by(
            "created_at", "id"
        )[:limit]
    )


def recently_moderated(limit: int = 20) -> list[SpectatorWord]:
    return list(
        SpectatorWord.objects.exclude(status=SpectatorWord.Status.PENDING)
        .select_related("moderated_by")
        .order_by("-moderated_at")[:limit]
    )


@dataclass
class ShowResults:
    show_id: int | None
    title: str
    answers: int
    average_rating: float | None
    tastes: list[tuple[str, int]] = field(default_factory=list)


def results_by_show(survey: Survey) -> list[ShowResults]:
    """Per show: answers, average rating and how often each taste was chosen (one query for
    the figures, one for the choices, one for the titles)."""
    from ticketing.models import Show

    rows = (
        SurveyResponse.objects.filter(invitation__survey=survey)
        .values("invitation__show_id")
        .annotate(n=Count("id"), avg=Avg("rating"))
        .order_by("-n")
    )
    labels = {
        o["id"]: o["label"] for q in survey.questions if q["kind"] == "choice" for o in q["options"]
    }
    choice_ids = [q["id"] for q in survey.questions if q["kind"] == "choice"]
    counts: dict[int | None, Counter] = {}
    for show_id, answers in SurveyResponse.objects.filter(invitation__survey=survey).values_list(
        "invitation__show_id", "answers"
    ):
        counter = counts.setdefault(show_id, Counter())
        for qid in choice_ids:
            for oid in (answers or {}).get(qid, []):
                counter[labels.get(oid, oid)] += 1
    titles = dict(
        Show.objects.filter(pk__in=[r["invitation__show_id"] for r in rows]).values_list(
            "id", "title"
        )
    )
    return [
        ShowResults(
            show_id=r["invitation__show_id"],
            title=titles.get(r["invitation__show_id"], "—"),
            answers=r["n"],
            average_rating=round(r["avg"], 1) if r["avg"] is not None else None,
            tastes=counts.get(r["invitation__show_id"], Counter()).most_common(),
        )
        for r in rows
    ]
