"""Helpers of the ticket-document tests: a paid order, a PDF page's QR decoded."""

import subprocess
import tempfile
from pathlib import Path

from ticketing.models import Seat, Tariff
from ticketing.services import inventory, orders
from ticketing.services.inventory import HoldRequest
from ticketing.services.orders import Buyer, TariffChoice


def sell(performance, *labels, email="marie.curie@example.fr", language="fr", zone_places=0):
    """A paid web order for these seats (and standing places), with a buyer."""
    seat_ids = list(
        Seat.objects.filter(section__layout=performance.layout, label__in=labels)
        .order_by("label")
        .values_list("id", flat=True)
    )
    zones = {}
    if zone_places:
        zone = performance.zone_states.first()
        zones = {zone.pk: zone_places}
    hold = inventory.create_hold(
        performance=performance, request=HoldRequest(seat_ids=seat_ids, zones=zones)
    )
    plein = Tariff.objects.get(code="plein")
    return orders.confirm_order(
        hold_token=hold.token,
        tariffs=TariffChoice(default=plein.pk),
        buyer=Buyer(email=email, first_name="Marie", last_name="Curie", language=language)
        if email
        else None,
        pay_total_with="offline_test",
    )


def pdf_pages_as_png(pdf: bytes, *, dpi: int = 150) -> list[Path]:
    """Every page of the PDF rendered by poppler's pdftoppm, as PNG files."""
    folder = Path(tempfile.mkdtemp(prefix="parterre-pdf-"))
    (folder / "in.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), str(folder / "in.pdf"), str(folder / "page")],
        check=True,
        capture_output=True,
    )
    return sorted(folder.glob("page*.png"))


def decode_qr(png: Path) -> list[str]:
    import zxingcpp
    from PIL import Image

    return [r.text for r in zxingcpp.read_barcodes(Image.open(png)) if r.format.name == "QRCode"]
