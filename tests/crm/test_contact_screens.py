"""The contact list and the contact page, through HTTP: filters, pages in constant queries,
what the page shows, the audit entry of each view, roles, tags, criteria settings, and two
venues that never see each other's contacts."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from crm.behaviour import CRITERIA
from crm.labels import timeline_label
from crm.models import BehaviourSettings, Contact, ContactType, RelationKind
from crm.services import (
    change_tags,
    find_or_create_contact,
    record_attendance,
    record_purchase,
    relate_contacts,
    set_consent,
)
from tenants.accounts.models import AuditEvent, User
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db
LIST = "/backoffice/contacts/"


def _people(n: int, start: int = 0) -> list[Contact]:
    contacts = []
    for i in range(start, start + n):
        contact = find_or_create_contact(
            email=f"p{i}@example.fr",
            first_name=f"Prénom{i}",
            last_name=f"Nom{i:03d}",
            postcode="69003" if i % 2 else "75011",
            source="web",
        )
        set_consent(contact=contact, channel="email_newsletter", granted=i % 3 == 0, source="web")
        contacts.append(contact)
    return contacts


def test_the_list_filters_and_pages_in_constant_queries(
    venue_a, make_staff, client_for, django_assert_max_num_queries
):
    user = make_staff(venue_a, User.Role.COMMUNICATION)
    client = client_for(venue_a, user)
    with in_venue(venue_a):
        people = _people(8)
        change_tags(contact_id=people[1].pk, add=["Mécène"])
        Contact.objects.filter(pk=people[2].pk).update(contact_types=[ContactType.PRESS])
        record_purchase(
            contact_id=people[3].pk,
            order_reference="O1",
            tickets=1,
            amount_cents=1000,
            occurred_at=timezone.now(),
        )
    response = client.get(LIST)
    assert response.status_code == 200
    assert response.content.decode().count('href="/backoffice/contacts/') >= 8
    with django_assert_max_num_queries(6) as few:
        client.get(LIST)
    first = len(few.captured_queries)
    assert first >= 4  # session, user, count, page (the tags' suggestions too)
    with in_venue(venue_a):
        _people(40, start=8)
    client.get(LIST)  # the connection's search_path is set again once, after in_venue
    with django_assert_max_num_queries(first):
        response = client.get(LIST)  # 48 contacts, one page: no query per row
    assert "Nom047" in response.content.decode()

    def names(**params) -> set[str]:
        page = client.get(LIST, params).content.decode()
        return {p.last_name for p in people if f">{p.first_name} {p.last_name}<" in page}

    assert names(department="69") == {p.last_name for p in people if p.postcode == "69003"}
    assert names(tag="Mécène") == {"Nom001"}
    assert names(type="press") == {"Nom002"}
    assert names(criterion="first_timer") == {"Nom003"}
    assert names(consent="yes") == {"Nom000", "Nom003", "Nom006"}
    assert names(q="Nom005") == {"Nom005"}
    # A bad filter is ignored, not a 500.
    assert client.get(LIST, {"department": "<script>", "type": "nope"}).status_code == 200
    # HTMX asks for the results only.
    partial = client.get(
        LIST, {"q": "Nom005"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="contact-results"
    )
    assert partial.content.decode().lstrip().startswith("<section")


def test_the_contact_page_shows_everything_and_is_audited(venue_a, make_staff, client_for):
    user = make_staff(venue_a, User.Role.BOX_OFFICE)
    client = client_for(venue_a, user)
    now = timezone.now()
    with in_venue(venue_a):
        ada, ben = _people(2)
        record_purchase(
            contact_id=ada.pk,
            order_reference="ORD-9",
            tickets=2,
            amount_cents=3000,
            occurred_at=now - timedelta(days=3),
            performance_label="May B — 12/12",
            show_id=5,
            performance_id=50,
            genres=["danse"],
        )
        record_attendance(
            contact_id=ada.pk,
            ticket_reference="T1",
            performance_label="May B — 12/12",
            occurred_at=now - timedelta(days=1),
            performance_id=50,
            genres=["danse"],
        )
        relate_contacts(
            contact_id=ben.pk, other_id=ada.pk, kind=RelationKind.REFERRED_BY, source="referral"
        )
    response = client.get(f"{LIST}{ada.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    with translation.override("fr"):
        labels = [timeline_label("ticketing.purchase"), timeline_label("ticketing.attendance")]
        first_timer = str(CRITERIA["first_timer"])
    for text in ("p0@example.fr", *labels, first_timer, "danse", "Nom001"):
        assert text in page, text
    with in_venue(venue_a):
        viewed = AuditEvent.objects.filter(code="crm.contact.viewed", object_id=ada.pk)
        assert viewed.count() == 1 and viewed.get().actor_id == user.pk
    client.get(f"{LIST}{ada.pk}/")
    with in_venue(venue_a):
        assert viewed.count() == 2  # every view
    # A box-office member reads but does not tag.
    assert client.post(f"{LIST}{ada.pk}/tags/", {"add": "VIP"}).status_code == 403


def test_tags_from_the_page_with_htmx(venue_a, make_staff, client_for):
    client = client_for(venue_a, make_staff(venue_a, User.Role.COMMUNICATION))
    with in_venue(venue_a):
        (ada,) = _people(1)
    url = f"{LIST}{ada.pk}/tags/"
    response = client.post(url, {"add": "Jeune public"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Jeune public" in response.content.decode()
    response = client.post(url, {"add": "x" * 51}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    response = client.post(url, {"remove": "Jeune public"})
    assert response.status_code == 302
    with in_venue(venue_a):
        assert Contact.objects.get(pk=ada.pk).tags == []


def test_criteria_settings_are_edited_by_communication_not_box_office(
    venue_a, make_staff, client_for
):
    url = f"{LIST}criteria/"
    box = client_for(venue_a, make_staff(venue_a, User.Role.BOX_OFFICE))
    assert box.get(url).status_code == 403
    client = client_for(venue_a, make_staff(venue_a, User.Role.COMMUNICATION))
    assert client.get(url).status_code == 200
    values = {
        "season_start_month": 7,
        "regular_min_shows": 4,
        "lapsed_after_months": 18,
        "relay_min_referred": 3,
        "big_spender_min_euros": 300,
    }
    assert client.post(url, values | {"regular_min_shows": 0}).status_code == 400
    assert client.post(url, values).status_code == 302
    with in_venue(venue_a):
        current = BehaviourSettings.current()
        assert (current.season_start_month, current.big_spender_min_cents) == (7, 30000)


def test_two_venues_never_see_each_other_s_contacts(venue_a, venue_b, make_staff, client_for):
    with in_venue(venue_a):
        ada = _people(3)[-1]  # an id venue B's only contact cannot have
    with in_venue(venue_b):
        other = find_or_create_contact(email="zoe@example.fr", last_name="Zoé", source="web")
    client_b = client_for(venue_b, make_staff(venue_b))
    page = client_b.get(LIST).content.decode()
    assert "Zoé" in page and "Nom002" not in page
    assert ada.pk != other.pk
    assert client_b.get(f"{LIST}{ada.pk}/").status_code == 404
    # A member of venue A has no session on venue B's host.
    client_a_on_b = client_for(venue_b)
    assert client_a_on_b.get(LIST).status_code == 302
    with in_venue(venue_b):
        assert not AuditEvent.objects.filter(code="crm.contact.viewed").exists()


def test_the_list_needs_a_login_and_is_in_the_navigation(venue_a, make_staff, client_for):
    assert client_for(venue_a).get(LIST).status_code == 302
    page = client_for(venue_a, make_staff(venue_a, User.Role.READ_ONLY)).get("/backoffice/")
    assert f'href="{LIST}"' in page.content.decode()
