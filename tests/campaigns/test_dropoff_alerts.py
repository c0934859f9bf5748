"""Drop-off alerts in a venue: the weekly detection (the right people, the reason in words,
nothing for a new venue or a short history), no repeat until something changes, the page at
HTTP level, two-venue isolation, and the task's once-a-week idempotency (run and digest)."""

import random
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import translation
from django.utils.text import slugify

from campaigns.dropoff import services
from campaigns.dropoff.models import DropoffAlert, DropoffDigest, DropoffRun, DropoffSettings
from campaigns.dropoff.reasons import reason_text
from campaigns.dropoff.tasks import detect_dropoffs_task
from crm.models import Contact, TimelineEvent
from crm.services import find_or_create_contact, record_attendance
from tenants.accounts.models import AuditEvent, User
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 9, 2, 6, 0, tzinfo=UTC)  # a Wednesday; the week is Monday 31 Aug
YEAR = timedelta(days=365)


def _visits(contact_id: int, start: datetime, stop: datetime, every: int, seed: int) -> None:
    rng = random.Random(seed)
    at, events = start, []
    while at < stop:
        day = at + timedelta(days=rng.randint(-3, 3), hours=20 - at.hour)
        events.append(
            TimelineEvent(contact_id=contact_id, code="ticketing.attendance", occurred_at=day)
        )
        at += timedelta(days=every)
    TimelineEvent.objects.bulk_create(events)


def _person(name: str) -> Contact:
    first, last = name.split()
    return find_or_create_contact(
        email=f"{slugify(first)}.{slugify(last)}@example.fr",
        first_name=first,
        last_name=last,
        source="import",
    )


def _audience(*, years: int = 6) -> dict[str, Contact]:
    """Thirty regulars (about monthly), eight who left over the years, and the three the
    alerts are about: a drifter (monthly, then quarterly this year), a regular who stopped
    ten months ago, and a newcomer of three quarters."""
    start = NOW - years * YEAR
    for k in range(30):
        contact = _person(f"Habitué Numéro{k}")
        _visits(contact.pk, start + timedelta(days=k * 7), NOW, 28 + k % 10, seed=k)
    for k in range(8):
        contact = _person(f"Parti Numéro{k}")
        _visits(contact.pk, start, NOW - timedelta(days=150 * (k + 1)), 45, seed=100 + k)
    people = {
        "drifter": _person("Agathe Ralentie"),
        "stopped": _person("Bruno Disparu"),
        "newcomer": _person("Chloé Nouvelle"),
    }
    _visits(people["drifter"].pk, start, NOW - YEAR, 30, seed=1000)
    _visits(people["drifter"].pk, NOW - YEAR + timedelta(days=20), NOW, 91, seed=1001)
    _visits(people["stopped"].pk, start, NOW - timedelta(days=300), 30, seed=1002)
    _visits(people["newcomer"].pk, NOW - timedelta(days=270), NOW - timedelta(days=120), 20, 3)
    return people


def _alerted() -> dict[int, str]:
    return dict(DropoffAlert.objects.filter(state="open").values_list("contact_id", "kind"))


def test_detection_flags_the_drifter_and_the_stopped_only(venue_a):
    with in_venue(venue_a):
        people = _audience()
        run = services.detect_dropoffs(now=NOW)
        assert run.week.isoformat() == "2026-08-31"
        alerted = _alerted()
        assert alerted.get(people["drifter"].pk) == "drifting"
        assert alerted.get(people["stopped"].pk) == "stopped"
        assert people["newcomer"].pk not in alerted
        regulars = set(
            Contact.objects.filter(
                last_name__startswith="Numéro", first_name="Habitué"
            ).values_list("pk", flat=True)
        )
        assert not regulars & set(alerted)
        assert run.data["model"]["n"] >= 40


def test_the_reason_says_it_in_words(venue_a):
    with in_venue(venue_a):
        people = _audience()
        services.detect_dropoffs(now=NOW)
        drifter = DropoffAlert.objects.get(contact=people["drifter"])
        stopped = DropoffAlert.objects.get(contact=people["stopped"])
        with translation.override("en"):
            text = reason_text(drifter)
            assert text.startswith("Came 3.")
            assert "×/quarter from September 2020 to September 2025, 1.0×/quarter since" in text
            assert reason_text(stopped).startswith(
                "Came 3.0×/quarter from September 2020 to October 2025, and not since: "
                "11 months without a visit"
            )
        with translation.override("fr"):  # dates and numbers in the reader's language
            assert "septembre 2020" in reason_text(drifter)
            assert "1,0×" in reason_text(drifter)


