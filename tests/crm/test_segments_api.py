"""The segment API: save, read, change, count, list members and delete segments; a bad tree is
a 400 naming what is wrong and where; read-only staff cannot write; another venue's segments
are 404s and its contacts never counted."""

import pytest
from django.test import Client

from crm.models import Contact, Segment
from tenants.accounts.models import AuditEvent, User
from tenants.accounts.services import create_api_token
from tests.helpers import host_for, in_venue

pytestmark = pytest.mark.django_db

DEFINITION = {
    "version": 1,
    "op": "and",
    "rules": [
        {"type": "consent", "channel": "email", "state": "granted"},
        {"type": "department", "values": ["75"]},
    ],
}


@pytest.fixture
def api_for(make_staff):
    def make(venue, role=User.Role.ADMIN) -> Client:
        user = make_staff(venue, role)
        with in_venue(venue):
            _token, key = create_api_token(name="integration", user=user, actor=user)
        return Client(HTTP_HOST=host_for(venue), HTTP_AUTHORIZATION=f"Token {key}")

    return make


def _contacts(venue, n_in: int, n_out: int) -> None:
    with in_venue(venue):
        for i in range(n_in):
            Contact.objects.create(
                email=f"in{i}@{venue.slug}.fr",
                email_normalized=f"in{i}@{venue.slug}.fr",
                department="75",
                email_consent=True,
            )
        for i in range(n_out):
            Contact.objects.create(
                email=f"out{i}@{venue.slug}.fr",
                email_normalized=f"out{i}@{venue.slug}.fr",
                department="92",
                email_consent=True,
            )
        merged = Contact.objects.create(department="75", email_consent=True)
        merged.merged_into = Contact.objects.first()
        merged.save(update_fields=["merged_into"])
        Contact.objects.create(
            department="75", email_consent=True, anonymised_at="2026-01-01T00:00Z"
        )


def test_a_segment_round_trip(api_for, venue_a, venue_b):
    _contacts(venue_a, 3, 2)
    _contacts(venue_b, 5, 0)
    api = api_for(venue_a)
    created = api.post(
        "/api/v1/segments/",
        {"name": "Parisiens", "definition": DEFINITION},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["version"] == 1
    assert api.get(f"/api/v1/segments/{pk}/count/").json() == {"count": 3}
    members = api.get(f"/api/v1/segments/{pk}/members/").json()
    assert members["count"] == 3
    assert sorted(m["email"] for m in members["results"]) == [f"in{i}@alpha.fr" for i in range(3)]
    assert [s["id"] for s in api.get("/api/v1/segments/").json()["results"]] == [pk]

    changed = api.patch(
        f"/api/v1/segments/{pk}/",
        {"definition": {**DEFINITION, "rules": [{"type": "department", "values": ["92"]}]}},
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["name"] == "Parisiens"
    assert api.get(f"/api/v1/segments/{pk}/count/").json() == {"count": 2}
    preview = api.post(
        "/api/v1/segments/count/", {"definition": DEFINITION}, content_type="application/json"
    )
    assert preview.json() == {"count": 3}

    assert api.delete(f"/api/v1/segments/{pk}/").status_code == 204
    with in_venue(venue_a):
        assert not Segment.objects.exists()
        codes = list(
            AuditEvent.objects.filter(code__startswith="crm.segment.")
            .order_by("id")
            .values_list("code", flat=True)
        )
    assert codes == ["crm.segment.created", "crm.segment.updated", "crm.segment.deleted"]


@pytest.mark.parametrize(
    ("definition", "code", "field"),
    [
        ({"op": "and", "rules": []}, "segments.unknown_version", "definition.version"),
        ({"version": 1, "op": "and", "rules": []}, "segments.empty_group", "definition.rules"),
        (
            {"version": 1, "op": "and", "rules": [{"type": "nope"}]},
            "segments.unknown_type",
            "definition.rules.0.type",
        ),
        (
            {
                "version": 1,
                "op": "or",
                "rules": [
                    {
                        "op": "not",
                        "rules": [
                            {
                                "type": "date",
                                "field": "last_attended_at",
                                "when": "within_days",
                                "days": -4,
                            }
                        ],
                    }
                ],
            },
            "segments.out_of_range",
            "definition.rules.0.rules.0.days",
        ),
        (
            {
                "version": 1,
                "op": "and",
                "rules": [{"type": "department", "values": ["75"], "x": 1}],
            },
            "segments.unknown_key",
            "definition.rules.0.x",
        ),
        (
            {"version": 1, "op": "and", "rules": [{"type": "attendance", "min_count": "3"}]},
            "segments.not_an_integer",
            "definition.rules.0.min_count",
        ),
        (
            {"version": 1, "op": "xor", "rules": [{"type": "lapsed"}]},
            "segments.unknown_op",
            "definition.op",
        ),
        ("[1, 2]", "segments.not_an_object", "definition"),
    ],
)
def test_a_bad_definition_is_a_400_naming_the_node(api_for, venue_a, definition, code, field):
    api = api_for(venue_a)
    response = api.post(
        "/api/v1/segments/",
        {"name": "X", "definition": definition},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["field"] == field
    counted = api.post(
        "/api/v1/segments/count/", {"definition": definition}, content_type="application/json"
    )
    assert counted.status_code == 400 and counted.json()["code"] == code
    with in_venue(venue_a):
        assert not Segment.objects.exists()


def test_deeply_nested_or_huge_trees_are_refused(api_for, venue_a):
    api = api_for(venue_a)
    deep = {"type": "lapsed"}
    for _ in range(10):
        deep = {"op": "and", "rules": [deep]}
    response = api.post(
        "/api/v1/segments/count/",
        {"definition": {"version": 1, **deep}},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "segments.too_deep"
    many = {"version": 1, "op": "or", "rules": [{"type": "lapsed"}] * 80}
    response = api.post(
        "/api/v1/segments/count/", {"definition": many}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "segments.too_many_rules"


def test_read_only_staff_read_but_do_not_write(api_for, venue_a):
    admin = api_for(venue_a)
    pk = admin.post(
        "/api/v1/segments/",
        {"name": "S", "definition": DEFINITION},
        content_type="application/json",
    ).json()["id"]
    reader = api_for(venue_a, User.Role.READ_ONLY)
    assert reader.get(f"/api/v1/segments/{pk}/count/").status_code == 200
    assert (
        reader.post(
            "/api/v1/segments/",
            {"name": "S2", "definition": DEFINITION},
            content_type="application/json",
        ).status_code
        == 403
    )
    assert reader.delete(f"/api/v1/segments/{pk}/").status_code == 403


def test_another_venues_segments_do_not_exist_here(api_for, venue_a, venue_b):
    pk = (
        api_for(venue_a)
        .post(
            "/api/v1/segments/",
            {"name": "A", "definition": DEFINITION},
            content_type="application/json",
        )
        .json()["id"]
    )
    other = api_for(venue_b)
    for url in (
        f"/api/v1/segments/{pk}/",
        f"/api/v1/segments/{pk}/count/",
        f"/api/v1/segments/{pk}/members/",
    ):
        assert other.get(url).status_code == 404
    assert other.delete(f"/api/v1/segments/{pk}/").status_code == 404
    assert other.get("/api/v1/segments/").json()["results"] == []


def test_the_schema_lists_the_segment_endpoints(client_for, venue_a):
    schema = client_for(venue_a).get("/api/schema/").content.decode()
    assert "/api/v1/segments/{id}/members/" in schema
    assert "/api/v1/segments/count/" in schema
