"""The composer's rendering: blocks → responsive HTML and a readable text part, compiled once
per language, every link tracked, user text never HTML, availability read from ticketing."""

import pytest
from django.utils import translation
from django.utils.translation import gettext

from campaigns.composer import blocks as B
from campaigns.composer.render import render_campaign
from campaigns.models import Campaign, Delivery
from campaigns.rendering import build_message
from tests.helpers import in_venue
from tests.ticketing.conftest import build_performance
from ticketing.models import Performance, PerformanceSeat, PerformanceZone

pytestmark = pytest.mark.django_db


def _campaign(blocks, **extra):
    content = {"fr": {"subject": "La saison", "preheader": "Trois dates", "blocks": blocks}}
    content.update(extra)
    return Campaign.objects.create(name="Saison", content=content)


def _label(hint_msgid: str, language: str = "fr") -> str:
    with translation.override(language):
        return gettext(hint_msgid)


def test_show_card_says_what_is_left_and_links_through_a_tracked_link(venue_a):
    with in_venue(venue_a):
        performance = build_performance()
        show = performance.show
        campaign = _campaign([{"type": "show", "show_id": show.pk}])

        compiled = render_campaign(campaign, language="fr")
        assert "hint-available" in compiled.html
        assert _label("Seats available") in compiled.text
        assert f"/shows/{show.slug}/" not in compiled.html  # only through the redirect
        (link,) = campaign.links.all()
        assert link.url.endswith(f"/shows/{show.slug}/")
        assert f"{{{{link:{link.pk}}}}}" in compiled.html
        assert compiled.links == {link.pk: link.url}
        assert _label("Book") in compiled.text

        # Nearly full: fewer than a tenth of the places left.
        seats = list(PerformanceSeat.objects.filter(performance=performance).order_by("pk"))
        PerformanceSeat.objects.filter(pk__in=[s.pk for s in seats[2:]]).update(
            status=PerformanceSeat.Status.SOLD
        )
        PerformanceZone.objects.filter(performance=performance).update(sold=20)
        compiled = render_campaign(campaign, language="fr")
        assert "hint-few_left" in compiled.html and "hint-available" not in compiled.html

        Performance.objects.filter(pk=performance.pk).update(status=Performance.Status.SOLD_OUT)
        compiled = render_campaign(campaign, language="fr")
        assert "hint-sold_out" in compiled.html
        assert _label("Sold out") in compiled.text
        assert _label("Book") not in compiled.text  # nothing to buy


def test_performance_list_of_the_season(venue_a):
    with in_venue(venue_a):
        performance = build_performance()
        campaign = _campaign([{"type": "performances", "show_id": None, "limit": 6}])
        compiled = render_campaign(campaign, language="fr")
        assert performance.show.title in compiled.html
        (link,) = campaign.links.all()
        assert link.url.endswith(f"/performances/{performance.pk}/")
        assert f"{{{{link:{link.pk}}}}}" in compiled.text


def test_user_text_is_escaped_and_markup_is_tiny(venue_a):
    with in_venue(venue_a):
        campaign = _campaign(
            [
                {"type": "heading", "text": "<script>alert(1)</script> Bonjour {{first_name}} !"},
                {
                    "type": "text",
                    "text": "Un **grand** moment, *vraiment*.\n\n<img src=x onerror=alert(1)> "
                    "[le programme](https://example.org/prog) {{unsubscribe_url}}",
                },
            ]
        )
        compiled = render_campaign(campaign, language="fr")
        assert "<script>" not in compiled.html and "&lt;script&gt;" in compiled.html
        assert "<img src=x" not in compiled.html
        assert "<strong>grand</strong>" in compiled.html and "<em>vraiment</em>" in compiled.html
        assert "https://example.org/prog" not in compiled.html
        assert "le programme (" in compiled.text and "**" not in compiled.text
        # A slot typed by a user stays text: it is not filled with someone's address.
        delivery = Delivery(campaign=campaign, email="lea@example.org", token="tok")
        message = build_message(delivery, compiled, site="https://alpha.test", first_name="Léa")
        html = message.alternatives[0][0]
        assert "Bonjour Léa !" in html
        assert html.count("/m/u/tok/") == 1  # the footer's, not the user's
        anonymous = build_message(delivery, compiled, site="https://alpha.test", first_name="")
        assert "Bonjour !" in anonymous.alternatives[0][0]
        assert "Bonjour !\n=" in anonymous.body  # the text part underlines its headings


def test_layout_has_preheader_footer_unsubscribe_and_pixel(venue_a):
    with in_venue(venue_a):
        campaign = _campaign([{"type": "divider"}, {"type": "heading", "text": "Salut"}])
        compiled = render_campaign(campaign, language="fr")
        assert "Trois dates" in compiled.html  # the preheader
        for slot in ("{{unsubscribe_url}}", "{{preferences_url}}", "{{pixel_url}}"):
            assert slot in compiled.html
        assert "{{unsubscribe_url}}" in compiled.text
        assert venue_a.accent_color in compiled.html
        assert "@media" in compiled.html  # responsive (MJML)
        assert compiled.subject == "La saison"


def test_language_of_the_contact_else_french(venue_a):
    with in_venue(venue_a):
        performance = build_performance()
        english = {
            "subject": "The season",
            "preheader": "",
            "blocks": [{"type": "show", "show_id": performance.show_id}],
        }
        campaign = _campaign([{"type": "show", "show_id": performance.show_id}], en=english)
        en = render_campaign(campaign, language="en")
        assert en.language == "en" and en.subject == "The season"
        assert "Seats available" in en.text and "Book" in en.text
        fr = render_campaign(campaign, language="fr")
        assert fr.subject == "La saison"
        assert _label("Seats available") in fr.text
        assert render_campaign(campaign, language="de").language == "fr"


def test_quotes_come_from_registered_providers(venue_a, monkeypatch):
    with in_venue(venue_a):
        monkeypatch.setitem(
            B.QUOTE_PROVIDERS,
            "surveys",
            lambda *, show_id, limit, language: [
                {"text": "Bouleversant <b>!</b>", "author": "Marie, 34 ans"}
            ],
        )
        campaign = _campaign([{"type": "quotes", "title": "", "show_id": None, "limit": 3}])
        compiled = render_campaign(campaign, language="fr")
        assert "Bouleversant &lt;b&gt;!&lt;/b&gt;" in compiled.html
        assert "Marie, 34 ans" in compiled.text
        monkeypatch.setattr(B, "QUOTE_PROVIDERS", {})
        assert "Bouleversant" not in render_campaign(campaign, language="fr").html
