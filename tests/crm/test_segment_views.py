"""The segment screens: the list (one query for its rows whatever their number), the builder
(live preview, adding and removing rules, saving, errors shown on the form), permissions and
venue isolation."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import Contact, Segment
from crm.segments.services import create_segment
from tenants.accounts.models import AuditEvent, User
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db

TREE = {"version": 1, "op": "and", "rules": [{"type": "department", "values": ["75"]}]}


def _post_tree(**extra):
    return {
        "name": "Paris",
        "n-op": "and",
        "n-0-type": "department",
        "n-0-values": "75, 92",
        **extra,
    }


@pytest.fixture
def officer(make_staff, venue_a):
    return make_staff(venue_a, User.Role.COMMUNICATION)


def test_the_list_reads_its_rows_in_one_query(client_for, venue_a, officer):
    client = client_for(venue_a, officer)
    with in_venue(venue_a):
        create_segment(name="A", definition=TREE, actor=officer)
    client.get("/backoffice/segments/")  # session, venue, navigation caches
    with CaptureQueriesContext(connection) as one:
        client.get("/backoffice/segments/")
    with in_venue(venue_a):
        for n in range(5):
            create_segment(name=f"S{n}", definition=TREE, actor=officer)
    client.get("/backoffice/segments/")  # the schema switch back to the venue
    with CaptureQueriesContext(connection) as six:
        response = client.get("/backoffice/segments/")
    assert response.status_code == 200
    assert len(six) == len(one)
    assert response.content.decode().count("/backoffice/segments/") >= 6


def test_the_builder_previews_adds_removes_and_saves(client_for, venue_a, officer):
    client = client_for(venue_a, officer)
    with in_venue(venue_a):
        Contact.objects.create(department="75", email="a@x.fr", email_normalized="a@x.fr")
        Contact.objects.create(department="92", email="b@x.fr", email_normalized="b@x.fr")
        Contact.objects.create(department="69", email="c@x.fr", email_normalized="c@x.fr")
    assert client.get("/backoffice/segments/new/?start=forty_days").status_code == 200

    preview = client.post("/backoffice/segments/preview/", _post_tree(), HTTP_HX_REQUEST="true")
    assert "segment-count" in preview.content.decode()
    assert "<strong>2</strong>" in preview.content.decode()

    added = client.post(
        "/backoffice/segments/rule/", _post_tree(action="add-group:n"), HTTP_HX_REQUEST="true"
    )
    html = added.content.decode()
    assert 'name="n-1-op"' in html and 'name="n-1-0-type"' in html
    assert 'hx-swap-oob="innerHTML"' in html  # the preview follows

    removed = client.post(
        "/backoffice/segments/rule/", _post_tree(action="remove:n-0"), HTTP_HX_REQUEST="true"
    )
    assert 'name="n-0-type"' not in removed.content.decode()

    bad = client.post("/backoffice/segments/preview/", _post_tree(**{"n-0-values": "7x5"}))
    assert "alert-error" in bad.content.decode()

    saved = client.post("/backoffice/segments/new/", _post_tree(action="save"))
    assert saved.status_code == 302
    with in_venue(venue_a):
        segment = Segment.objects.get()
        assert segment.definition["rules"] == [{"type": "department", "values": ["75", "92"]}]
        assert segment.created_by == officer
        assert AuditEvent.objects.filter(code="crm.segment.created", object_id=segment.pk).exists()


def test_saving_a_bad_tree_marks_the_field_and_saves_nothing(client_for, venue_a, officer):
    client = client_for(venue_a, officer)
    response = client.post(
        "/backoffice/segments/new/",
        {
            "name": "X",
            "n-op": "and",
            "n-0-type": "attendance",
            "n-0-within_days": "0",
            "action": "save",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'field field-compact field-invalid">\n      <label for="n-0-within_days">' in html
    nameless = client.post("/backoffice/segments/new/", _post_tree(name="", action="save"))
    assert "field-invalid" in nameless.content.decode()
    with in_venue(venue_a):
        assert not Segment.objects.exists()


def test_box_office_staff_see_segments_but_do_not_build_them(client_for, make_staff, venue_a):
    clerk = make_staff(venue_a, User.Role.BOX_OFFICE)
    client = client_for(venue_a, clerk)
    assert client.get("/backoffice/segments/").status_code == 200
    assert client.get("/backoffice/segments/new/").status_code == 403
    assert client.post("/backoffice/segments/rule/", _post_tree()).status_code == 403


def test_another_venues_segment_cannot_be_opened_or_deleted(
    client_for, make_staff, venue_a, venue_b, officer
):
    with in_venue(venue_a):
        segment = create_segment(name="A", definition=TREE, actor=officer)
    other = client_for(venue_b, make_staff(venue_b, User.Role.ADMIN))
    assert other.get(f"/backoffice/segments/{segment.pk}/").status_code == 404
    assert other.post(f"/backoffice/segments/{segment.pk}/delete/").status_code == 404
    with in_venue(venue_a):
        assert Segment.objects.filter(pk=segment.pk).exists()