def test_a_new_venue_gets_no_alert(venue_a):
    """Eight months of history at the whole venue: no one is judged, the run says why."""
    with in_venue(venue_a):
        for k in range(30):
            contact = _person(f"Premier Public{k}")
            _visits(contact.pk, NOW - timedelta(days=240), NOW - timedelta(days=k), 14, k)
        run = services.detect_dropoffs(now=NOW)
        assert run.data == {"skipped": "venue_history", "first_visit": run.data["first_visit"]}
        assert not DropoffAlert.objects.exists()


def test_same_week_twice_changes_nothing_and_no_repeat_until_something_changes(venue_a):
    with in_venue(venue_a):
        people = _audience()
        first = services.detect_dropoffs(now=NOW)
        again = services.detect_dropoffs(now=NOW + timedelta(days=2))
        assert again.pk == first.pk
        assert DropoffRun.objects.count() == 1
        drifter_alert = DropoffAlert.objects.get(contact=people["drifter"])
        services.dismiss_alert(alert_id=drifter_alert.pk)
        # Next week: the same facts, so no new alert for the dismissed drifter.
        services.detect_dropoffs(now=NOW + timedelta(days=7))
        assert DropoffAlert.objects.filter(contact=people["drifter"]).count() == 1
        assert DropoffRun.objects.count() == 2
        # The stopped one comes back: their "stopped" alert is resolved (a slower pace than
        # before may still be worth a new, different alert).
        record_attendance(
            contact_id=people["stopped"].pk,
            ticket_reference="RETOUR-1",
            performance_label="Retour",
            occurred_at=NOW + timedelta(days=8),
        )
        services.detect_dropoffs(now=NOW + timedelta(days=14))
        stopped_alert = DropoffAlert.objects.get(contact=people["stopped"], kind="stopped")
        assert stopped_alert.state == "resolved"
        assert not DropoffAlert.objects.filter(
            contact=people["stopped"], kind="stopped", state="open"
        ).exists()
        # The drifter comes once more, still slowly: a new fact, a new alert.
        record_attendance(
            contact_id=people["drifter"].pk,
            ticket_reference="LENT-1",
            performance_label="Encore",
            occurred_at=NOW + timedelta(days=15),
        )
        services.detect_dropoffs(now=NOW + timedelta(days=21))
        kinds = list(
            DropoffAlert.objects.filter(contact=people["drifter"])
            .order_by("pk")
            .values_list("state", flat=True)
        )
        assert kinds == ["dismissed", "open"]


def test_disabled_venue_detects_nothing(venue_a):
    with in_venue(venue_a):
        _audience()
        services.update_dropoff_settings(enabled=False)
        assert services.detect_dropoffs(now=NOW) is None
        assert not DropoffRun.objects.exists()


