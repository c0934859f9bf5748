"""The quiz page (public, /m/s/<token>/) and the back-office screens: moderation of the
spectators' words, results per show, the quiz's questions."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenants.accounts.permissions import capability_required
from tenants.errors import ParterreError

from . import selectors, services
from .models import SpectatorWord, SurveyInvitation

MAX_FIELD = 2000


def survey_page(request, token: str):
    """The quiz: answered once; within 24 hours the answers may still be changed."""
    if not (token.isascii() and len(token) <= 32):
        raise Http404
    invitation = (
        SurveyInvitation.objects.select_related("survey", "contact", "response")
        .filter(token=token)
        .first()
    )
    if invitation is None:
        raise Http404
    response = getattr(invitation, "response", None)
    context = {"invitation": invitation, "survey": invitation.survey, "show": _show(invitation)}
    if response is not None and not services.can_change(response):
        status = 409 if request.method == "POST" else 200
        return render(request, "campaigns/surveys/answered.html", context, status=status)
    if request.method == "POST":
        answers = _posted_answers(request, invitation.survey.questions)
        change = services.change_answers if response is not None else services.submit_answers
        try:
            response = change(invitation_id=invitation.pk, answers=answers)
        except services.AlreadyAnswered:
            return render(request, "campaigns/surveys/answered.html", context, status=409)
        except ParterreError as error:
            context |= {"error": error.message, "questions": _filled(invitation.survey, answers)}
            return render(request, "campaigns/surveys/page.html", context, status=400)
        context["until"] = response.submitted_at + services.EDIT_WINDOW
        return render(request, "campaigns/surveys/thanks.html", context)
    current = {**response.answers, "publish": response.publish_consent} if response else {}
    context["questions"] = _filled(invitation.survey, current)
    if response is not None:
        context["until"] = response.submitted_at + services.EDIT_WINDOW
    return render(request, "campaigns/surveys/page.html", context)


def _posted_answers(request, questions: list[dict]) -> dict:
    answers: dict = {"publish": request.POST.get("publish") == "1"}
    for question in questions:
        if question["kind"] == "choice":
            answers[question["id"]] = [v[:40] for v in request.POST.getlist(question["id"])][:20]
        else:
            answers[question["id"]] = request.POST.get(question["id"], "")[:MAX_FIELD]
    return answers


def _filled(survey, answers: dict) -> list[dict]:
    """The questions with the answers given so far (to show them again)."""
    filled = []
    for question in survey.questions:
        value = answers.get(question["id"])
        item = {**question, "value": "" if value is None else str(value)}
        if question["kind"] == "choice":
            chosen = set(value or []) if isinstance(value, list) else set()
            item["options"] = [{**o, "checked": o["id"] in chosen} for o in question["options"]]
        elif question["kind"] == "text":
            item["publish"] = bool(answers.get("publish"))
        filled.append(item)
    return filled


def _show(invitation):
    from ticketing.models import Performance

    return Performance.objects.select_related("show").filter(pk=invitation.performance_id).first()


@capability_required("campaigns.manage")
def word_list(request):
    pending = selectors.pending_words()
    titles = _titles({w.show_id for w in pending})
    for word in pending:
        word.show_title = titles.get(word.show_id, "")
    context = {"pending": pending, "moderated": selectors.recently_moderated()}
    return render(request, "campaigns/surveys/words.html", context)


def _titles(ids: set) -> dict:
    from ticketing.models import Show

    return dict(Show.objects.filter(pk__in=ids).values_list("id", "title"))


@require_POST
@capability_required("campaigns.manage")
def word_moderate(request, pk: int):
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        messages.error(request, _("Choose to publish or reject."))
        return redirect("campaigns:words")
    try:
        services.moderate_word(word_id=pk, approve=decision == "approve", actor=request.user)
    except SpectatorWord.DoesNotExist as error:
        raise Http404 from error
    if decision == "approve":
        messages.success(request, _("Published: the words are on the show's page."))
    else:
        messages.success(request, _("Rejected: the words will not be shown."))
    return redirect("campaigns:words")


@capability_required("campaigns.manage")
def survey_results(request):
    survey = services.ensure_default_survey()
    context = {"survey": survey, "results": selectors.results_by_show(survey)}
    return render(request, "campaigns/surveys/results.html", context)


@capability_required("campaigns.manage")
def survey_edit(request):
    survey = services.ensure_default_survey()
    error = ""
    questions_text = json.dumps(survey.questions, ensure_ascii=False, indent=2)
    title, intro = survey.title, survey.intro
    if request.method == "POST":
        title = request.POST.get("title", "")[:200]
        intro = request.POST.get("intro", "")[:MAX_FIELD]
        questions_text = request.POST.get("questions", "")[:20000]
        try:
            questions = json.loads(questions_text)
        except ValueError:
            error = _("The questions are not valid JSON.")
        else:
            try:
                services.update_survey(
                    survey=survey, title=title, intro=intro, questions=questions, actor=request.user
                )
            except ParterreError as failure:
                error = failure.message
            else:
                messages.success(request, _("The quiz is saved."))
                return redirect("campaigns:survey_results")
    context = {
        "survey": survey,
        "title": title,
        "intro": intro,
        "questions_text": questions_text,
        "error": error,
    }
    return render(request, "campaigns/surveys/edit.html", context, status=400 if error else 200)


backoffice_urlpatterns = [
    path("words/", word_list, name="words"),
    path("words/<int:pk>/", word_moderate, name="word_moderate"),
    path("surveys/", survey_results, name="survey_results"),
    path("surveys/edit/", survey_edit, name="survey_edit"),
]
public_urlpatterns = [path("m/s/<str:token>/", survey_page, name="survey")]
