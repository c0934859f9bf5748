"""The dispatcher: every consumer sees every event it wants, its effects happen once, a failing
consumer is retried without holding back the others, events of one key keep their order, two
dispatchers share the work, and what a crash or a lost message left behind is swept up."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from crm.models import Contact
from tenants.events import registry, services
from tenants.events.models import ConsumerFailure, ConsumerReceipt, Event
from tenants.events.services.dispatch import deliver, dispatch_pending
from tests.helpers import committed, in_venue, run_together

pytestmark = pytest.mark.django_db


def _publish(key: str, code: str = "ticketing.order.confirmed", **data) -> Event:
    return services.publish(code=code, key=key, data=data)


class Recorder:
    """A consumer that records what it handled; `fail` decides per event whether to raise."""

    def __init__(self, fail=lambda event, calls: False):
        self.handled: list[int] = []
        self.calls = 0
        self.fail = fail
        self.lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        with self.lock:
            self.calls += 1
            if self.fail(event, self.calls):
                raise RuntimeError(f"cannot handle {event.pk}")
            self.handled.append(event.pk)


def test_consumers_get_the_events_they_want_in_order(venue_a, consumers):
    orders = consumers("test.orders", ["ticketing.order.*"], Recorder())
    contacts = consumers("test.contacts", ["crm.contact.created"], Recorder())
    with in_venue(venue_a):
        e1 = _publish("order:1")
        e2 = _publish("contact:5", code="crm.contact.created", contact_id=5)
        e3 = _publish("order:1", code="ticketing.order.refunded")
        report = dispatch_pending()
        assert orders.handler.handled == [e1.pk, e3.pk]
        assert contacts.handler.handled == [e2.pk]
        assert report.dispatched == 3
        assert not Event.objects.filter(dispatched_at__isnull=True).exists()
        assert dispatch_pending().events == 0  # nothing left


def test_delivering_twice_runs_a_consumer_once(venue_a, consumers):
    recorder = Recorder()
    consumer = consumers("test.once", ["ticketing.order.confirmed"], recorder)
    with in_venue(venue_a):
        event = _publish("order:1")
        assert deliver(event=event, consumer=consumer) is True
        assert deliver(event=event, consumer=consumer) is False
        dispatch_pending()  # the dispatcher finds the receipt
        Event.objects.filter(pk=event.pk).update(dispatched_at=None)  # delivered once more
        dispatch_pending()
        assert recorder.handled == [event.pk]
        assert ConsumerReceipt.objects.filter(event=event, consumer="test.once").count() == 1


def test_a_failing_consumer_is_retried_later_and_blocks_no_other(venue_a, consumers):
    flaky = consumers("test.flaky", ["ticketing.order.*"], Recorder(lambda e, n: n == 1))
    steady = consumers("test.steady", ["ticketing.order.*"], Recorder())
    with in_venue(venue_a):
        event = _publish("order:1")
        report = dispatch_pending()
        # steady handled it, flaky failed: it is not dispatched
        assert (report.handled, report.failed, report.dispatched) == (1, 1, 0)
        assert steady.handler.handled == [event.pk]
        failure = ConsumerFailure.objects.get(event=event, consumer="test.flaky")
        assert failure.attempts == 1
        assert "cannot handle" in failure.last_error
        assert (
            timedelta(seconds=55) < failure.next_attempt_at - timezone.now() <= timedelta(minutes=1)
        )
        dispatch_pending()  # too early: not tried again
        assert flaky.handler.calls == 1
        with time_machine.travel(timezone.now() + timedelta(seconds=61)):
            dispatch_pending()
        assert flaky.handler.handled == [event.pk]
        assert steady.handler.handled == [event.pk]  # not run again
        receipt = ConsumerReceipt.objects.get(event=event, consumer="test.flaky")
        assert receipt.attempts == 2
        assert not ConsumerFailure.objects.exists()
        event.refresh_from_db()
        assert event.dispatched_at is not None


def test_backoff_doubles_up_to_an_hour():
    from tenants.events.services.dispatch import retry_delay

    assert [retry_delay(n).total_seconds() / 60 for n in range(1, 9)] == [
        1,
        2,
        4,
        8,
        16,
        32,
        60,
        60,
    ]


def test_events_of_a_key_wait_for_the_consumer_that_failed_on_an_earlier_one(venue_a, consumers):
    def fail_first_of_order_1(event, calls):
        return event.key == "order:1" and calls == 1

    flaky = consumers("test.flaky", ["ticketing.order.*"], Recorder(fail_first_of_order_1))
    steady = consumers("test.steady", ["ticketing.order.*"], Recorder())
    with in_venue(venue_a):
        e1 = _publish("order:1")
        e2 = _publish("order:1", code="ticketing.order.refunded")
        e3 = _publish("order:2")
        dispatch_pending(batch_size=2)  # e1, e2 in one batch; e3 in the next
        assert flaky.handler.handled == [e3.pk]  # e2 waits behind e1, order:2 does not
        assert steady.handler.handled == [e1.pk, e2.pk, e3.pk]
        assert set(
            Event.objects.filter(dispatched_at__isnull=True).values_list("pk", flat=True)
        ) == {
            e1.pk,
            e2.pk,
        }
        e4 = _publish("order:1", code="ticketing.order.cancelled")
        dispatch_pending()  # a later batch: e4 waits behind e1 too
        assert flaky.handler.handled == [e3.pk]
        with time_machine.travel(timezone.now() + timedelta(seconds=61)):
            dispatch_pending(batch_size=1)
        assert flaky.handler.handled == [e3.pk, e1.pk, e2.pk, e4.pk]
        assert not Event.objects.filter(dispatched_at__isnull=True).exists()


def test_a_venue_dispatches_only_its_own_events(venue_a, venue_b, consumers):
    recorder = consumers("test.seen", ["*"], Recorder())
    with in_venue(venue_a):
        event = _publish("order:1")
    with in_venue(venue_b):
        assert dispatch_pending().events == 0
        assert not Event.objects.exists()
    assert recorder.handler.handled == []
    with in_venue(venue_a):
        dispatch_pending()
    assert recorder.handler.handled == [event.pk]


def test_consumers_register_with_a_decorator_and_names_are_unique():
    @registry.consumer("test.decorated", codes=["crm.contact.*"])
    def handle(event):
        pass

    try:
        found = registry.consumers_for("crm.contact.updated")
        assert "test.decorated" in [c.name for c in found]
        assert "test.decorated" not in [
            c.name for c in registry.consumers_for("ticketing.hold.expired")
        ]
        with pytest.raises(ValueError):
            registry.register_consumer("test.decorated", codes=["*"], handler=lambda e: None)
    finally:
        registry.unregister_consumer("test.decorated")


# --- With committed data: crashes, lost messages, concurrent dispatchers ----------------------
class Effects:
    """A consumer whose effect is a database row (a contact per event): exactly once or not."""

    def __call__(self, event: Event) -> None:
        Contact.objects.create(
            email=f"event{event.pk}@effects.test", email_normalized=f"event{event.pk}@effects.test"
        )


def _effects() -> dict[str, int]:
    rows = Contact.objects.filter(email_normalized__endswith="@effects.test")
    return {c.email_normalized: 1 for c in rows} | {"_count": rows.count()}


@pytest.fixture
def no_dispatch_request(monkeypatch):
    """Commits ask for no dispatch: the message is lost (or the process died right after)."""
    monkeypatch.setattr(services, "request_dispatch", lambda schema: False)


@pytest.fixture
def effects_cleanup(venue_a):
    yield
    committed(
        venue_a, lambda: Contact.objects.filter(email_normalized__endswith="@effects.test").delete()
    )


def test_a_dispatcher_killed_mid_batch_loses_nothing_and_repeats_nothing(
    venue_a, consumers, clean_outbox, no_dispatch_request, effects_cleanup
):
    consumers("test.effects", ["ticketing.order.*"], Effects())
    crash = {"armed": True}

    def killer(event):
        if crash["armed"]:
            crash["armed"] = False
            raise KeyboardInterrupt  # not an Exception: the process dies, the batch with it

    consumers("test.killer", ["ticketing.order.*"], killer)

    def sale():
        with transaction.atomic():
            return [_publish(f"order:{n}").pk for n in range(3)]

    ids = committed(venue_a, sale)
    with pytest.raises(KeyboardInterrupt):
        committed(venue_a, dispatch_pending)  # the first consumer ran, then the process died
    assert committed(venue_a, lambda: ConsumerReceipt.objects.count()) == 0
    assert committed(venue_a, _effects)["_count"] == 0  # its effect went with the batch
    committed(venue_a, lambda: dispatch_pending(older_than=timedelta(0)))  # the sweep
    assert committed(venue_a, _effects)["_count"] == 3
    assert committed(venue_a, lambda: Event.objects.filter(dispatched_at__isnull=True).count()) == 0
    assert (
        sorted(
            committed(
                venue_a,
                lambda: list(
                    ConsumerReceipt.objects.filter(consumer="test.effects").values_list(
                        "event_id", flat=True
                    )
                ),
            )
        )
        == ids
    )


def test_the_sweep_leaves_fresh_events_to_their_own_task(venue_a, consumers):
    recorder = consumers("test.sweep", ["*"], Recorder())
    with in_venue(venue_a):
        event = _publish("order:1")
        assert dispatch_pending(older_than=timedelta(seconds=5)).events == 0
        with time_machine.travel(timezone.now() + timedelta(seconds=6)):
            dispatch_pending(older_than=timedelta(seconds=5))
    assert recorder.handler.handled == [event.pk]


def test_two_dispatchers_share_the_work_and_keep_each_key_in_order(
    venue_a, consumers, clean_outbox, no_dispatch_request
):
    recorder = Recorder()

    def slow(event):
        time.sleep(0.001)
        recorder(event)

    consumers("test.shared", ["ticketing.order.*"], slow)

    def sale():
        with transaction.atomic():
            return [_publish(f"order:{n % 17}").pk for n in range(300)]

    ids = committed(venue_a, sale)
    run_together(venue_a, lambda i: dispatch_pending(batch_size=20), threads=4)
    committed(venue_a, dispatch_pending)  # what a busy neighbour held back (the task reruns)
    assert sorted(recorder.handled) == ids  # each once
    keys = committed(venue_a, lambda: dict(Event.objects.values_list("pk", "key")))
    for key in set(keys.values()):
        seen = [pk for pk in recorder.handled if keys[pk] == key]
        assert seen == sorted(seen), key


@pytest.mark.slow
def test_a_commit_sends_the_dispatcher_to_a_real_worker(
    venue_a, venue_b, consumers, clean_outbox, worker_queue
):
    seen = []
    consumers(
        "test.worker", ["crm.contact.*"], lambda e: seen.append((connection.schema_name, e.pk))
    )

    def publish():
        with transaction.atomic():
            return _publish("contact:1", code="crm.contact.created", contact_id=1).pk

    event_id = committed(venue_a, publish)
    deadline = time.monotonic() + 20
    while not seen and time.monotonic() < deadline:
        time.sleep(0.05)
    assert seen == [(venue_a.schema_name, event_id)]
    assert committed(venue_a, lambda: Event.objects.get(pk=event_id).dispatched_at) is not None


@pytest.mark.slow
def test_the_periodic_sweep_delivers_what_a_lost_message_left_behind(
    venue_a, venue_b, consumers, clean_outbox, no_dispatch_request, worker_queue, monkeypatch
):
    from tenants.events import tasks
    from tenants.tasks import fan_out

    monkeypatch.setattr(tasks, "SWEEP_MIN_AGE", timedelta(0))
    seen = []
    consumers("test.swept", ["ticketing.*"], lambda e: seen.append((connection.schema_name, e.pk)))

    def publish():
        with transaction.atomic():
            return _publish("order:1").pk

    a_id, b_id = committed(venue_a, publish), committed(venue_b, publish)
    time.sleep(0.5)
    assert seen == []  # nothing asked for a dispatch
    fan_out("events.sweep", jitter_seconds=0)
    deadline = time.monotonic() + 20
    while len(seen) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(seen) == sorted([(venue_a.schema_name, a_id), (venue_b.schema_name, b_id)])


def test_a_rush_is_one_dispatch_task_not_one_per_commit(
    venue_a, consumers, clean_outbox, monkeypatch
):
    """The first commit sends the task; commits while it works send none and their events are
    handled by it; once it has finished, the next commit sends a task again."""
    from django_redis import get_redis_connection

    from tenants.events import tasks

    sent = []
    monkeypatch.setattr(services, "send_task", lambda *a, **k: sent.append(k))
    flag = services._pending_key(venue_a.schema_name)

    def sale(n):
        def commit():
            with transaction.atomic():
                return _publish(f"order:{n}").pk

        return commit

    handled = []

    def during_the_rush(event):
        handled.append(event.pk)
        if len(handled) == 1:  # a sale commits while the dispatcher works
            committed(venue_a, sale(2))

    consumers("test.rush", ["ticketing.order.*"], during_the_rush)
    first = committed(venue_a, sale(1))
    assert len(sent) == 1  # the first commit asked for a dispatch
    committed(venue_a, tasks.dispatch.run)  # the worker runs it
    assert len(sent) == 1  # the sale during the run asked for none…
    assert handled[0] == first and len(handled) == 2  # …and the run handled it
    assert not get_redis_connection("default").exists(flag)
    committed(venue_a, sale(3))
    assert len(sent) == 2  # after the run, a commit sends a task again


def test_an_event_committed_late_is_not_left_behind_a_stream_of_newer_ones(
    venue_a, consumers, clean_outbox, no_dispatch_request
):
    """Ids are taken at INSERT, not at commit: an event can become visible after events with
    higher ids were dispatched. While newer events keep coming, it is still handled soon."""
    from tenants.events import tasks

    may_commit, late_id = threading.Event(), []

    def slow_sale():
        with transaction.atomic():
            late_id.append(_publish("order:1").pk)
            assert may_commit.wait(10)

    handled, stream = [], []

    def rush(event):
        handled.append(event.pk)
        if len(handled) == 1:  # the slow sale commits now
            may_commit.set()
            slow.result(timeout=10)
        if len(stream) < 30:  # and the rush goes on: a new sale for each one handled
            stream.append(committed(venue_a, lambda: _publish(f"order:{len(stream) + 2}").pk))

    consumers("test.stream", ["ticketing.order.*"], rush)
    with ThreadPoolExecutor(max_workers=1) as pool:
        slow = pool.submit(lambda: committed(venue_a, slow_sale))
        while not late_id:
            time.sleep(0.01)
        committed(venue_a, lambda: _publish("order:0"))  # a higher id, committed first
        committed(venue_a, tasks.dispatch.run)
    assert late_id[0] in handled
    assert handled.index(late_id[0]) < handled.index(stream[-1])  # not after the whole rush
    assert sorted(handled) == sorted([late_id[0], handled[0], *stream])
