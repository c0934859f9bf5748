"""Publishing joins the caller's transaction: a rollback publishes nothing, a commit asks for
one dispatch however many events it published, and the hot path's unsaved events are written
by a generic writer exactly as the ORM would write them."""

import pytest
from django.db import connection, transaction

from tenants.accounts.models import User
from tenants.events import services
from tenants.events.models import Event
from tests.helpers import committed, in_venue

pytestmark = pytest.mark.django_db


@pytest.fixture
def requested(monkeypatch):
    """Schemas for which a commit asked for a dispatch (the Celery message is not sent)."""
    calls = []
    monkeypatch.setattr(services, "request_dispatch", lambda schema: calls.append(schema))
    return calls


def _confirmed(order_id: int, **extra):
    return services.publish(
        code="ticketing.order.confirmed",
        key=f"order:{order_id}",
        data={"order_id": order_id, "total_cents": 2450, **extra},
    )


def test_a_rolled_back_transaction_publishes_nothing(venue_a, requested, clean_outbox):
    def sale_that_fails():
        with transaction.atomic():
            _confirmed(1)
            raise RuntimeError("payment refused")

    with pytest.raises(RuntimeError):
        committed(venue_a, sale_that_fails)
    assert committed(venue_a, lambda: Event.objects.count()) == 0
    assert requested == []


def test_a_commit_asks_for_one_dispatch_however_many_events(venue_a, requested, clean_outbox):
    def sale():
        with transaction.atomic():
            for order_id in range(10):
                _confirmed(order_id)

    committed(venue_a, sale)
    assert committed(venue_a, lambda: Event.objects.count()) == 10
    assert requested == [venue_a.schema_name]


def test_the_hook_is_registered_once_per_transaction(venue_a, django_capture_on_commit_callbacks):
    with in_venue(venue_a), django_capture_on_commit_callbacks() as callbacks:
        # A publish in a savepoint that rolls back takes its hook with it…
        with pytest.raises(RuntimeError), transaction.atomic():
            _confirmed(1)
            raise RuntimeError
        # …so the next publish registers one, and later ones none.
        for order_id in range(2, 12):
            _confirmed(order_id)
        services.after_publish()
    hooks = [c for c in callbacks if isinstance(c, services._DispatchSoon)]
    assert len(hooks) == 1
    assert hooks[0].schema == venue_a.schema_name


def test_the_event_carries_its_actor(venue_a, make_staff):
    admin = make_staff(venue_a, User.Role.ADMIN, full_name="Claire Admin")
    with in_venue(venue_a):
        event = services.publish(
            code="crm.contact.created", key="contact:9", data={"contact_id": 9}, actor=admin
        )
        system = services.publish(code="crm.contact.created", key="contact:10", data={})
        event.refresh_from_db()
    assert event.actor == {"type": "user", "id": admin.pk}
    assert event.actor_label == str(admin)
    assert system.actor == {"type": "system"}
    assert system.actor_label == "system"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"code": "ticketing.order.confirmd"},  # not in the catalogue
        {"code": "ticketing.order.confirmed", "version": 2},
        {"code": "ticketing.order.confirmed", "key": ""},
        {"code": "ticketing.order.confirmed", "data": [1, 2]},
    ],
)
def test_bad_events_are_programming_errors(venue_a, kwargs):
    with in_venue(venue_a), pytest.raises((ValueError, TypeError)):
        services.publish(**{"key": "order:1", "data": {}, **kwargs})


def test_data_holds_ids_not_model_instances(venue_a, make_staff):
    admin = make_staff(venue_a)
    with in_venue(venue_a), pytest.raises(TypeError):
        services.publish(code="crm.contact.created", key="contact:1", data={"who": admin})


# --- The hot path's writer ---------------------------------------------------------------------
def _write_like_the_sale(event: Event) -> int:
    """What the sale's generic multi-table writer does with an instance: every concrete field
    but the key, prepared as Django's INSERT compiler prepares it."""
    fields = [f for f in Event._meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(event, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO events_event ({', '.join(f.column for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING id",
            values,
        )
        return cursor.fetchone()[0]


def test_build_event_is_written_by_a_generic_writer_as_by_the_orm(venue_a, make_staff):
    admin = make_staff(venue_a)
    kwargs = {
        "code": "ticketing.order.confirmed",
        "key": "order:7",
        "data": {"order_id": 7, "reference": "AB12", "ids": [1, 2]},
        "actor": admin,
    }
    with in_venue(venue_a):
        built = services.build_event(**kwargs)
        assert built.pk is None
        raw_id = _write_like_the_sale(built)
        services.after_publish()
        orm = services.publish(**kwargs)
        raw, orm = Event.objects.get(pk=raw_id), Event.objects.get(pk=orm.pk)
    for f in Event._meta.concrete_fields:
        if f.name in ("id", "occurred_at"):
            continue
        assert getattr(raw, f.attname) == getattr(orm, f.attname), f.name
    assert abs((raw.occurred_at - orm.occurred_at).total_seconds()) < 5
    assert raw.dispatched_at is None


def test_the_writer_knows_every_field():
    """A field added to Event must be filled by build_event (the sale writes every field)."""
    assert [f.name for f in Event._meta.concrete_fields] == [
        "id",
        "code",
        "version",
        "key",
        "data",
        "occurred_at",
        "actor_label",
        "actor",
        "dispatched_at",
    ]


# --- The debounced request --------------------------------------------------------------------
def test_dispatch_requests_are_debounced_per_schema(venue_a, venue_b, monkeypatch):
    sent = []
    monkeypatch.setattr(
        services, "send_task", lambda name, **options: sent.append(options["headers"])
    )
    a, b = venue_a.schema_name, venue_b.schema_name
    assert services.request_dispatch(a) is True
    assert services.request_dispatch(a) is False  # one is on its way
    assert services.request_dispatch(b) is True  # another venue is another key
    services.clear_dispatch_request(a)  # the task started: the next commit sends again
    assert services.request_dispatch(a) is True
    assert sent == [{"_schema_name": a}, {"_schema_name": b}, {"_schema_name": a}]


def test_a_failing_broker_does_not_fail_the_committed_sale(venue_a, monkeypatch):
    def down(name, **options):
        raise ConnectionError("broker away")

    monkeypatch.setattr(services, "send_task", down)
    assert services.request_dispatch(venue_a.schema_name) is False