def test_page_lists_alerts_and_buttons_close_them(venue_a, make_staff, client_for):
    comms = make_staff(venue_a, role=User.Role.COMMUNICATION)
    with in_venue(venue_a):
        people = _audience()
        services.detect_dropoffs(now=NOW)
        alert = DropoffAlert.objects.get(contact=people["drifter"])
    client = client_for(venue_a, comms)
    page = client.get("/backoffice/campaigns/dropoff/", HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Agathe Ralentie" in html and "Bruno Disparu" in html
    assert f"/backoffice/contacts/{people['drifter'].pk}/" in html
    assert "Chloé Nouvelle" not in html
    done = client.post(f"/backoffice/campaigns/dropoff/{alert.pk}/done/")
    assert done.status_code == 302
    with in_venue(venue_a):
        alert.refresh_from_db()
        assert alert.state == "acted"
        assert AuditEvent.objects.filter(code="campaigns.dropoff.acted").count() == 1
    # Closed already: a message, not an error page.
    again = client.post(f"/backoffice/campaigns/dropoff/{alert.pk}/dismiss/", follow=True)
    assert again.status_code == 200
    missing = client.post("/backoffice/campaigns/dropoff/999999/dismiss/", follow=True)
    assert missing.status_code == 200
    page = client.get("/backoffice/campaigns/dropoff/")
    assert "Agathe Ralentie" not in page.content.decode()


def test_page_needs_the_communication_or_admin_role(venue_a, make_staff, client_for):
    box = make_staff(venue_a, role=User.Role.BOX_OFFICE)
    assert client_for(venue_a, box).get("/backoffice/campaigns/dropoff/").status_code == 403
    anonymous = client_for(venue_a).get("/backoffice/campaigns/dropoff/")
    assert anonymous.status_code == 302


def test_settings_form_bounds_and_saves(venue_a, make_staff, client_for):
    admin = make_staff(venue_a, role=User.Role.ADMIN)
    client = client_for(venue_a, admin)
    values = {
        "enabled": "on",
        "min_history_quarters": "8",
        "min_history_visits": "5",
        "lookback_days": "300",
        "significance": "0.01",
        "min_drop_percent": "40",
    }
    assert client.post("/backoffice/campaigns/dropoff/", values).status_code == 302
    with in_venue(venue_a):
        saved = DropoffSettings.current()
        assert (saved.min_history_quarters, saved.lookback_days) == (8, 300)
        assert saved.significance == 0.01
    bad = client.post("/backoffice/campaigns/dropoff/", {**values, "lookback_days": "5000"})
    assert bad.status_code == 400


def test_two_venues_are_isolated(venue_a, venue_b, make_staff, client_for):
    with in_venue(venue_a):
        _audience()
        services.detect_dropoffs(now=NOW)
        assert DropoffAlert.objects.count() >= 2
    with in_venue(venue_b):
        assert not DropoffAlert.objects.exists()
        run = services.detect_dropoffs(now=NOW)
        assert run.data["skipped"] == "venue_history"
    comms_b = make_staff(venue_b, role=User.Role.COMMUNICATION)
    page = client_for(venue_b, comms_b).get("/backoffice/campaigns/dropoff/")
    assert "Agathe Ralentie" not in page.content.decode()


def test_task_runs_once_a_week_and_mails_the_digest_once(venue_a, make_staff):
    comms = make_staff(venue_a, role=User.Role.COMMUNICATION, email="com@alpha.test")
    make_staff(venue_a, role=User.Role.BOX_OFFICE, email="box@alpha.test")
    with in_venue(venue_a):
        _audience()
        with time_machine.travel(NOW, tick=False):
            created = detect_dropoffs_task()
            assert created >= 2
            assert detect_dropoffs_task() == created  # same week: the same run
        with time_machine.travel(NOW + timedelta(days=1), tick=False):
            detect_dropoffs_task()
        assert DropoffRun.objects.count() == 1
        assert DropoffDigest.objects.count() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert comms.email in message.bcc and "box@alpha.test" not in message.bcc
    assert "Agathe Ralentie" in message.body
    html = message.alternatives[0][0]
    assert "Agathe Ralentie" in html and "/backoffice/campaigns/dropoff/" in html
    assert "Théâtre Alpha" in message.subject


def test_the_page_reads_a_fixed_number_of_queries(venue_a, make_staff, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    comms = make_staff(venue_a, role=User.Role.COMMUNICATION)
    client = client_for(venue_a, comms)

    def alerts(n: int) -> None:
        with in_venue(venue_a):
            for k in range(n):
                contact = _person(f"Personne Lente{DropoffAlert.objects.count()}x{k}")
                DropoffAlert.objects.create(
                    contact=contact,
                    kind="drifting",
                    week=NOW.date(),
                    score=0.99,
                    p_alive=0.9,
                    p_no_return=0.3,
                    historical_rate=3.0,
                    recent_rate=1.0,
                    history_start=NOW.date() - 5 * YEAR,
                    history_end=NOW.date() - YEAR,
                    last_visit=NOW.date(),
                    reason={"historical_rate": 3.0, "recent_rate": 1.0},
                    fingerprint=f"drifting:{k}",
                    created_at=NOW,
                )

    alerts(2)
    client.get("/backoffice/campaigns/dropoff/")  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        assert client.get("/backoffice/campaigns/dropoff/").status_code == 200
    alerts(20)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/backoffice/campaigns/dropoff/")
    assert page.content.decode().count('class="dropoff-item"') == 22

    def reads(captured) -> list[str]:  # the schema switch depends on what ran before
        return [q["sql"][:60] for q in captured if not q["sql"].startswith("SET search_path")]

    assert len(reads(many)) == len(reads(few)) <= 6, reads(many)


def test_a_failed_run_is_tried_again(venue_a, monkeypatch):
    from campaigns.dropoff import method

    with in_venue(venue_a):
        _audience()

        def broken(*args, **kwargs):
            raise RuntimeError("worker lost")

        monkeypatch.setattr(method, "fit_bgnbd", broken)
        with pytest.raises(RuntimeError):
            services.detect_dropoffs(now=NOW)
        assert not DropoffRun.objects.exists()
        monkeypatch.undo()
        assert services.detect_dropoffs(now=NOW).alerts_created >= 2


def test_no_digest_without_open_alerts(venue_a, make_staff):
    make_staff(venue_a, role=User.Role.COMMUNICATION)
    with in_venue(venue_a):
        assert services.send_dropoff_digest(now=NOW) is None
        assert not DropoffDigest.objects.exists()
    assert mail.outbox == []
