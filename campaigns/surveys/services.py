"""Writes of the post-show quiz: the venue's quiz, invitations, answers, moderation."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import services as crm_services
from crm.models import Contact
from crm.surveys_timeline import record_survey_answered, update_survey_answered
from tenants.accounts.audit import record_event
from tenants.errors import Conflict, ValidationFailed
from tenants.selectors import venue_url

from .models import SpectatorWord, Survey, SurveyInvitation, SurveyResponse
from .questions import MAX_WORDS, clean_questions, default_questions

# How much one quiz answer adds to a taste (a purchase adds 1, an attendance 2).
QUIZ_WEIGHT = 3.0
# Answers may be changed this long after they were first sent.
EDIT_WINDOW = timedelta(hours=24)
SURVEY_PATH = "/m/s/{token}/"


class AlreadyAnswered(Conflict):
    code = "campaigns.survey_already_answered"


@transaction.atomic
def ensure_default_survey() -> Survey:
    """The venue's quiz, made with the default questions the first time (idempotent)."""
    survey = Survey.objects.filter(is_default=True).first()
    if survey is not None:
        return survey
    try:
        with transaction.atomic():
            return Survey.objects.create(
                title="Alors, c'était comment ?",
                intro="Trois questions, une minute : vos réponses nous aident à choisir "
                "les spectacles de demain.",
                questions=default_questions(),
                is_default=True,
            )
    except IntegrityError:  # another process made it first
        return Survey.objects.get(is_default=True)


@transaction.atomic
def update_survey(*, survey: Survey, title: str, intro: str, questions, actor=None) -> Survey:
    title = (title or "").strip()
    if not title or len(title) > 120:
        raise ValidationFailed(_("Give the quiz a title (120 characters at most)."), field="title")
    survey.title, survey.intro = title, (intro or "").strip()[:500]
    survey.questions = clean_questions(questions)
    survey.save(update_fields=["title", "intro", "questions", "updated_at"])
    record_event(code="campaigns.survey.updated", actor=actor, obj=survey, data={"title": title})
    return survey


def survey_url_for(*, contact_id: int, performance_id: int) -> str:
    """The contact's quiz address about this performance, absolute on the venue's host; the
    invitation is made the first time (the J+3 email's `{{survey_url}}`)."""
    return venue_url(
        _current_venue(),
        SURVEY_PATH.format(
            token=invitation_for(contact_id=contact_id, performance_id=performance_id).token
        ),
    )


def _current_venue():
    from ticketing.tickets.pdf import current_venue

    return current_venue()


@transaction.atomic
def invitation_for(*, contact_id: int, performance_id: int) -> SurveyInvitation:
    from ticketing.models import Performance

    survey = ensure_default_survey()
    show_id = (
        Performance.objects.filter(pk=performance_id).values_list("show_id", flat=True).first()
    )
    SurveyInvitation.objects.bulk_create(
        [
            SurveyInvitation(
                survey=survey, contact_id=contact_id, performance_id=performance_id, show_id=show_id
            )
        ],
        ignore_conflicts=True,
    )
    return SurveyInvitation.objects.get(
        survey=survey, contact_id=contact_id, performance_id=performance_id
    )


def display_name(contact: Contact | None) -> str:
    """ "Marie D." — never the whole name."""
    if contact is None:
        return ""
    first = (contact.first_name or "").strip()
    initial = (contact.last_name or "").strip()[:1]
    return f"{first} {initial.upper()}." if first and initial else first[:80]


@transaction.atomic
def submit_answers(*, invitation_id: int, answers: dict) -> SurveyResponse:
    """Record the answers to an invitation, once: chosen tastes become affinities (source
    "quiz"), the answer goes on the contact's timeline, words to publish wait for moderation.
    `answers`: {question id: int | [option ids] | str, "publish": bool}."""
    invitation = (
        SurveyInvitation.objects.select_for_update()
        .select_related("survey", "contact")
        .get(pk=invitation_id)
    )
    if invitation.answered_at is not None:
        raise AlreadyAnswered(_("You have already answered this quiz: thank you!"))
    cleaned, rating, words, tastes = _clean_answers(invitation.survey.questions, answers)
    publish = bool(answers.get("publish")) and bool(words)
    now = timezone.now()
    response = SurveyResponse.objects.create(
        invitation=invitation,
        answers=cleaned,
        rating=rating,
        words=words,
        publish_consent=publish,
        tastes=[list(t) for t in tastes],
        submitted_at=now,
    )
    invitation.answered_at = now
    invitation.save(update_fields=["answered_at"])
    for kind, key in tastes:
        crm_services.add_affinity(
            contact_id=invitation.contact_id, kind=kind, key=key, weight=QUIZ_WEIGHT, source="quiz"
        )
    record_survey_answered(
        contact_id=invitation.contact_id,
        invitation_id=invitation.pk,
        survey_id=invitation.survey_id,
        performance_id=invitation.performance_id,
        show_id=invitation.show_id,
        rating=rating,
        tastes=[key for _kind, key in tastes],
        occurred_at=now,
    )
    if publish:
        SpectatorWord.objects.create(
            response=response,
            contact=invitation.contact,
            text=words,
            display_name=display_name(invitation.contact),
            show_id=invitation.show_id,
            performance_id=invitation.performance_id,
        )
    return response


