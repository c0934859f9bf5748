"""The post-show quiz: the invitation's address, the public page (HTTP), answers becoming
affinities and a timeline event, words moderated before they show on the show's page, two
venues isolated."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from campaigns.surveys import selectors, services
from campaigns.surveys.models import SpectatorWord, SurveyInvitation, SurveyResponse
from campaigns.surveys.questions import clean_questions, default_questions
from crm.models import Affinity, Contact, TimelineEvent
from tenants.accounts.models import User
from tenants.errors import ValidationFailed
from tests.helpers import in_venue
from tests.ticketing.conftest import build_performance

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiz(venue_a):
    with in_venue(venue_a):
        performance = build_performance()
        contact = Contact.objects.create(
            first_name="Marie", last_name="Dupont", email="marie@example.fr"
        )
        url = services.survey_url_for(contact_id=contact.pk, performance_id=performance.pk)
    return performance, contact, url


def fr(msgid: str) -> str:
    """The French of a msgid (its catalogue entry, po/surveys.json until merged), as a page
    shows it (escaped)."""
    with translation.override("fr"):
        return escape(gettext(msgid))


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_the_address_is_made_once_on_the_venue_host(venue_a, quiz):
    performance, contact, url = quiz
    assert url.startswith("http") and f"{venue_a.slug}." in url and "/m/s/" in url
    with in_venue(venue_a):
        again = services.survey_url_for(contact_id=contact.pk, performance_id=performance.pk)
        assert again == url
        invitation = SurveyInvitation.objects.get()
        assert invitation.show_id == performance.show_id


def test_answering_on_the_page_adds_tastes_and_a_timeline_event_once(venue_a, quiz, client_for):
    performance, contact, url = quiz
    client = client_for(venue_a)
    page = client.get(_path(url))
    assert page.status_code == 200
    body = page.content.decode()
    assert "était comment ?" in body and "Le Misanthrope" in body
    answers = {"note": "5", "gouts": ["danse", "jeune"], "mots": "Magnifique !", "publish": "1"}
    done = client.post(_path(url), answers)
    assert done.status_code == 200 and fr("Thank you!") in done.content.decode()
    with in_venue(venue_a):
        tastes = {(a.kind, a.key): a.weight for a in Affinity.objects.filter(contact=contact)}
        assert tastes == {("genre", "danse"): 3.0, ("theme", "jeune public"): 3.0}
        assert (
            TimelineEvent.objects.filter(
                contact=contact, code="crm.affinity.added", data__source="quiz"
            ).count()
            == 2
        )
        event = TimelineEvent.objects.get(contact=contact, code="campaigns.survey.answered")
        assert (event.performance_id, event.show_id) == (performance.pk, performance.show_id)
        assert event.data["rating"] == 5
        response = SurveyResponse.objects.get()
        assert (response.rating, response.words, response.publish_consent) == (
            5,
            "Magnifique !",
            True,
        )
        word = SpectatorWord.objects.get()
        assert (word.status, word.display_name, word.show_id) == (
            "pending",
            "Marie D.",
            performance.show_id,
        )
    # Sent again within 24 hours: a change, nothing counted twice.
    again = client.post(_path(url), answers)
    assert again.status_code == 200
    with in_venue(venue_a):
        assert Affinity.objects.get(contact=contact, key="danse").weight == 3.0
        assert SpectatorWord.objects.count() == 1
    # A day later: "already answered", nothing changes any more.
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        late = client.post(_path(url), {"note": "1"})
        assert late.status_code == 409 and fr("Already answered") in late.content.decode()
        assert client.get(_path(url)).status_code == 200
    with in_venue(venue_a):
        assert SurveyResponse.objects.get().rating == 5


def test_answers_may_change_within_a_day(venue_a, quiz, client_for):
    _performance, contact, url = quiz
    client = client_for(venue_a)
    client.post(
        _path(url), {"note": "5", "gouts": ["danse", "cirque"], "mots": "Superbe", "publish": "1"}
    )
    with in_venue(venue_a):
        word = SpectatorWord.objects.get()
        services.moderate_word(word_id=word.pk, approve=True)
    page = client.get(_path(url)).content.decode()
    assert 'value="danse" checked' in page and ">Superbe</textarea>" in page
    # Another taste, other words: the old taste is taken back, the words wait again.
    client.post(
        _path(url),
        {"note": "4", "gouts": ["cirque", "humour"], "mots": "Superbe !", "publish": "1"},
    )
    with in_venue(venue_a):
        weights = {a.key: a.weight for a in Affinity.objects.filter(contact=contact)}
        assert weights == {"danse": 0.0, "cirque": 3.0, "humour": 3.0}
        word.refresh_from_db()
        assert (word.text, word.status, word.moderated_at) == ("Superbe !", "pending", None)
        event = TimelineEvent.objects.get(contact=contact, code="campaigns.survey.answered")
        assert event.data["rating"] == 4
    # Consent withdrawn: the words go, even once published.
    client.post(_path(url), {"note": "4", "gouts": ["cirque"], "mots": "Superbe !"})
    with in_venue(venue_a):
        assert not SpectatorWord.objects.exists()
        assert SurveyResponse.objects.get().publish_consent is False


def test_words_without_consent_are_kept_private(venue_a, quiz, client_for):
    _performance, _contact, url = quiz
    client_for(venue_a).post(_path(url), {"note": "3", "mots": "Un peu long."})
    with in_venue(venue_a):
        assert SurveyResponse.objects.get().words == "Un peu long."
        assert not SpectatorWord.objects.exists()


def test_bad_answers_are_a_400_not_a_500(venue_a, quiz, client_for):
    _performance, _contact, url = quiz
    client = client_for(venue_a)
    assert client.post(_path(url), {"note": "9"}).status_code == 400
    assert client.post(_path(url), {"mots": "x" * 1500}).status_code == 400
    assert client.get("/m/s/nope/").status_code == 404
    assert client.get("/m/s/" + "é" * 10 + "/").status_code == 404
    # Unknown options are ignored; the quiz can still be answered.
    assert client.post(_path(url), {"gouts": ["hacker"], "note": "4"}).status_code == 200


def test_an_invitation_of_one_venue_is_unknown_at_the_other(venue_a, venue_b, quiz, client_for):
    _performance, _contact, url = quiz
    assert client_for(venue_b).get(_path(url)).status_code == 404


def test_questions_are_checked_on_save(venue_a):
    assert clean_questions(default_questions())[0]["kind"] == "rating"
    bad = [
        [],
        [{"id": "a", "kind": "poll", "label": "x"}],
        [{"id": "a", "kind": "choice", "label": "x", "options": [{"id": "o", "label": "y"}]}],
        [{"id": "a", "kind": "rating", "label": "x"}, {"id": "b", "kind": "rating", "label": "y"}],
        [{"id": "A B", "kind": "text", "label": "x"}],
        [{"id": "a", "kind": "text", "label": "x" * 300}],
        [
            {
                "id": "a",
                "kind": "choice",
                "label": "x",
                "options": [
                    {"id": "o", "label": "y", "kind": "colour", "key": "k"},
                    {"id": "p", "label": "z", "kind": "genre", "key": "k"},
                ],
            }
        ],
    ]
    for questions in bad:
        with pytest.raises(ValidationFailed):
            clean_questions(questions)


def _answered_word(venue, text="Quelle soirée !", publish=True):
    with in_venue(venue):
        performance = build_performance(name=f"Salle {text[:5]}")
        contact = Contact.objects.create(first_name="Paul", last_name="martin", email="p@x.fr")
        invitation = services.invitation_for(contact_id=contact.pk, performance_id=performance.pk)
        services.submit_answers(
            invitation_id=invitation.pk, answers={"mots": text, "publish": publish}
        )
        return performance, SpectatorWord.objects.get(text=text)


def test_moderation_publishes_on_the_show_page(venue_a, venue_b, make_staff, client_for):
    performance, word = _answered_word(venue_a)
    staff = make_staff(venue_a, User.Role.COMMUNICATION)
    client = client_for(venue_a, staff)
    page = client.get("/backoffice/campaigns/words/")
    assert page.status_code == 200 and "Quelle soirée !" in page.content.decode()
    show_page = f"/shows/{performance.show.slug}/"
    assert "Quelle soirée" not in client_for(venue_a).get(show_page).content.decode()
    assert (
        client.post(f"/backoffice/campaigns/words/{word.pk}/", {"decision": "approve"}).status_code
        == 302
    )
    with in_venue(venue_a):
        word.refresh_from_db()
        assert (word.status, word.moderated_by_id) == ("approved", staff.pk)
        assert [w.pk for w in selectors.approved_words(show_id=performance.show_id)] == [word.pk]
        assert [w.pk for w in selectors.approved_words()] == [word.pk]
    cache.clear()
    html = client_for(venue_a).get(show_page).content.decode()
    assert fr("What the audience said") in html
    assert "Quelle soirée !" in html and "Paul M." in html
    # A second decision changes nothing.
    client.post(f"/backoffice/campaigns/words/{word.pk}/", {"decision": "reject"})
    with in_venue(venue_a):
        word.refresh_from_db()
        assert word.status == "approved"
    # The other venue sees none of it.
    with in_venue(venue_b):
        assert selectors.approved_words() == []
    other = client_for(venue_b, make_staff(venue_b, User.Role.COMMUNICATION))
    assert "Quelle soirée" not in other.get("/backoffice/campaigns/words/").content.decode()
    assert (
        other.post(f"/backoffice/campaigns/words/{word.pk}/", {"decision": "approve"}).status_code
        == 404
    )


def test_rejected_words_never_show(venue_a):
    performance, word = _answered_word(venue_a, "Nul.")
    with in_venue(venue_a):
        services.moderate_word(word_id=word.pk, approve=False)
        assert selectors.approved_words(show_id=performance.show_id) == []


def test_moderation_needs_the_campaigns_capability(venue_a, make_staff, client_for):
    _performance, word = _answered_word(venue_a)
    box_office = client_for(venue_a, make_staff(venue_a, User.Role.BOX_OFFICE))
    assert box_office.get("/backoffice/campaigns/words/").status_code == 403
    assert (
        box_office.post(
            f"/backoffice/campaigns/words/{word.pk}/", {"decision": "approve"}
        ).status_code
        == 403
    )


def test_results_and_question_editing(venue_a, quiz, make_staff, client_for):
    _performance, _contact, url = quiz
    client_for(venue_a).post(_path(url), {"note": "4", "gouts": ["danse"]})
    staff = client_for(venue_a, make_staff(venue_a, User.Role.COMMUNICATION))
    results = staff.get("/backoffice/campaigns/surveys/").content.decode()
    assert "Le Misanthrope" in results and "4" in results and "De la danse · 1" in results
    assert staff.get("/backoffice/campaigns/surveys/edit/").status_code == 200
    bad = staff.post(
        "/backoffice/campaigns/surveys/edit/", {"title": "Q", "intro": "", "questions": "[{"}
    )
    assert bad.status_code == 400
    good = staff.post(
        "/backoffice/campaigns/surveys/edit/",
        {
            "title": "Votre avis",
            "intro": "",
            "questions": '[{"id": "n", "kind": "rating", "label": "Note ?"}]',
        },
    )
    assert good.status_code == 302
    with in_venue(venue_a):
        assert services.ensure_default_survey().title == "Votre avis"


def test_answers_are_in_the_persons_data_export_and_erased_words_vanish(venue_a, quiz):
    from crm.privacy.registry import contributors

    performance, contact, _url = quiz
    with in_venue(venue_a):
        invitation = SurveyInvitation.objects.get()
        services.submit_answers(
            invitation_id=invitation.pk, answers={"note": 2, "mots": "Bof.", "publish": True}
        )
        (exported,) = contributors()["survey_answers"](contact.pk)
        assert (exported["rating"], exported["words"], exported["words_status"]) == (
            2,
            "Bof.",
            "pending",
        )
        word = SpectatorWord.objects.get()
        services.moderate_word(word_id=word.pk, approve=True)
        assert selectors.approved_words(show_id=performance.show_id)
        Contact.objects.filter(pk=contact.pk).update(anonymised_at=timezone.now())
        assert selectors.approved_words(show_id=performance.show_id) == []


def test_the_moderation_list_reads_in_a_few_queries(
    venue_a, make_staff, client_for, django_assert_max_num_queries
):
    for n in range(3):
        _answered_word(venue_a, f"Mot numéro {n}")
    client = client_for(venue_a, make_staff(venue_a, User.Role.COMMUNICATION))
    client.get("/backoffice/campaigns/words/")
    with django_assert_max_num_queries(12):
        page = client.get("/backoffice/campaigns/words/")
    assert page.content.decode().count("Mot numéro") == 3
