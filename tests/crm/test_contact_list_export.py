"""The contact list's export button: the file holds exactly the contacts the list shows with
its current search and filters (all of them), as CSV or XLSX, and the export is audited."""

import html
import io
import re

import pytest
from openpyxl import load_workbook

from crm.models import Contact
from crm.services import change_tags, find_or_create_contact
from tenants.accounts.models import AuditEvent, User
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db


def _export_links(page: str) -> dict[str, str]:
    links = re.findall(r'href="(/backoffice/contacts/export/\?[^"]*)"', page)
    return {re.search(r"format=(\w+)", link).group(1): html.unescape(link) for link in links}


def test_the_export_follows_the_lists_filters(venue_a, make_staff, client_for):
    client = client_for(venue_a, make_staff(venue_a, User.Role.COMMUNICATION))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with in_venue(venue_a):
        for i in range(6):
            contact = find_or_create_contact(
                email=f"p{i}@example.fr",
                last_name=f"Nom{i}",
                postcode="69003" if i % 2 else "75011",
                source="web",
            )
            if i < 4:
                change_tags(contact_id=contact.pk, add=["Mécène"])
    page = client.get("/backoffice/contacts/?department=69&tag=Mécène").content.decode()
    links = _export_links(page)
    assert set(links) == {"csv", "xlsx"}
    csv_text = b"".join(client.get(links["csv"]).streaming_content).decode("utf-8-sig")
    lines = csv_text.splitlines()
    # Contacts 1 and 3: in the 69 and tagged (5 is in the 69 but not tagged).
    assert len(lines) == 3 and {"p1@example.fr", "p3@example.fr"} <= set(csv_text.split(";"))
    workbook = load_workbook(io.BytesIO(client.get(links["xlsx"]).content))
    assert workbook.active.max_row == 3
    with in_venue(venue_a):
        exports = AuditEvent.objects.filter(code="crm.contact.exported").order_by("id")
        assert [e.data["count"] for e in exports] == [2, 2]
        assert "department=69" in exports[0].data["filter"]
        assert "tag=Mécène" in exports[0].data["filter"]
        assert Contact.objects.count() == 6


def test_only_roles_that_may_export_see_the_button(venue_a, make_staff, client_for):
    with in_venue(venue_a):
        find_or_create_contact(email="x@example.fr", source="web")
    reader = client_for(venue_a, make_staff(venue_a, User.Role.BOX_OFFICE))
    assert not _export_links(reader.get("/backoffice/contacts/").content.decode())
    assert reader.get("/backoffice/contacts/export/?format=csv").status_code == 403
