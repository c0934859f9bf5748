"""The one audit trail: what record_event/new_event write, who they name (user, API token,
spectator, system), the labels of every code, the activity lists, and two venues apart."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.models.expressions import DatabaseDefault
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tenants.accounts.audit import (
    as_system,
    current_api_token,
    new_event,
    record_event,
    request_scope,
    set_api_token,
)
from tenants.accounts.audit_labels import label_for, registered_codes
from tenants.accounts.models import AuditEvent, User
from tenants.accounts.selectors import object_history, recent_events
from tenants.accounts.services import authenticate_token, change_staff_role, create_api_token
from tenants.services import reactivate_venue, suspend_venue, update_venue_profile
from tests.helpers import host_for, in_venue

pytestmark = pytest.mark.django_db

Kind = AuditEvent.ActorKind


# --- Writing ----------------------------------------------------------------------------------
def test_record_event_names_the_object_who_and_the_change(venue_a, make_staff):
    admin = make_staff(venue_a, User.Role.ADMIN, full_name="Alice Admin")
    clerk = make_staff(venue_a, User.Role.BOX_OFFICE)
    with in_venue(venue_a):
        change_staff_role(user=clerk, role=User.Role.COMMUNICATION, actor=admin)
        event = AuditEvent.objects.get(code="accounts.staff.role_changed")
        assert (event.object_type, event.object_id) == ("accounts.user", clerk.pk)
        assert (event.actor, event.actor_kind, event.actor_label) == (
            admin,
            Kind.USER,
            "Alice Admin",
        )
        assert event.api_token is None
        assert event.changes == {"role": ["box_office", "communication"]}
        with translation.override("fr"):
            assert event.label == "Rôle modifié"
            assert event.who == "Alice Admin"
            assert event.change_lines == [
                ("Rôle", "Billetterie", "Relations avec les publics / communication")
            ]


def test_record_event_still_takes_the_calls_written_before(venue_a):
    """code + actor + data, as every caller wrote it before objects and changes existed."""
    with in_venue(venue_a):
        event = record_event(code="ticketing.show.created", actor=None, data={"show": "Phèdre"})
        event.refresh_from_db()
        assert (event.object_type, event.object_id, event.changes) == ("", None, {})
        assert (event.actor_kind, event.actor_label, event.data) == (
            Kind.SYSTEM,
            "system",
            {"show": "Phèdre"},
        )


def test_changes_are_stored_as_json_values(venue_a):
    from datetime import UTC, datetime
    from decimal import Decimal

    moment = datetime(2031, 5, 1, 17, 0, tzinfo=UTC)
    with in_venue(venue_a):
        event = record_event(
            code="ticketing.performance.rescheduled",
            object_type="ticketing.performance",
            object_id=7,
            changes={"starts_at": (None, moment), "fee": (Decimal("1.50"), Decimal("2"))},
        )
        event.refresh_from_db()
        assert event.changes == {
            "starts_at": [None, "2031-05-01T17:00:00+00:00"],
            "fee": ["1.50", "2"],
        }
        with translation.override("fr"):
            lines = event.change_lines
        # A model's field by its name, a date in the venue's time zone (Paris: UTC+2 in May).
        assert lines == [("Début", "—", "01/05/2031 19:00"), ("Fee", "1.50", "2")]


def test_new_event_fills_every_field_without_a_query(
    venue_a, make_staff, django_assert_num_queries
):
    seller = make_staff(venue_a, User.Role.BOX_OFFICE)
    with in_venue(venue_a):
        _token, key = create_api_token(name="caisse", user=seller, actor=seller)
        token = authenticate_token(key)
        for scope in (None, token):
            with request_scope():
                if scope is not None:
                    set_api_token(scope)
                with django_assert_num_queries(0):
                    event = new_event(
                        code="ticketing.order.created",
                        actor=seller if scope is None else None,
                        object_type="ticketing.order",
                        data={"total_cents": 2500},
                    )
                    assert event.actor == seller  # cached, not read
            assert event.pk is None
            for field in AuditEvent._meta.concrete_fields:
                value = getattr(event, field.attname)
                assert not isinstance(value, DatabaseDefault), field.name
            assert event.created_at is not None and event.changes == {}
            assert event.actor_id == seller.pk
        assert (event.actor_kind, event.api_token_id, event.actor_label) == (
            Kind.API_TOKEN,
            token.pk,
            "caisse",
        )


def test_no_actor_is_the_spectator_in_a_request_and_the_system_elsewhere(venue_a):
    with in_venue(venue_a):
        assert record_event(code="ticketing.hold.expired").actor_kind == Kind.SYSTEM
        with request_scope():
            assert record_event(code="ticketing.hold.created").actor_kind == Kind.SPECTATOR
            with as_system():
                assert record_event(code="ticketing.hold.expired").actor_kind == Kind.SYSTEM
            assert record_event(code="ticketing.hold.released").actor_kind == Kind.SPECTATOR
        with translation.override("fr"):
            whos = [e.who for e in recent_events(limit=4)]
        assert whos == ["Spectateur", "Système", "Spectateur", "Système"]


def test_a_token_is_forgotten_when_its_request_scope_ends(venue_a, make_staff):
    user = make_staff(venue_a)
    with in_venue(venue_a):
        _token, key = create_api_token(name="ci", user=user, actor=user)
        with request_scope():
            set_api_token(authenticate_token(key))
            assert current_api_token().name == "ci"
        assert current_api_token() is None
        assert record_event(code="ticketing.hold.expired").api_token_id is None


# --- Who, through real requests ---------------------------------------------------------------
@pytest.mark.urls("tests.tenants.audit_probe_urls")
def test_an_api_request_names_its_token_and_the_next_request_does_not(
    venue_a, make_staff, client_for
):
    user = make_staff(venue_a, User.Role.BOX_OFFICE, full_name="Bea Box")
    with in_venue(venue_a):
        token, key = create_api_token(name="billetterie partenaire", user=user, actor=user)
    api = Client(HTTP_HOST=host_for(venue_a), HTTP_AUTHORIZATION=f"Token {key}")
    response = api.post("/api/v1/audit-probe/")
    assert response.status_code == 201, response.content
    with in_venue(venue_a):
        event = AuditEvent.objects.select_related("api_token").get(pk=response.json()["id"])
        assert (event.actor_kind, event.api_token, event.actor) == (Kind.API_TOKEN, token, user)
        with translation.override("fr"):
            assert event.who == "Jeton API « billetterie partenaire »"
    # The same thread serves a session request next: it is the user's, no token's.
    staff = client_for(venue_a, user)
    response = staff.post("/api/v1/audit-probe/")
    assert response.status_code == 201
    with in_venue(venue_a):
        event = AuditEvent.objects.get(pk=response.json()["id"])
        assert (event.actor_kind, event.api_token_id, event.actor) == (Kind.USER, None, user)
    assert current_api_token() is None


# --- Labels -----------------------------------------------------------------------------------
CODE = re.compile(r"^[a-z_]+(\.[a-z_]+){2,}$")
SOURCES = ("tenants", "crm", "ticketing", "campaigns", "analytics", "config", "demo")


# Functions named like an audit writer that are not one: the outbox's domain events have
# their own catalogue (tenants/events/catalogue.py).
NOT_AUDIT = {"build_event", "publish_order_event"}


def recorded_codes(source: str) -> set[str]:
    """Dotted codes passed to a function named like *event (record_event, new_event, _event,
    new_order_event…): the `code=` keyword, or a positional string that looks like a code."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
        if not name.endswith("event") or name in NOT_AUDIT:
            continue
        values = [k.value for k in node.keywords if k.arg == "code"] + list(node.args)
        for value in values:
            for leaf in ast.walk(value):
                text = leaf.value if isinstance(leaf, ast.Constant) else None
                if isinstance(text, str) and CODE.match(text):
                    found.add(text)
    return found


