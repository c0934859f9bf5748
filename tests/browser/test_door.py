"""The door page on a phone (390 × 844): a USB scanner or a person types a code and Enter —
valid, then the same ticket again says "already scanned"; and two phones without network
scan the same ticket, come back online and sync: one entry, one double entry reported.

Screenshots under PARTERRE_SCREENSHOTS (else the test's temporary folder)."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tenants.accounts.models import User
from tests.browser.conftest import CHROMIUM
from tests.helpers import PASSWORD, committed
from tests.ticketing.conftest import build_performance
from tests.ticketing.door_helpers import qr, sold_ticket

pytestmark = [pytest.mark.django_db, pytest.mark.browser]
EMAIL = "porte@alpha.test"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "locale": "fr-FR",
    "is_mobile": True,
    "has_touch": True,
}


def _shot(page, name: str, tmp_path: Path) -> None:
    folder = Path(os.environ.get("PARTERRE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _setup():
    performance = build_performance(name="Salle de la porte")
    tickets = [sold_ticket(performance, label) for label in ("A1", "A2")]
    performance.starts_at = timezone.now() + timedelta(hours=2)
    performance.save(update_fields=["starts_at"])
    User.objects.create_user(EMAIL, PASSWORD, role=User.Role.DOOR, full_name="Jeanne Porte")
    return performance, [(t.pk, t.code, qr(t)) for t in tickets]


def _wipe():
    from tests.browser.test_storefront_journey import _wipe_committed_ticketing
    from ticketing.models import CheckIn

    CheckIn.objects.all().delete()
    _wipe_committed_ticketing()
    User.objects.filter(email=EMAIL).delete()


@pytest.fixture
def door_night(venue_a):
    committed(venue_a, _wipe)
    yield committed(venue_a, _setup)
    committed(venue_a, _wipe)


def _open_door(page, url, venue, performance, door: str):
    page.goto(url(venue, "/backoffice/door/"))
    page.get_by_label("E-mail", exact=True).fill(EMAIL)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/backoffice/door/")
    page.locator(f"input[name=performance][value='{performance.pk}']").check()
    page.locator("#door-name").fill(door)
    page.locator("form.door-choose button[type=submit]").click()
    page.wait_for_url(f"**/backoffice/door/{performance.pk}/?door=*")
    page.wait_for_selector("body[data-door-ready=ready]")


def _type_and_enter(page, text: str) -> str:
    """Like a USB scanner: keystrokes into whatever has focus, then Enter."""
    previous = page.locator("#door-result").get_attribute("data-scan") or ""
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.type(text, delay=2)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "(previous) => (document.getElementById('door-result').dataset.scan || '') !== previous",
        arg=previous,
    )
    return page.locator("#door-result").get_attribute("data-result")


def test_typed_code_then_the_same_ticket_again(phone, url, venue_a, door_night, tmp_path):
    performance, tickets = door_night
    _open_door(phone, url, venue_a, performance, "Nord")
    _shot(phone, "door-ready-390", tmp_path)
    (_pk, code, text), _second = tickets
    assert _type_and_enter(phone, code) == "valid"
    assert "Parterre A1" in phone.locator("#door-place").inner_text()
    assert phone.locator("#door-result.is-valid").is_visible()
    _shot(phone, "door-valid-390", tmp_path)
    # The same ticket's QR code through a scanner: already scanned, at this door.
    assert _type_and_enter(phone, text) == "already_scanned"
    assert "Nord" in phone.locator("#door-detail").inner_text()
    assert phone.locator("#door-result.is-warn").is_visible()
    _shot(phone, "door-already-390", tmp_path)
    assert _type_and_enter(phone, "PT:NOT-A-TICKET") == "unknown"
    assert phone.locator("#door-result.is-refused").is_visible()
    _shot(phone, "door-unknown-390", tmp_path)
    phone.wait_for_function("document.getElementById('count-scanned').textContent === '1'")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_two_offline_phones_scan_the_same_ticket_then_sync(
    browser, live_port, url, venue_a, door_night, tmp_path
):
    from ticketing.models import CheckIn, Ticket

    performance, tickets = door_night
    (pk, _code, text), _second = tickets
    contexts = [browser.new_context(**PHONE) for _ in range(2)]
    try:
        north, south = (context.new_page() for context in contexts)
        for page in (north, south):
            page.set_default_timeout(15_000)
        _open_door(north, url, venue_a, performance, "Nord")
        _open_door(south, url, venue_a, performance, "Sud")
        for context in contexts:
            context.set_offline(True)
        # North scans first, then South: each phone decides alone, from its bundle.
        assert _type_and_enter(north, text) == "valid"
        north.wait_for_timeout(1100)
        assert _type_and_enter(south, text) == "valid"
        assert "hors ligne" in north.locator("#door-net-text").inner_text().lower() or (
            north.locator("#door-net.is-offline").is_visible()
        )
        _shot(north, "door-offline-valid-390", tmp_path)
        assert north.locator("#door-queue").inner_text() != ""
        # South's network comes back first: its scan is the entry, for now…
        contexts[1].set_offline(False)
        south.wait_for_function("document.getElementById('door-queue').textContent === ''")
        # …until North's earlier scan arrives: the earliest scan wins, South's is the double.
        contexts[0].set_offline(False)
        north.wait_for_function("document.getElementById('door-queue').textContent === ''")
        north.wait_for_selector("#door-conflicts li")
        assert "Sud" in north.locator("#door-conflicts").inner_text()
        _shot(north, "door-conflict-390", tmp_path)

        def outcome():
            rows = CheckIn.objects.filter(ticket_id=pk)
            return (
                sorted(rows.values_list("door", "result", "conflict")),
                Ticket.objects.get(pk=pk).checked_in_at,
                rows.get(door="Nord").scanned_at,
            )

        rows, checked_in_at, north_at = committed(venue_a, outcome)
        assert rows == [("Nord", "valid", False), ("Sud", "already_scanned", True)]
        assert checked_in_at == north_at
    finally:
        for context in contexts:
            context.close()


def test_the_back_office_lists_double_entries(page, url, venue_a, door_night, tmp_path):
    from ticketing.services import door

    performance, tickets = door_night
    (_pk, _code, text), _second = tickets

    def double_entry():
        now = timezone.now()
        for name, seconds in (("Nord", 60), ("Sud", 30)):
            door.sync_check_ins(
                performance=performance,
                scans=[
                    door.OfflineScan(f"{name}-1", text, now - timedelta(seconds=seconds), "valid")
                ],
                door=name,
                device_id=f"tel-{name}",
            )

    committed(venue_a, double_entry)
    page.goto(url(venue_a, "/backoffice/door/"))
    page.get_by_label("E-mail", exact=True).fill(EMAIL)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/backoffice/door/")
    _shot(page, "door-choose-1280", tmp_path)
    page.locator("a[href$='/backoffice/door/conflicts/']").click()
    rows = page.locator("table tbody tr")
    assert rows.count() == 1
    assert "Sud" in rows.first.inner_text()
    assert "tel-Sud" in rows.first.inner_text()
    _shot(page, "door-conflicts-1280", tmp_path)


def test_the_page_reloads_and_scans_without_network(browser, url, venue_a, door_night, tmp_path):
    performance, tickets = door_night
    _first, (_pk, code, _text) = tickets
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        _open_door(page, url, venue_a, performance, "Entrée principale")
        page.wait_for_function("navigator.serviceWorker.controller !== null")
        page.wait_for_function(
            "caches.open('parterre-door-v1').then(c => c.match(location.href)).then(Boolean)"
        )
        context.set_offline(True)
        page.reload()
        page.wait_for_selector("body[data-door-ready=ready]")
        assert "Entrée principale" in page.locator("#door-name").inner_text()
        assert page.locator("#door-net.is-offline").is_visible()
        # The bundle comes from IndexedDB; the typed code is checked against its hashes.
        assert _type_and_enter(page, code) == "valid"
        assert "Parterre A2" in page.locator("#door-place").inner_text()
        _shot(page, "door-offline-reload-390", tmp_path)
    finally:
        context.close()


def _camera_file(payload: str, folder: Path) -> Path:
    """A looping fake camera (Y4M, 640 × 480) filming the ticket's QR code on white."""
    import io

    from PIL import Image

    from ticketing.tickets.qr import qr_png

    code = Image.open(io.BytesIO(qr_png(payload, box_size=8))).convert("L")
    code.thumbnail((440, 440))
    frame = Image.new("L", (640, 480), 255)
    frame.paste(code, ((640 - code.width) // 2, (480 - code.height) // 2))
    chroma = bytes([128]) * (320 * 240)
    path = folder / "camera.y4m"
    with path.open("wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(10):
            out.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)
    return path


def test_the_camera_reads_the_ticket(browser, url, venue_a, door_night, tmp_path):
    """Chromium's fake camera films the QR code; the page decodes it (BarcodeDetector where
    the platform has it, else the vendored jsQR) and lets the ticket in."""
    performance, tickets = door_night
    (_pk, _code, text), _second = tickets
    camera = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={_camera_file(text, tmp_path)}",
        ],
    )
    try:
        context = camera.new_context(**PHONE, permissions=["camera"])
        page = context.new_page()
        page.set_default_timeout(20_000)
        _open_door(page, url, venue_a, performance, "Nord")
        page.locator("#door-camera-btn").click()
        page.wait_for_selector("#door-result[data-result=valid]")
        assert "Parterre A1" in page.locator("#door-place").inner_text()
        assert page.locator("#door-camera-btn").get_attribute("aria-pressed") == "true"
        _shot(page, "door-camera-390", tmp_path)
        # The same code still in front of the camera is one scan, not one per frame.
        page.wait_for_timeout(1500)
        assert page.locator("#door-result").get_attribute("data-scan") == "1"
    finally:
        camera.close()
