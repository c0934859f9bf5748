"""The storefront's seat map on a phone (fits the screen, zooms, a seat can be chosen) and the
storefront pages checked with axe-core (vendored: static/vendor/axe.min.js).

Set PARTERRE_SCREENSHOTS=<folder> to keep screenshots of every page at 390×844 and 1280×800.
"""

import io
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from tests.browser.test_storefront_journey import _wipe_committed_ticketing
from tests.helpers import committed
from ticketing.demo.halls import build_theatre_halls
from ticketing.models import PerformanceSeat
from ticketing.services import programme
from ticketing.services.programme import CategoryPlan

AXE = Path(settings.BASE_DIR) / "static" / "vendor" / "axe.min.js"
SHOTS = os.environ.get("PARTERRE_SCREENSHOTS", "")


def _picture() -> SimpleUploadedFile:
    image = Image.new("RGB", (1800, 1000), "#8a1538")
    for x in range(0, 1800, 120):
        image.paste((250, 220, 180), (x, 300, x + 60, 700))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return SimpleUploadedFile("affiche.jpg", buffer.getvalue(), content_type="image/jpeg")


def _theatre():
    """The demo theatre's main hall (orchestra and balcony, wheelchair spaces) with one
    performance on sale, a show picture and a video link."""
    programme.ensure_default_tariffs()
    layout = build_theatre_halls()["grande"]
    show = programme.create_show(
        title="La Cerisaie",
        subtitle="Tchekhov, mise en scène nouvelle",
        description="Une famille, une maison, un verger à vendre.",
        image=_picture(),
        image_alt="Les comédiens dans le verger",
        video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    )
    return programme.schedule_performance(
        show=show,
        layout=layout,
        starts_at=timezone.now() + timedelta(days=12),
        plan=[
            CategoryPlan(name="Cat. 1", ranks={1}, prices={"plein": 3000, "reduit": 2000}),
            CategoryPlan(name="Cat. 2", color="#1d4f91", prices={"plein": 2000, "reduit": 1200}),
        ],
    )


def _wipe() -> None:
    PerformanceSeat.objects.all().delete()  # seats still held by a cart first
    _wipe_committed_ticketing()


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=False)


def _map_ready(page) -> None:
    page.wait_for_selector("#store-map svg g.seat[data-selectable='1']")


def _visible_free_seat(page) -> dict:
    """The centre (viewport coordinates) of a free seat shown inside the map's frame, the
    one a finger there would touch."""
    return page.evaluate(
        """() => {
          const frame = document.querySelector('#store-map .seatmap-scroll')
            .getBoundingClientRect();
          for (const el of document.querySelectorAll("#store-map g.seat[data-selectable='1']")) {
            const r = el.querySelector('.seat-shape').getBoundingClientRect();
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            const hit = document.elementFromPoint(x, y);
            if (x > frame.left + 4 && x < frame.right - 4 && y > frame.top + 4
                && y < frame.bottom - 4 && hit && hit.closest('g.seat') === el)
              return {x, y, id: el.dataset.id, w: r.width};
          }
          return null;
        }"""
    )