def can_change(response: SurveyResponse, *, now=None) -> bool:
    return (now or timezone.now()) < response.submitted_at + EDIT_WINDOW


@transaction.atomic
def change_answers(*, invitation_id: int, answers: dict) -> SurveyResponse:
    """Change the answers within EDIT_WINDOW of the first ones: tastes no longer chosen are
    taken back, new ones added; changed words (or words newly given to publish) wait for
    moderation again; words no longer to publish are removed, even if published."""
    invitation = (
        SurveyInvitation.objects.select_for_update(of=("self",))
        .select_related("survey", "contact")
        .get(pk=invitation_id)
    )
    response = SurveyResponse.objects.filter(invitation=invitation).first()
    if response is None:
        return submit_answers(invitation_id=invitation_id, answers=answers)
    if not can_change(response):
        raise AlreadyAnswered(_("You have already answered this quiz: thank you!"))
    cleaned, rating, words, tastes = _clean_answers(invitation.survey.questions, answers)
    publish = bool(answers.get("publish")) and bool(words)
    before = {tuple(t) for t in response.tastes}
    after = set(tastes)
    for kind, key in sorted(before - after):
        crm_services.add_affinity(
            contact_id=invitation.contact_id, kind=kind, key=key, weight=-QUIZ_WEIGHT, source="quiz"
        )
    for kind, key in sorted(after - before):
        crm_services.add_affinity(
            contact_id=invitation.contact_id, kind=kind, key=key, weight=QUIZ_WEIGHT, source="quiz"
        )
    response.answers, response.rating, response.words = cleaned, rating, words
    response.publish_consent, response.tastes = publish, [list(t) for t in tastes]
    response.changed_at = timezone.now()
    response.save()
    update_survey_answered(
        contact_id=invitation.contact_id,
        invitation_id=invitation.pk,
        rating=rating,
        tastes=[key for _kind, key in tastes],
    )
    word = SpectatorWord.objects.select_for_update().filter(response=response).first()
    if not publish:
        if word is not None:
            word.delete()
    elif word is None:
        SpectatorWord.objects.create(
            response=response,
            contact=invitation.contact,
            text=words,
            display_name=display_name(invitation.contact),
            show_id=invitation.show_id,
            performance_id=invitation.performance_id,
        )
    elif word.text != words:
        word.text, word.status = words, SpectatorWord.Status.PENDING
        word.moderated_by, word.moderated_at = None, None
        word.save(update_fields=["text", "status", "moderated_by", "moderated_at"])
    return response


def _clean_answers(questions: list[dict], answers: dict):
    """Only the questions' own answers, in range: (answers, rating, words, [(kind, key)])."""
    cleaned: dict = {}
    rating, words, tastes = None, "", []
    for question in questions:
        value = answers.get(question["id"])
        if question["kind"] == "rating":
            try:
                number = int(value)
            except (TypeError, ValueError):
                continue
            if not 1 <= number <= 5:
                raise ValidationFailed(_("A rating is from 1 to 5."), field=question["id"])
            cleaned[question["id"]] = rating = number
        elif question["kind"] == "choice":
            chosen = value if isinstance(value, list | tuple) else ([value] if value else [])
            options = {o["id"]: o for o in question["options"]}
            picked = [str(v) for v in chosen if str(v) in options]
            picked = list(dict.fromkeys(picked))
            if picked:
                cleaned[question["id"]] = picked
                tastes += [(options[p]["kind"], options[p]["key"]) for p in picked]
        else:
            text = " ".join(str(value or "").split()) if value else ""
            if len(text) > MAX_WORDS:
                raise ValidationFailed(
                    _("Your words have %(n)s characters at most.") % {"n": MAX_WORDS},
                    field=question["id"],
                )
            if text:
                cleaned[question["id"]] = words = text
    return cleaned, rating, words, tastes


@transaction.atomic
def moderate_word(*, word_id: int, approve: bool, actor=None) -> SpectatorWord:
    """Approve (shown on the show's page and in newsletters) or reject a word waiting for
    moderation, as written. A word already moderated is left as it is."""
    status = SpectatorWord.Status.APPROVED if approve else SpectatorWord.Status.REJECTED
    changed = SpectatorWord.objects.filter(
        Q(pk=word_id, status=SpectatorWord.Status.PENDING)
    ).update(status=status, moderated_by=actor, moderated_at=timezone.now())
    word = SpectatorWord.objects.get(pk=word_id)
    if changed:
        record_event(
            code=f"campaigns.word.{'approved' if approve else 'rejected'}",
            actor=actor,
            obj=word,
            data={"show_id": word.show_id, "by": word.display_name},
        )
    return word
