"""Ticketing in the one audit trail: halls, layouts and the programme record their object and
their changes; order, performance and layout pages show the history in French; an API sale
names its token; the order history of before is copied over."""

import importlib
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from tenants.accounts.models import AuditEvent, User
from tenants.accounts.selectors import object_history
from tenants.accounts.services import create_api_token
from tests.helpers import host_for, in_venue
from ticketing import selectors
from ticketing.models import Order, Seat, Tariff
from ticketing.services import halls, orders, programme
from ticketing.services.inventory import HoldRequest
from ticketing.services.orders import PaymentSpec, TariffChoice

pytestmark = pytest.mark.django_db
Kind = AuditEvent.ActorKind


@pytest.fixture
def admin(venue_a, make_staff):
    return make_staff(venue_a, User.Role.ADMIN, full_name="Alice Admin")


@pytest.fixture
def french(venue_a, admin, client_for):
    client = client_for(venue_a, admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    return client


def _reads(queries) -> int:
    """Statements a page made, bar switching to the venue's schema (which depends on what
    the test did on the connection in between)."""
    return sum(1 for q in queries if not q["sql"].startswith("SET search_path"))


def _codes(object_type: str, object_id: int) -> list[str]:
    return [e.code for e in object_history(object_type, object_id)]


# --- Halls --------------------------------------------------------------------------------------
def test_every_write_on_a_hall_and_its_layout_is_recorded_on_it(venue_a, admin):
    with in_venue(venue_a):
        hall = halls.create_hall(name="Grande salle", actor=admin)
        layout = halls.create_layout(hall=hall, name="Assis", actor=admin)
        halls.generate_section(layout=layout, name="Parterre", rows=2, seats_per_row=3, actor=admin)
        halls.add_zone(layout=layout, name="Fosse", capacity=50, actor=admin)
        a1, a2 = Seat.objects.filter(label__in=["A1", "A2"]).order_by("label")
        halls.update_seats(layout=layout, seat_ids=[a1.pk, a2.pk], actor=admin, wheelchair=True)
        assert _codes("ticketing.hall", hall.pk) == ["ticketing.hall.created"]
        assert _codes("ticketing.layout", layout.pk) == [
            "ticketing.layout.seats_updated",
            "ticketing.zone.added",
            "ticketing.layout.section_generated",
            "ticketing.layout.created",
        ]
        seats, zone, *_ = object_history("ticketing.layout", layout.pk)
        assert seats.changes == {"wheelchair": [False, True]}
        with translation.override("fr"):  # the seats' fields, named by the Seat model
            assert seats.change_lines == [("Emplacement fauteuil roulant", "non", "oui")]
        assert seats.data["labels"] == ["A1", "A2"]
        assert zone.data == {"zone": layout.zones.get().pk, "name": "Fosse", "capacity": 50}
        assert all(e.actor == admin and e.actor_kind == Kind.USER for e in [seats, zone])


def test_an_imported_layout_records_its_creation_zones_and_import(venue_a, admin):
    with in_venue(venue_a):
        hall = halls.create_hall(name="Grande salle")
        data = {
            "format": halls.LAYOUT_FORMAT,
            "name": "Debout",
            "sections": [],
            "zones": [{"name": "Fosse", "capacity": 300}],
        }
        layout = halls.import_layout(hall=hall, data=data, actor=admin)
        assert _codes("ticketing.layout", layout.pk) == [
            "ticketing.layout.imported",
            "ticketing.zone.added",
            "ticketing.layout.created",
        ]


def test_the_layout_page_shows_the_hall_and_layout_history_in_french(venue_a, admin, french):
    with in_venue(venue_a):
        hall = halls.create_hall(name="Grande salle", actor=admin)
        layout = halls.create_layout(hall=hall, name="Assis", actor=admin)
        halls.generate_section(layout=layout, name="Parterre", rows=2, seats_per_row=3, actor=admin)
        halls.add_zone(layout=layout, name="Fosse", capacity=50, actor=admin)
    html = french.get(f"/backoffice/halls/layouts/{layout.pk}/").content.decode()
    assert "Historique de la salle et de la configuration" in html
    for words in (
        "Salle créée",
        "Configuration créée",
        "Section générée",
        "« Parterre », 6 places",
        "Zone en placement libre ajoutée",
        "« Fosse », 50 places",
        "Alice Admin",
    ):
        assert words in html, words


# --- Programme ----------------------------------------------------------------------------------
def test_programme_changes_name_the_performance_and_what_changed(venue_a, performance, admin):
    with in_venue(venue_a):
        start = performance.starts_at
        programme.set_performance_status(performance=performance, status="sold_out", actor=admin)
        new_start = start + timedelta(days=7)
        programme.reschedule_performance(
            performance=performance, starts_at=new_start, reason="Travaux", actor=admin
        )
        programme.cancel_performance(performance=performance, reason="Grève", actor=admin)
        cancelled, moved, status, scheduled = object_history(
            "ticketing.performance", performance.pk
        )
        assert scheduled.code == "ticketing.performance.scheduled"
        assert status.changes == {"status": ["on_sale", "sold_out"]}
        assert moved.changes == {"starts_at": [start.isoformat(), new_start.isoformat()]}
        assert moved.data["reason"] == "Travaux"
        assert cancelled.changes == {"status": ["sold_out", "cancelled"]}


def test_tariffs_and_sales_settings_record_each_change(venue_a, admin):
    with in_venue(venue_a):
        programme.ensure_default_tariffs()
        plein = Tariff.objects.get(code="plein")
        programme.save_tariffs(
            rows=[{"id": plein.pk, "name": "Plein", "tax_rate_bp": 550}, {"name": "Jeune"}],
            actor=admin,
        )
        (renamed,) = object_history("ticketing.tariff", plein.pk)
        assert (renamed.code, renamed.changes) == (
            "ticketing.tariff.updated",
            {"name": ["Plein tarif", "Plein"]},
        )
        created = AuditEvent.objects.get(code="ticketing.tariff.created")
        assert created.object_id == Tariff.objects.get(name="Jeune").pk
        settings = programme.update_sales_settings(actor=admin, fee_cents=50, hold_minutes=10)
        (event,) = object_history("ticketing.salessettings", settings.pk)
        assert event.changes == {"fee_cents": [0, 50]}  # the unchanged hold time is not a change


def test_the_performance_page_shows_its_history_in_french_in_constant_queries(
    venue_a, performance, admin, french
):
    url = f"/backoffice/programme/performances/{performance.pk}/"
    french.get(url)
    with CaptureQueriesContext(connection) as few:
        french.get(url)
    with in_venue(venue_a):
        for status in ("sold_out", "on_sale", "sold_out"):
            programme.set_performance_status(performance=performance, status=status, actor=admin)
        programme.reschedule_performance(
            performance=performance,
            starts_at=performance.starts_at + timedelta(days=1),
            reason="Travaux",
            actor=admin,
        )
    with CaptureQueriesContext(connection) as more:
        html = french.get(url).content.decode()
    assert _reads(few) == _reads(more)
    for words in (
        "Historique",
        "Représentation programmée",
        "Statut de la représentation modifié",
        "Statut : <del>En vente</del> → <ins>Complet</ins>",
        "Représentation reportée",
        "Motif : Travaux",
        "Alice Admin",
    ):
        assert words in html, words
    assert "ticketing.performance" not in html


# --- Orders -------------------------------------------------------------------------------------
def _sell(performance, label="A1", actor=None) -> Order:
    seat = Seat.objects.get(section__layout=performance.layout, label=label)
    return orders.sell(
        performance=performance,
        request=HoldRequest(seat_ids=[seat.pk]),
        tariffs=TariffChoice(Tariff.objects.get(code="plein").pk),
        payments=[PaymentSpec("cash", 2500)],
        actor=actor,
    )


def test_the_order_page_shows_its_history_in_french(venue_a, performance, admin, french):
    with in_venue(venue_a):
        order = _sell(performance, actor=admin)
        orders.refund_order(order=order, actor=admin, reason="Malade")
    html = french.get(f"/backoffice/orders/{order.pk}/").content.decode()
    for words in ("Historique", "Commande créée", "Remboursement", "Malade", "Alice Admin"):
        assert words in html, words
    assert "ticketing.order" not in html
    with in_venue(venue_a):
        history = selectors.order_events(order)
    assert [e.code for e in history] == ["ticketing.order.refunded", "ticketing.order.created"]
    # The dashboard names them too, with their tickets and amounts.
    html = french.get("/backoffice/").content.decode()
    assert 'Commande créée</strong> <span class="history-details">— 1 billet · 25\u00a0€' in html
    assert 'Remboursement</strong> <span class="history-details">— 1 billet · 25\u00a0€' in html


def test_an_api_request_is_recorded_with_its_token(venue_a, performance, make_staff):
    user = make_staff(venue_a, User.Role.BOX_OFFICE, full_name="Bea Box")
    with in_venue(venue_a):
        token, key = create_api_token(name="partenaire", user=user, actor=user)
        a2 = Seat.objects.get(section__layout=performance.layout, label="A2").pk
    api = Client(HTTP_HOST=host_for(venue_a), HTTP_AUTHORIZATION=f"Token {key}")
    response = api.post(
        "/api/v1/holds/",
        {"performance": performance.pk, "seats": [a2]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    with in_venue(venue_a):
        event = AuditEvent.objects.get(code="ticketing.hold.created")
        assert (event.actor_kind, event.api_token, event.actor) == (Kind.API_TOKEN, token, user)
        assert event.actor_label == "partenaire"


def test_the_order_history_of_before_is_copied_once(venue_a, performance, admin):
    """The data migration's copy of OrderEvent rows (run twice: nothing copied twice)."""
    migration = importlib.import_module("ticketing.migrations.0004_order_events_to_audit_trail")
    at = timezone.now() - timedelta(days=30)

    with in_venue(venue_a):
        order = _sell(performance, actor=admin)
        AuditEvent.objects.filter(object_type="ticketing.order").delete()
        # Rows the previous release wrote (the table stays until a later release drops it).
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM ticketing_orderevent WHERE order_id = %s", [order.pk])
            cursor.execute(
                "INSERT INTO ticketing_orderevent (order_id, code, actor_id, actor_label, data, "
                "created_at) VALUES (%s, 'ticketing.order.created', %s, %s, '{}', %s), "
                "(%s, 'ticketing.order.paid', NULL, 'spectator', '{\"x\": 1}', %s)",
                [order.pk, admin.pk, str(admin), at, order.pk, at],
            )
        with connection.cursor() as cursor:
            cursor.execute(migration.COPY_ORDER_EVENTS)
            cursor.execute(migration.COPY_ORDER_EVENTS)
        copied = AuditEvent.objects.filter(object_type="ticketing.order", object_id=order.pk)
        assert sorted(copied.values_list("code", "actor_kind", "actor_id", "created_at")) == [
            ("ticketing.order.created", "user", admin.pk, at),
            ("ticketing.order.paid", "spectator", None, at),
        ]
        # The order page reads each once.
        assert len(selectors.order_events(order)) == 2
