"""A ticket's QR code: its signed payload (payload.sign_ticket_payload with the venue's key)
drawn as SVG (PDF, ticket page) or PNG."""

from __future__ import annotations

import io
import re

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M

from ticketing.models import Ticket

from . import keys
from .payload import sign_ticket_payload


def place_label(ticket: Ticket) -> str:
    """The seat (section and seat) or the standing zone, as printed and signed."""
    if ticket.seat_id:
        return f"{ticket.seat.section.name} {ticket.seat.label}".strip()
    return ticket.performance_zone.zone.name


def ticket_payload(ticket: Ticket) -> str:
    """The signed text of the ticket's QR code. Deterministic (Ed25519 signatures are, and the
    issue time is the ticket's creation): every rendering of a ticket shows the same code."""
    row = keys.signing_key()
    return sign_ticket_payload(
        keys.private_key(row),
        ticket_id=ticket.pk,
        performance_id=ticket.performance_id,
        label=place_label(ticket),
        issued_at=ticket.created_at,
    )


def _code(payload: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(payload)  # the alphanumeric payload keeps it in QR alphanumeric mode
    code.make(fit=True)
    return code


def qr_svg(payload: str) -> str:
    """An inline <svg> (no XML declaration), scalable to its container's width."""
    image = _code(payload).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    svg = image.to_string(encoding="unicode").split("?>", 1)[-1].strip()
    # Sized by CSS (the container's width), not in millimetres.
    svg = re.sub(r'^<svg width="[^"]*" height="[^"]*"', '<svg role="img"', svg, count=1)
    # Several codes share a page (an order's PDF): no element ids to collide.
    return re.sub(r' id="[^"]*"', "", svg)


def qr_png(payload: str, *, box_size: int = 8) -> bytes:
    code = _code(payload)
    code.box_size = box_size
    out = io.BytesIO()
    code.make_image().save(out, format="PNG")
    return out.getvalue()