@pytest.mark.browser
def test_the_seat_map_fits_a_phone_zooms_and_a_seat_can_be_chosen(phone, url, venue_a):
    performance = committed(venue_a, _theatre)
    try:
        phone.goto(url(venue_a, f"/performances/{performance.pk}/"))
        _map_ready(phone)
        _shot(phone, "performance-390")
        # The page never scrolls sideways; the map is as wide as its card, no wider.
        widths = phone.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth,"
            " document.querySelector('#store-map svg').getBoundingClientRect().right]"
        )
        assert widths[0] <= widths[1] == 390 and widths[2] <= 390
        # "SCÈNE" and "BALCON" are drawn whole, inside the map.
        cut = phone.evaluate(
            """() => {
              const box = document.querySelector('#store-map svg').getBoundingClientRect();
              return [...document.querySelectorAll('#store-map .seatmap-stage text,'
                + ' #store-map .seatmap-sections text')].map((t) => {
                const r = t.getBoundingClientRect();
                return [t.textContent, r.left >= box.left && r.right <= box.right];
              });
            }"""
        )
        assert ["Scène", True] in cut and ["Balcon", True] in cut
        assert all(inside for _text, inside in cut)
        # Zoom in twice with the buttons: the drawing grows, the page still does not scroll.
        before = _visible_free_seat(phone)["w"]
        phone.get_by_role("button", name="Zoom in").tap()
        phone.get_by_role("button", name="Zoom in").tap()
        assert float(phone.locator("#store-map .seatmap-scroll").get_attribute("data-zoom")) > 2
        seat = _visible_free_seat(phone)
        assert seat["w"] > 2 * before
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        _shot(phone, "performance-390-zoomed")
        # A finger on a seat chooses it; it is listed in the bar kept at the bottom.
        phone.touchscreen.tap(seat["x"], seat["y"])
        chosen = phone.locator("#store-map g.seat[aria-pressed='true']")
        assert chosen.count() == 1 and chosen.get_attribute("data-id") == seat["id"]
        label = chosen.get_attribute("data-label")
        assert phone.locator("[data-seat-chips] .seat-chip").inner_text().startswith(label)
        assert phone.locator("[data-seat-submit]").is_visible()
        _shot(phone, "performance-390-chosen")
        # Two fingers spread apart on the map zoom in further (pinch).
        phone.get_by_role("button", name="Whole hall").tap()
        box = phone.locator("#store-map svg.seatmap-svg").bounding_box()
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        cdp = phone.context.new_cdp_session(phone)

        def fingers(kind: str, spread: float) -> None:
            points = (
                []
                if kind == "touchEnd"
                else [
                    {"x": cx - spread, "y": cy, "id": 1},
                    {"x": cx + spread, "y": cy, "id": 2},
                ]
            )
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

        fingers("touchStart", 20)
        for spread in range(25, 125, 10):
            fingers("touchMove", spread)
        fingers("touchEnd", 0)
        assert float(phone.locator("#store-map .seatmap-scroll").get_attribute("data-zoom")) > 1.5
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        # Zoom back out: the whole hall again.
        phone.get_by_role("button", name="Whole hall").tap()
        assert phone.locator("#store-map .seatmap-scroll").get_attribute("data-zoom") == "1.00"
        phone.locator("[data-seat-submit]").tap()
        phone.wait_for_url("**/checkout/")
        assert label in phone.content()
    finally:
        committed(venue_a, _wipe)


def _axe(page) -> list[dict]:
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:3]]}
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.browser
@pytest.mark.parametrize("size", [(390, 844), (1280, 800)], ids=["phone", "desktop"])
def test_the_storefront_pages_have_no_serious_accessibility_violation(
    browser, live_port, url, venue_a, size
):
    performance = committed(venue_a, _theatre)
    context = browser.new_context(
        viewport={"width": size[0], "height": size[1]}, locale="fr-FR", has_touch=size[0] < 500
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if f":{live_port}/" not in r.url else None,
    )
    try:
        found = {}
        page.goto(url(venue_a, "/"))
        assert page.locator("img.show-image[srcset]").count() == 1
        _shot(page, f"programme-{size[0]}")
        found["programme"] = _axe(page)
        page.goto(url(venue_a, f"/shows/{performance.show.slug}/"))
        assert page.locator("meta[property='og:image']").get_attribute("content").endswith(".webp")
        _shot(page, f"show-{size[0]}")
        found["show"] = _axe(page)
        page.goto(url(venue_a, f"/performances/{performance.pk}/"))
        _map_ready(page)
        _shot(page, f"performance-{size[0]}")
        found["performance"] = _axe(page)
        page.goto(
            url(venue_a, f"/performances/{performance.pk}/?needs=wheelchair&needs=companion_seat")
        )
        _map_ready(page)
        assert page.locator("#store-map g.seat.is-fit").count() > 0
        _shot(page, f"performance-needs-{size[0]}")
        found["performance with needs"] = _axe(page)
        page.locator("select[name=quantity]").first.select_option("2")
        page.locator(".offer-form button").first.click()
        page.wait_for_url("**/checkout/")
        _shot(page, f"cart-{size[0]}")
        found["cart"] = _axe(page)
        assert found == {name: [] for name in found}
        # Nothing was asked of another host (the video is only a link until clicked).
        assert outside == []
    finally:
        context.close()
        committed(venue_a, _wipe)