def test_the_code_scanner_finds_codes_however_they_are_passed():
    sample = (
        'record_event(code="a.b.created", actor=None)\n'
        'record_event(code="a.b.on" if x else "a.b.off")\n'
        '_event(order, "ticketing.order.paid", actor, total=1)\n'
        'new_event(code="ticketing.order.created", object_type="ticketing.order")\n'
        'Conflict("msg", code="staff.email_taken")\n'
        'build_event(code="ticketing.order.confirmed", key="order:X")\n'
    )
    assert recorded_codes(sample) == {
        "a.b.created",
        "a.b.on",
        "a.b.off",
        "ticketing.order.paid",
        "ticketing.order.created",
    }


def test_every_code_recorded_in_the_code_base_has_a_label():
    base = Path(settings.BASE_DIR)
    codes = set()
    for folder in SOURCES:
        for path in (base / folder).rglob("*.py"):
            if "migrations" not in path.parts:
                codes |= recorded_codes(path.read_text(encoding="utf-8"))
    assert len(codes) > 25, sorted(codes)  # the scan found the code base's calls
    assert {"ticketing.layout.created", "ticketing.zone.added", "tenants.venue.created"} <= codes
    missing = codes - registered_codes()
    assert not missing, f"give these audit codes a label (app/audit_labels.py): {missing}"


def test_every_label_is_translated_into_french():
    untranslated = []
    for code in registered_codes():
        with translation.override("en"):
            english = label_for(code)
        with translation.override("fr"):
            french = label_for(code)
        if french == english:
            untranslated.append(code)
    assert not untranslated
    with translation.override("fr"):
        assert label_for("ticketing.performance.rescheduled") == "Représentation reportée"
        assert label_for("tenants.venue.created") == "Lieu créé"
        assert label_for("something.never.recorded") == "something.never.recorded"


