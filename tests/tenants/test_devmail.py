"""Development mail capture: the capturing backend keeps every message (attachments included)
as a file, and the dev-only pages (DEBUG, staff) list and show them per venue."""

import pytest
from django.core.mail import EmailMultiAlternatives, get_connection
from django.test import override_settings

from tenants import devmail
from tenants.accounts.models import User
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db


@pytest.fixture
def captured(settings, tmp_path):
    settings.PARTERRE_DEV_MAIL_DIR = str(tmp_path)
    settings.DEBUG = True
    return tmp_path


def _send(venue, subject, to="a@example.fr"):
    with in_venue(venue):
        message = EmailMultiAlternatives(
            subject, "text body", "from@example.fr", [to],
            connection=get_connection("tenants.devmail.CapturingEmailBackend"),
        )  # fmt: skip
        message.attach_alternative("<p>html <strong>body</strong></p>", "text/html")
        message.attach("tickets.pdf", b"%PDF-1.7 fake", "application/pdf")
        assert message.send() == 1


def test_the_backend_keeps_each_message_with_its_attachments(captured, venue_a):
    _send(venue_a, "Vos billets")
    (mail,) = devmail.captured_mails()
    assert (mail.subject, mail.to, mail.venue) == (
        "Vos billets",
        "a@example.fr",
        venue_a.schema_name,
    )
    _summary, message = devmail.captured_mail(mail.name)
    assert (
        devmail.body(message, "plain") == "text body\n"
        or devmail.body(message, "plain") == "text body"
    )
    assert "<strong>body</strong>" in devmail.body(message, "html")
    assert devmail.attachment(message, 0) == ("tickets.pdf", "application/pdf", b"%PDF-1.7 fake")
    assert len(list(captured.glob("*.eml"))) == 1


def test_staff_read_their_venues_mail_only(captured, venue_a, venue_b, make_staff, client_for):
    _send(venue_a, "Alpha mail")
    _send(venue_b, "Beta mail")
    alpha = client_for(venue_a, make_staff(venue_a, User.Role.READ_ONLY))
    page = alpha.get("/dev/mail/")
    assert page.status_code == 200
    assert b"Alpha mail" in page.content and b"Beta mail" not in page.content
    (mine,) = devmail.captured_mails(venue=venue_a.schema_name)
    (theirs,) = devmail.captured_mails(venue=venue_b.schema_name)
    detail = alpha.get(f"/dev/mail/{mine.name}/")
    assert detail.status_code == 200 and b"text body" in detail.content
    html = alpha.get(f"/dev/mail/{mine.name}/html/")
    assert b"<strong>body</strong>" in html.content
    assert "sandbox" in html["Content-Security-Policy"]
    pdf = alpha.get(f"/dev/mail/{mine.name}/attachments/0/")
    assert pdf.content == b"%PDF-1.7 fake" and pdf["Content-Type"] == "application/pdf"
    for path in (
        f"/dev/mail/{theirs.name}/",
        f"/dev/mail/{theirs.name}/attachments/0/",
        f"/dev/mail/{mine.name}/attachments/5/",
        "/dev/mail/..%2F..%2Fetc%2Fpasswd/",
        "/dev/mail/20260101-000000-000000000000/",
    ):
        assert alpha.get(path).status_code == 404, path
    # Not logged in: to the login page. The cooperative admin sees every venue's mail.
    assert client_for(venue_a).get("/dev/mail/").status_code == 302


def test_the_cooperative_admin_sees_all_mail(captured, venue_a, venue_b, coop_admin, client_for):
    _send(venue_a, "Alpha mail")
    _send(venue_b, "Beta mail")
    page = client_for(venue_a.__class__.objects.get(schema_name="public"), coop_admin).get(
        "/dev/mail/"
    )
    assert b"Alpha mail" in page.content and b"Beta mail" in page.content


def test_no_dev_pages_without_debug(captured, venue_a, make_staff, client_for, settings):
    _send(venue_a, "Alpha mail")
    settings.DEBUG = False
    client = client_for(venue_a, make_staff(venue_a, User.Role.ADMIN))
    assert client.get("/dev/mail/").status_code == 404


def test_make_run_captures_mail():
    from importlib import import_module

    with override_settings():
        local = import_module("config.settings.local")
    assert local.EMAIL_BACKEND == "tenants.devmail.CapturingEmailBackend"
