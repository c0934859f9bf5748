"""The campaign screens through HTTP: list, create, the block editor, the audience panel
(with the periodicity cap), preview, test send, send/schedule, settings, permissions and
two-venue isolation."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.composer import services
from campaigns.models import Campaign, CommunicationSettings, Delivery
from crm.models import Segment
from tenants.accounts.models import User
from tests.crm.factories import ContactFactory
from tests.helpers import in_venue
from tests.ticketing.conftest import build_performance

pytestmark = pytest.mark.django_db


@pytest.fixture
def comms(venue_a, make_staff, client_for):
    user = make_staff(venue_a, User.Role.COMMUNICATION, full_name="Léa Comms")
    return client_for(venue_a, user), user


def _draft(venue, blocks=None, **extra):
    with in_venue(venue):
        return Campaign.objects.create(
            name="Lettre de mars",
            content={"fr": {"subject": "Mars", "preheader": "", "blocks": blocks or []}},
            **extra,
        )


def _post(campaign, **fields):
    data = {"name": campaign.name, "kind": "newsletter", "audience": "all", "subject": "Mars"}
    data.update(fields)
    return data


def test_create_then_add_move_remove_blocks_and_save(comms, venue_a):
    client, _user = comms
    response = client.post("/backoffice/campaigns/new/", {"name": "Lettre", "kind": "newsletter"})
    assert response.status_code == 302
    with in_venue(venue_a):
        campaign = Campaign.objects.get()
    url = f"/backoffice/campaigns/{campaign.pk}/"
    base = _post(campaign)
    # Add a heading (HTMX: only the blocks come back, the new one focused).
    response = client.post(url, {**base, "action": "add:heading"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="blocks"' in html and "<html" not in html
    assert 'name="b-0-type" value="heading"' in html and "autofocus" in html
    # Without JavaScript: the whole page, same result.
    page = client.post(
        url, {**base, "b-0-type": "heading", "b-0-text": "Bonjour", "action": "add:text"}
    )
    assert "<html" in page.content.decode()
    posted = {
        **base,
        "b-0-type": "heading",
        "b-0-text": "Bonjour {{first_name}},",
        "b-1-type": "text",
        "b-1-text": "La saison **commence**.",
    }
    moved = client.post(url, {**posted, "action": "up:1"}, HTTP_HX_REQUEST="true").content.decode()
    assert moved.index('name="b-0-type" value="text"') < moved.index(
        'name="b-1-type" value="heading"'
    )
    removed = client.post(url, {**posted, "action": "remove:0"}, HTTP_HX_REQUEST="true")
    assert 'value="heading"' not in removed.content.decode()
    response = client.post(url, {**posted, "action": "save"})
    assert response.status_code == 302
    with in_venue(venue_a):
        campaign.refresh_from_db()
        assert [b["type"] for b in campaign.content["fr"]["blocks"]] == ["heading", "text"]
        assert campaign.marketing is True


@pytest.mark.parametrize(
    "fields, code_field",
    [
        ({"b-0-type": "button", "b-0-label": "Go", "b-0-url": "javascript:alert(1)"}, "b-0-url"),
        ({"b-0-type": "button", "b-0-label": "Go", "b-0-url": "http://example.org"}, "b-0-url"),
        ({"b-0-type": "heading", "b-0-text": "x" * 151}, "b-0-text"),
        ({"b-0-type": "show", "b-0-show_id": "999999"}, "b-0-show_id"),
        ({"b-0-type": "show", "b-0-show_id": "'; drop"}, "b-0-show_id"),
        ({"b-0-type": "performances", "b-0-show_id": "", "b-0-limit": "500"}, "b-0-limit"),
        ({"b-0-type": "image", "b-0-src": "https://", "b-0-alt": ""}, "b-0-src"),
        ({"subject": "", "b-0-type": "divider"}, "subject"),
        ({}, "blocks"),
    ],
)
def test_bad_blocks_are_a_400_with_the_field_never_a_500(comms, venue_a, fields, code_field):
    client, _user = comms
    campaign = _draft(venue_a)
    response = client.post(f"/backoffice/campaigns/{campaign.pk}/", {**_post(campaign), **fields})
    assert response.status_code == 400
    assert response.context["error_field"] == code_field
    assert response.context["error"].code.startswith("campaigns.")
    with in_venue(venue_a):
        campaign.refresh_from_db()
        assert campaign.content["fr"]["blocks"] == []


def test_english_version_is_kept_apart(comms, venue_a):
    client, _user = comms
    campaign = _draft(venue_a, [{"type": "heading", "text": "Bonjour"}])
    url = f"/backoffice/campaigns/{campaign.pk}/?lang=en"
    response = client.post(
        url,
        {
            **_post(campaign, subject="March"),
            "lang": "en",
            "b-0-type": "heading",
            "b-0-text": "Hello",
        },
    )
    assert response.status_code == 302
    with in_venue(venue_a):
        campaign.refresh_from_db()
        assert campaign.content["fr"]["blocks"][0]["text"] == "Bonjour"
        assert campaign.content["en"]["subject"] == "March"


def test_audience_panel_counts_the_cap_exclusions(comms, venue_a):
    client, _user = comms
    with in_venue(venue_a):
        CommunicationSettings.objects.create(cap_count=2, cap_days=30)
        ContactFactory(email_consent=True)
        ContactFactory(email_consent=False)
        tired = ContactFactory(email_consent=True)
        for n in range(2):
            earlier = Campaign.objects.create(name=f"Avant {n}")
            Delivery.objects.create(campaign=earlier, contact=tired, email=tired.email)
    campaign = _draft(venue_a)
    page = client.get(f"/backoffice/campaigns/{campaign.pk}/")
    preview = page.context["audience"]["preview"]
    assert (preview.selected, preview.no_consent, preview.capped, preview.recipients) == (
        3,
        1,
        1,
        1,
    )
    html = page.content.decode()
    assert 'data-figure="capped">− 1<' in html
    assert "/backoffice/campaigns/settings/" in html
    # The panel follows the form (press list: consent and cap do not apply).
    with in_venue(venue_a):
        journalist = ContactFactory(email_consent=None, contact_types=["press"])
    panel = client.post(
        f"/backoffice/campaigns/{campaign.pk}/audience/",
        {
            **_post(campaign, name=""),
            "kind": "press",
            "audience": "list",
            "list_contacts": [journalist.pk],
        },
    )
    assert panel.context["audience"]["preview"].recipients == 1


def test_segment_audience_is_saved(comms, venue_a):
    client, _user = comms
    with in_venue(venue_a):
        segment = Segment.objects.create(
            name="Théâtre",
            definition={"version": 1, "op": "and", "rules": [{"type": "tag", "values": ["x"]}]},
        )
    campaign = _draft(venue_a)
    response = client.post(
        f"/backoffice/campaigns/{campaign.pk}/",
        {**_post(campaign), "audience": "segment", "segment": segment.pk, "b-0-type": "divider"},
    )
    assert response.status_code == 302
    with in_venue(venue_a):
        campaign.refresh_from_db()
        assert campaign.segment_id == segment.pk


def test_preview_and_test_send(comms, venue_a):
    client, _user = comms
    with in_venue(venue_a):
        performance = build_performance()
    campaign = _draft(
        venue_a,
        [
            {"type": "heading", "text": "Bonjour {{first_name}} <b>"},
            {"type": "show", "show_id": performance.show_id},
        ],
    )
    page = client.get(f"/backoffice/campaigns/{campaign.pk}/preview/?device=mobile")
    assert page.status_code == 200 and page.context["width"] == 375
    assert "LE MISANTHROPE" in page.context["text"]
    frame = client.get(f"/backoffice/campaigns/{campaign.pk}/preview/fr.html")
    assert frame.status_code == 200
    assert frame["X-Frame-Options"] == "SAMEORIGIN"
    body = frame.content.decode()
    assert "Bonjour Camille &lt;b&gt;" in body and "{{" not in body

    response = client.post(f"/backoffice/campaigns/{campaign.pk}/test/", {"to": "moi@example.org"})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["moi@example.org"] and message.subject == "[TEST] Mars"
    assert "Bonjour Léa" in message.alternatives[0][0]
    assert "/shows/" in message.body  # straight to the page: a test is not counted
    with in_venue(venue_a):
        assert not Delivery.objects.exists()
    bad = client.post(f"/backoffice/campaigns/{campaign.pk}/test/", {"to": "pas une adresse"})
    assert bad.status_code == 303 and len(mail.outbox) == 1


def test_send_now_and_schedule_call_the_sending_services(comms, venue_a, monkeypatch):
    from campaigns.sending import services as sending

    calls = []
    monkeypatch.setattr(
        sending, "start_campaign", lambda **kw: calls.append(("start", kw)), raising=False
    )
    monkeypatch.setattr(
        sending, "schedule_campaign", lambda **kw: calls.append(("schedule", kw)), raising=False
    )
    client, user = comms
    campaign = _draft(venue_a, [{"type": "divider"}])
    url = f"/backoffice/campaigns/{campaign.pk}/send/"
    assert client.post(url, {"action": "now"}).status_code == 302
    client.post(url, {"action": "schedule", "when": "2000-01-01T10:00"})  # past: refused
    assert client.post(url, {"action": "schedule", "when": "2099-01-01T10:00"}).status_code == 302
    assert [c[0] for c in calls] == ["start", "schedule"]
    assert calls[0][1]["campaign_id"] == campaign.pk and calls[0][1]["actor"].pk == user.pk
    assert calls[1][1]["when"].year == 2099


def test_list_page_query_count_does_not_grow(comms, venue_a):
    client, _user = comms

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/backoffice/campaigns/").status_code == 200
        # (search_path switches are the test's own in_venue() blocks, not the page's)
        return len([q for q in queries if not q["sql"].startswith("SET search_path")])

    _draft(venue_a)
    count()  # the first request warms the per-process caches (venue settings, roles)
    few = count()
    assert few <= 4  # session, user, campaigns (+ the host's venue when not cached)
    with in_venue(venue_a):
        segment = Segment.objects.create(
            name="S", definition={"version": 1, "op": "and", "rules": []}
        )
        for n in range(8):
            c = Campaign.objects.create(name=f"C{n}", segment=segment, status="sent")
            contact = ContactFactory()
            Delivery.objects.create(campaign=c, contact=contact, email=contact.email, status="sent")
    assert count() == few
    page = client.get("/backoffice/campaigns/").content.decode()
    assert "/backoffice/campaigns/" in page and "/stats/" in page


def test_communication_settings_form_is_bounded(comms, venue_a):
    client, _user = comms
    url = "/backoffice/campaigns/settings/"
    fields = {
        "cap_count": 3,
        "cap_days": 14,
        "silence_days": 90,
        "rate_per_minute": 600,
        "attribution_days": 7,
        "from_name": "Théâtre Alpha",
        "reply_to": "billetterie@alpha.test",
    }
    assert client.post(url, {**fields, "cap_count": 0}).status_code == 400
    assert client.post(url, {**fields, "cap_days": 99999}).status_code == 400
    assert client.post(url, fields).status_code == 302
    with in_venue(venue_a):
        settings = CommunicationSettings.objects.get()
        assert (settings.cap_count, settings.cap_days, settings.rate_per_minute) == (3, 14, 600)


def test_box_office_gets_403(venue_a, make_staff, client_for):
    clerk = client_for(venue_a, make_staff(venue_a, User.Role.BOX_OFFICE))
    campaign = _draft(venue_a)
    for url in (
        "/backoffice/campaigns/",
        "/backoffice/campaigns/new/",
        f"/backoffice/campaigns/{campaign.pk}/",
        f"/backoffice/campaigns/{campaign.pk}/preview/",
        "/backoffice/campaigns/settings/",
    ):
        assert clerk.get(url).status_code == 403, url
    assert (
        clerk.post(f"/backoffice/campaigns/{campaign.pk}/test/", {"to": "x@y.fr"}).status_code
        == 403
    )
    assert not mail.outbox


def test_other_venue_campaigns_are_invisible(comms, venue_a, venue_b, make_staff, client_for):
    campaign_b = _draft(venue_b)
    client, _user = comms
    with in_venue(venue_a):
        assert not Campaign.objects.filter(pk=campaign_b.pk).exists()
    for path in ("", "preview/", "preview/fr.html"):
        assert client.get(f"/backoffice/campaigns/{campaign_b.pk}/{path}").status_code == 404
    assert "Lettre de mars" not in client.get("/backoffice/campaigns/").content.decode()
    admin_b = client_for(venue_b, make_staff(venue_b))
    assert "Lettre de mars" in admin_b.get("/backoffice/campaigns/").content.decode()
    # A user of venue A is not logged in on venue B's host.
    assert client_for(venue_b).get("/backoffice/campaigns/").status_code in (302, 403)


def test_sent_campaign_cannot_be_edited(comms, venue_a):
    client, _user = comms
    campaign = _draft(venue_a, [{"type": "divider"}], status="sent")
    response = client.post(
        f"/backoffice/campaigns/{campaign.pk}/", {**_post(campaign), "b-0-type": "divider"}
    )
    assert response.status_code == 409
    assert services.CampaignLocked.code == "campaigns.campaign.locked"


def _png(size=(1800, 900), color=(200, 30, 60)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def test_uploaded_image_is_kept_in_the_venue_and_served_publicly(
    comms, venue_a, venue_b, client_for
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from campaigns.composer.render import render_campaign

    client, _user = comms
    campaign = _draft(venue_a)
    url = f"/backoffice/campaigns/{campaign.pk}/"
    upload = SimpleUploadedFile("affiche.png", _png(), content_type="image/png")
    response = client.post(
        url,
        {**_post(campaign), "b-0-type": "image", "b-0-alt": "L'affiche", "b-0-file": upload},
    )
    assert response.status_code == 302, response.context and response.context["error"]
    with in_venue(venue_a):
        campaign.refresh_from_db()
        src = campaign.content["fr"]["blocks"][0]["src"]
        assert src.startswith(f"/media/{venue_a.schema_name}/campaigns/") and src.endswith(".jpg")
        html = render_campaign(campaign, language="fr").html
    assert "://alpha." in html and src in html
    picture = client_for(venue_a).get(src)  # no login: mail apps fetch it
    assert picture.status_code == 200
    import io

    from PIL import Image

    assert Image.open(io.BytesIO(b"".join(picture.streaming_content))).width == 1200
    # Another venue's host does not serve it, and its path is refused in a block.
    assert client_for(venue_b).get(src).status_code == 404
    other = src.replace(f"/media/{venue_a.schema_name}/", "/media/v_beta/")
    response = client.post(
        url, {**_post(campaign), "b-0-type": "image", "b-0-src": other, "b-0-alt": ""}
    )
    assert response.status_code == 400 and response.context["error_field"] == "b-0-src"


@pytest.mark.parametrize(
    "name, content",
    [
        ("x.png", b"not a picture"),
        ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ],
)
def test_a_file_that_is_not_a_picture_is_a_400(comms, venue_a, name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client, _user = comms
    campaign = _draft(venue_a)
    response = client.post(
        f"/backoffice/campaigns/{campaign.pk}/",
        {**_post(campaign), "b-0-type": "image", "b-0-file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 400
    assert response.context["error"].code == "campaigns.image.format"


def test_a_sent_campaign_shows_its_deliveries_by_status_and_links_to_stats(comms, venue_a):
    client, _user = comms
    campaign = _draft(venue_a, [{"type": "divider"}], status="sending")
    with in_venue(venue_a):
        for status in ("sent", "sent", "pending", "failed"):
            contact = ContactFactory()
            Delivery.objects.create(
                campaign=campaign, contact=contact, email=contact.email, status=status
            )
    page = client.get(f"/backoffice/campaigns/{campaign.pk}/preview/")
    counts = {row["status"]: row["count"] for row in page.context["counts"]}
    assert (counts["sent"], counts["pending"], counts["failed"], counts["bounced"]) == (2, 1, 1, 0)
    assert 'data-status="sent">2<' in page.content.decode()
    assert f"/backoffice/campaigns/{campaign.pk}/stats/" in page.content.decode()
    assert f"/backoffice/campaigns/{campaign.pk}/send/" not in page.content.decode()


def test_press_mailing_to_a_fixed_list(comms, venue_a):
    client, _user = comms
    with in_venue(venue_a):
        journalist = ContactFactory(contact_types=["press"], email_consent=None)
        ContactFactory(contact_types=["spectator"], email_consent=True)
    campaign = _draft(venue_a)
    page = client.get(f"/backoffice/campaigns/{campaign.pk}/")
    assert [c.pk for c in page.context["form"].fields["list_contacts"].queryset] == [journalist.pk]
    response = client.post(
        f"/backoffice/campaigns/{campaign.pk}/",
        {
            **_post(campaign),
            "kind": "press",
            "audience": "list",
            "list_contacts": [journalist.pk],
            "b-0-type": "divider",
        },
    )
    assert response.status_code == 302
    with in_venue(venue_a):
        campaign.refresh_from_db()
        assert campaign.list_contact_ids == [journalist.pk] and campaign.marketing is False
    empty = client.post(
        f"/backoffice/campaigns/{campaign.pk}/",
        {**_post(campaign), "kind": "press", "audience": "list", "b-0-type": "divider"},
    )
    assert empty.status_code == 400 and empty.context["error_field"] == "list_contacts"