# --- Reading ----------------------------------------------------------------------------------
def test_object_history_is_the_objects_own_newest_first(venue_a, make_staff):
    user = make_staff(venue_a)
    other = make_staff(venue_a)
    with in_venue(venue_a):
        first = record_event(code="accounts.staff.invited", actor=user, obj=other)
        record_event(code="accounts.staff.invited", actor=user, obj=user)
        second = record_event(code="accounts.staff.deactivated", actor=user, obj=other)
        with CaptureQueriesContext(connection) as queries:
            history = object_history("accounts.user", other.pk)
            whos = [e.who for e in history]
        assert [e.pk for e in history] == [second.pk, first.pk]
        assert whos == ["Test Person", "Test Person"]
        assert len(queries) == 1  # actors come with the events


def _events_of_every_kind(venue, user, count: int) -> None:
    with in_venue(venue):
        _token, key = create_api_token(name=f"t{count}", user=user, actor=user)
        token = authenticate_token(key)
        for i in range(count):
            with request_scope():
                if i % 3 == 0:
                    set_api_token(token)
                record_event(code="ticketing.hold.created", actor=user if i % 3 == 1 else None)


def test_the_dashboard_and_audit_trail_speak_french_in_constant_queries(
    venue_a, make_staff, client_for
):
    admin = make_staff(venue_a, User.Role.ADMIN, full_name="Alice Admin")
    client = client_for(venue_a, admin)
    for page in ("/backoffice/", "/backoffice/settings/audit/"):
        client.get(page)  # (the first request of a process reads what it keeps)
        counts = []
        for more in (2, 9):
            _events_of_every_kind(venue_a, admin, more)
            with CaptureQueriesContext(connection) as queries:
                html = client.get(page).content.decode()
            counts.append(len(queries))
        assert counts[0] == counts[1], (page, counts)
        assert "Panier créé" in html and "Jeton API « t9 »" in html
        assert "Spectateur" in html and "Alice Admin" in html
        assert "<code>ticketing." not in html.replace('<code class="muted small">', "")


def test_the_console_lists_the_cooperatives_activity_in_french(
    coop_admin, cooperative, venue_b, client_for
):
    suspend_venue(venue=venue_b, actor=coop_admin)
    reactivate_venue(venue=venue_b, actor=coop_admin)
    client = client_for(cooperative, coop_admin)
    with CaptureQueriesContext(connection) as first:
        client.get("/venues/")
    suspend_venue(venue=venue_b, actor=coop_admin)
    reactivate_venue(venue=venue_b, actor=coop_admin)
    with CaptureQueriesContext(connection) as second:
        html = client.get("/venues/").content.decode()
    assert len(first) == len(second)
    assert "Lieu suspendu" in html and "Lieu réactivé" in html and "Coop Admin" in html
    assert "tenants.venue" not in html
    event = AuditEvent.objects.filter(code="tenants.venue.suspended").latest("id")
    assert (event.object_type, event.object_id) == ("tenants.venue", venue_b.pk)
    assert event.changes == {"status": ["active", "suspended"]}


def test_a_venue_profile_change_records_what_changed(venue_a, make_staff):
    admin = make_staff(venue_a)
    city = venue_a.city
    with in_venue(venue_a):
        update_venue_profile(venue=venue_a, actor=admin, city="Lyon", name=venue_a.name)
        event = AuditEvent.objects.get(code="tenants.venue.profile_updated")
    assert (event.object_type, event.object_id) == ("tenants.venue", venue_a.pk)
    assert list(event.changes) == ["city"]  # the name sent unchanged is not a change
    assert event.changes["city"] == [city, "Lyon"]


def test_a_new_venues_first_invitation_is_the_systems(django_capture_on_commit_callbacks):
    from tenants.services import create_venue

    created = create_venue(name="Salle Gamma", slug="gamma-audit", admin_email="a@gamma.fr")
    with in_venue(created.venue):
        event = AuditEvent.objects.get(code="accounts.staff.invited")
        assert event.actor_kind == Kind.SYSTEM
        assert (event.object_type, event.object_id) == ("accounts.user", created.admin.pk)
    event = AuditEvent.objects.get(code="tenants.venue.created", object_id=created.venue.pk)
    assert event.object_type == "tenants.venue"


# --- Two venues -------------------------------------------------------------------------------
def test_each_venue_sees_only_its_own_trail(venue_a, venue_b, make_staff, client_for):
    alice = make_staff(venue_a, User.Role.ADMIN, full_name="Alice Alpha")
    bruno = make_staff(venue_b, User.Role.ADMIN, full_name="Bruno Beta")
    with in_venue(venue_a):
        record_event(
            code="ticketing.hall.created",
            actor=alice,
            object_type="ticketing.hall",
            object_id=1,
            data={"hall": "Salle secrète Alpha"},
        )
    with in_venue(venue_b):
        assert object_history("ticketing.hall", 1) == []
        assert not AuditEvent.objects.filter(code="ticketing.hall.created").exists()
    for page in ("/backoffice/", "/backoffice/settings/audit/"):
        beta = client_for(venue_b, bruno).get(page).content.decode()
        alpha = client_for(venue_a, alice).get(page).content.decode()
        assert "Salle secrète Alpha" not in beta and "Alice Alpha" not in beta
        assert "Salle secrète Alpha" in alpha
