"""A ticket's QR code: its signed payload (payload.sign_ticket_payload with the venue's key)
drawn as SVG (PDF, ticket page) or PNG."""

from __future__ import annotations

import io
from html import escape

import qrcode
from qrcode.constants import ERROR_CORRECT_M

from ticketing.models import Ticket, TicketSigningKey

from . import keys
from .payload import sign_ticket_payload


def place_label(ticket: Ticket) -> str:
    """The seat (section and seat) or the standing zone, as printed and signed."""
    if ticket.seat_id:
        return f"{ticket.seat.section.name} {ticket.seat.label}".strip()
    return ticket.performance_zone.zone.name


def ticket_payload(ticket: Ticket, key: TicketSigningKey | None = None) -> str:
    """The signed text of the ticket's QR code. Deterministic (Ed25519 signatures are, and the
    issue time is the ticket's creation): every rendering of a ticket shows the same code.
    `key`: the venue's key row, read once for many tickets."""
    row = key or keys.signing_key()
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


def qr_svg(payload: str, *, label: str = "") -> str:
    """An inline <svg> (no XML declaration, no ids), scalable to its container's width: one
    path, each row's runs of dark modules merged into one rectangle (a few hundred commands
    instead of one per module: WeasyPrint draws it several times faster). `label` names the
    image for screen readers (an image without a name is an accessibility error)."""
    matrix = _code(payload).get_matrix()  # the quiet zone included
    size = len(matrix)
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    name = f' aria-label="{escape(label)}"' if label else ""
    return (
        f'<svg role="img"{name} '
        f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )


def qr_png(payload: str, *, box_size: int = 8) -> bytes:
    code = _code(payload)
    code.box_size = box_size
    out = io.BytesIO()
    code.make_image().save(out, format="PNG")
    return out.getvalue()
