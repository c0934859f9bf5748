"""Demo of the post-show quiz (demo/seed.py VENUE_SEEDERS): the venue's quiz, and on a show
that played and plays again, a dozen spectators who answered it — tastes, ratings, and words
to publish, some approved (on the show's page), some waiting for moderation.

Idempotent: an invitation is made once per (contact, performance) and answered once; the words
are moderated only while pending. Every choice comes from `rng`."""

from __future__ import annotations

import random

from django.db import transaction
from django.utils import timezone

from .models import SpectatorWord
from .services import ensure_default_survey, invitation_for, moderate_word, submit_answers

WORDS = [
    "Une soirée magnifique, on en parle encore à la maison.",
    "Les comédiens étaient d'une justesse rare. Merci !",
    "J'y allais à reculons, j'en suis sortie ravie.",
    "Bouleversant. Ma fille de 14 ans a adoré aussi.",
    "Un peu long au milieu, mais quel final !",
    "La mise en scène est superbe, les lumières aussi.",
    "Première fois dans votre salle : accueil chaleureux, je reviendrai.",
]
ANSWERERS = 12
APPROVED = 4


def seed_venue(venue, rng: random.Random) -> None:
    local = random.Random(rng.randrange(2**32))  # noqa: S311 (demo data, reproducible)
    survey = ensure_default_survey()
    performance = _played_and_playing_again()
    if performance is None:
        return
    holders = _holders(performance.pk)[:ANSWERERS]
    choice = next(q for q in survey.questions if q["kind"] == "choice")
    rating = next((q for q in survey.questions if q["kind"] == "rating"), None)
    text = next((q for q in survey.questions if q["kind"] == "text"), None)
    with transaction.atomic():
        for n, contact_id in enumerate(holders):
            invitation = invitation_for(contact_id=contact_id, performance_id=performance.pk)
            if invitation.answered_at is not None:
                continue
            options = [o["id"] for o in choice["options"]]
            answers = {choice["id"]: local.sample(options, local.randint(1, 3))}
            if rating:
                answers[rating["id"]] = local.choice([3, 4, 4, 5, 5, 5])
            if text and n < len(WORDS):
                answers[text["id"]] = WORDS[n]
                answers["publish"] = True
            submit_answers(invitation_id=invitation.pk, answers=answers)
        pending = SpectatorWord.objects.filter(
            show_id=performance.show_id, status=SpectatorWord.Status.PENDING
        ).order_by("id")
        if (
            not SpectatorWord.objects.filter(show_id=performance.show_id)
            .exclude(status=SpectatorWord.Status.PENDING)
            .exists()
        ):
            for word in list(pending[:APPROVED]):
                moderate_word(word_id=word.pk, approve=True)


def _played_and_playing_again():
    """The latest past performance with ticket holders whose show has dates to come."""
    from ticketing.models import Performance, Ticket

    now = timezone.now()
    upcoming_shows = Performance.objects.filter(
        starts_at__gt=now, status__in=["on_sale", "sold_out", "rescheduled"]
    ).values("show_id")
    return (
        Performance.objects.filter(starts_at__lt=now, show_id__in=upcoming_shows)
        .filter(tickets__status=Ticket.Status.VALID, tickets__order__contact__isnull=False)
        .order_by("-starts_at")
        .first()
    )


def _holders(performance_id: int) -> list[int]:
    from ..notices.services import holders_of

    return holders_of(performance_id)
