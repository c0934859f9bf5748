"""The post-show quiz on a phone, without a login; the moderation page; the show page with
the published words. Screenshots at 390×844 and 1280×800 go to $PARTERRE_SCREENSHOTS when it
is set."""

import os
import re
from pathlib import Path

import pytest

from tests.browser.test_storefront_journey import _wipe_committed_ticketing
from tests.helpers import PASSWORD, committed
from tests.ticketing.conftest import build_performance

SHOTS = os.environ.get("PARTERRE_SCREENSHOTS", "")


def _shoot(page, name: str) -> None:
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for width, height in ((390, 844), (1280, 800)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=f"{SHOTS}/surveys-{name}-{width}.png", full_page=True)
    page.set_viewport_size(size)


def _scene():
    from campaigns.surveys import services
    from crm.models import Contact
    from tenants.accounts.models import User

    performance = build_performance()
    marie = Contact.objects.create(first_name="Marie", last_name="Dupont", email="m@example.fr")
    url = services.survey_url_for(contact_id=marie.pk, performance_id=performance.pk)
    for first, last, text in (
        ("Jeanne", "Moreau", "Une soirée magnifique, on en parle encore à la maison."),
        ("Karim", "Benali", "Les comédiens étaient d'une justesse rare. Merci !"),
    ):
        someone = Contact.objects.create(first_name=first, last_name=last, email=f"{first}@x.fr")
        invitation = services.invitation_for(contact_id=someone.pk, performance_id=performance.pk)
        services.submit_answers(
            invitation_id=invitation.pk, answers={"note": 5, "mots": text, "publish": True}
        )
    from campaigns.surveys.models import SpectatorWord

    services.moderate_word(word_id=SpectatorWord.objects.get(contact__first_name="Jeanne").pk,
                           approve=True)  # fmt: skip
    User.objects.create_user(
        "browser-comms@alpha.test", PASSWORD, role=User.Role.COMMUNICATION, full_name="Camille"
    )
    return re.sub(r"^https?://[^/]+", "", url), performance.show.slug


def _cancelled_performance():
    """A cancelled performance whose holder was told (the notices' page)."""
    from campaigns.notices import services as notices
    from campaigns.notices.consumers import on_programme_change
    from crm.models import Contact
    from tenants.events.models import Event
    from tests.ticketing.tickets_helpers import sell
    from ticketing.services import programme

    performance = build_performance(name="Studio")
    sell(performance, "A1")
    sell(performance, "A2", email="paul@example.fr")
    Contact.objects.filter(email="paul@example.fr").update(phone="+33611223344", sms_consent=True)
    programme.cancel_performance(performance=performance)
    on_programme_change(Event.objects.filter(code="ticketing.performance.cancelled").latest("id"))
    notice = notices.ProgrammeNotice.objects.get()
    notices.send_notice_emails(notice_id=notice.pk)
    notices.send_notice_sms(notice_id=notice.pk)


def _wipe():
    from campaigns.models import Campaign
    from campaigns.notices.models import ProgrammeNotice
    from campaigns.surveys.models import SpectatorWord, Survey
    from tenants.accounts.models import AuditEvent, User

    ProgrammeNotice.objects.all().delete()
    Campaign.objects.all().delete()
    SpectatorWord.objects.all().delete()
    Survey.objects.all().delete()
    AuditEvent.objects.filter(code__startswith="campaigns.").delete()
    User.objects.filter(email="browser-comms@alpha.test").delete()
    _wipe_committed_ticketing()


@pytest.fixture
def quiet_notices(settings, monkeypatch):
    """Notices sent inline by the test (no broker), text messages kept in memory."""
    from campaigns.notices import services as notices

    settings.PARTERRE_SMS_BACKEND = "locmem"
    monkeypatch.setattr(notices, "send_task", lambda name, args, headers: None)


@pytest.mark.browser
def test_quiz_on_a_phone_then_moderation_then_the_show_page(
    phone, page, url, venue_a, quiet_notices
):
    path, slug = committed(venue_a, _scene)
    committed(venue_a, _cancelled_performance)
    try:
        phone.goto(url(venue_a, path))
        _shoot(phone, "quiz")
        phone.locator(".survey-star").nth(3).tap()
        phone.get_by_label("De la danse").check()
        phone.get_by_label("Du cirque").check()
        phone.locator("textarea").fill("Drôle et émouvant à la fois.")
        phone.locator("input[name=publish]").check()
        phone.locator("button[type=submit]").last.tap()
        phone.wait_for_selector("h1")
        _shoot(phone, "quiz-thanks")
        phone.goto(url(venue_a, path))
        # Within a day the answers are shown again, to change them.
        assert phone.locator("textarea").input_value() == "Drôle et émouvant à la fois."
        assert phone.get_by_label("Du cirque").is_checked()
        _shoot(phone, "quiz-change")

        page.goto(url(venue_a, "/backoffice/campaigns/words/"))
        page.get_by_label("E-mail", exact=True).fill("browser-comms@alpha.test")
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.locator("button[type=submit]").last.click()
        page.wait_for_url("**/backoffice/campaigns/words/")
        assert "Drôle et émouvant" in page.content()
        _shoot(page, "moderation")
        page.locator("tr", has_text="justesse rare").locator("button[value=approve]").click()
        page.wait_for_selector(".alert-success, .alert")
        page.goto(url(venue_a, "/backoffice/campaigns/surveys/"))
        _shoot(page, "results")
        page.goto(url(venue_a, "/backoffice/campaigns/notices/"))
        row = page.locator("tbody tr").first.inner_text()
        assert "Le Misanthrope" in row and "2 / 2" in row and "1 / 1" in row
        _shoot(page, "notices")

        page.goto(url(venue_a, f"/shows/{slug}/"))
        words = page.locator(".spectator-words")
        assert "justesse rare" in words.inner_text() and "Karim B." in words.inner_text()
        assert "Drôle" not in words.inner_text()  # still waiting for moderation
        words.scroll_into_view_if_needed()
        _shoot(page, "show-page")
    finally:
        committed(venue_a, _wipe)
