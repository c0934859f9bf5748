"""The tickets of an order as a PDF (WeasyPrint), one ticket per page: A4, a phone-sized page,
or a strip of 80 mm thermal paper (the counter's ticket printer: black only, 72 mm printed).

Nothing is fetched from the network while rendering: fonts come from static/vendor/fonts, the
venue's logo is inlined as a data: URL, and the URL fetcher refuses every scheme but `data:`
and `file:` under the static folders (a show text that names an http(s) image gets nothing).
"""

from __future__ import annotations

import base64
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetchingError

from tenants.models import Venue
from ticketing.models import Order, Ticket, TicketPromotion
from ticketing.selectors.tickets import order_extras, promotion_for

from . import keys
from .qr import place_label, qr_svg, ticket_payload

LAYOUTS = ("a4", "phone", "thermal")
FONT_FILES = (
    "atkinson-hyperlegible-latin-400-normal.woff",
    "atkinson-hyperlegible-latin-700-normal.woff",
)


class LocalOnlyFetcher(URLFetcher):
    """Serves `data:` URLs and files under the static folders; refuses anything else
    (http, https, ftp, other files) with an error WeasyPrint logs and skips."""

    def __init__(self, roots: list[Path]):
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
        self.roots = [root.resolve() for root in roots]

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "file":
            path = Path(url[len("file://") :]).resolve()
            if not any(path.is_relative_to(root) for root in self.roots):
                raise URLFetchingError(f"Refused to read {url}: not a static file.")
        elif scheme != "data":
            raise URLFetchingError(f"Refused to fetch {url}: tickets are rendered offline.")
        return super().fetch(url, headers)


def current_venue() -> Venue:
    """The venue whose schema is in use (a task's or a request's); `schema_context` alone
    gives no Venue, so it is read when needed."""
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Venue):
        return tenant
    return Venue.objects.get(schema_name=connection.schema_name)


def static_roots() -> list[Path]:
    return [Path(p) for p in settings.STATICFILES_DIRS] + [Path(settings.STATIC_ROOT)]


def font_urls() -> dict[str, str]:
    found = {}
    for weight, name in zip(("regular", "bold"), FONT_FILES, strict=True):
        path = finders.find(f"vendor/fonts/{name}")
        if path:
            found[weight] = Path(path).resolve().as_uri()
    return found


def logo_data_url(venue) -> str:
    """The venue's logo inlined (it lives in the venue's media folder), or ''."""
    logo = getattr(venue, "logo", None)
    if not logo:
        return ""
    try:
        with logo.open("rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        return ""
    mime = mimetypes.guess_type(logo.name)[0] or "image/png"
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


@dataclass
class TicketView:
    """What one page prints."""

    ticket: Ticket
    place: str
    payload: str
    qr: str
    promotion: TicketPromotion | None


def ticket_views(tickets: list[Ticket], promotions: list[TicketPromotion]) -> list[TicketView]:
    views = []
    key = keys.signing_key() if tickets else None
    for ticket in tickets:
        payload = ticket_payload(ticket, key)
        views.append(
            TicketView(
                ticket=ticket,
                place=place_label(ticket),
                payload=payload,
                qr=qr_svg(payload),
                promotion=promotion_for(ticket, promotions),
            )
        )
    return views


def render_tickets_html(
    order: Order, tickets: list[Ticket], promotions: list[TicketPromotion], *, layout: str = "a4"
) -> str:
    venue = current_venue()
    if layout not in LAYOUTS:
        raise ValueError(f"Unknown layout {layout!r}")
    with timezone.override(getattr(venue, "timezone", None) or settings.TIME_ZONE):
        return render_to_string(
            "ticketing/tickets/pdf.html",
            {
                "venue": venue,
                "logo": logo_data_url(venue),
                "order": order,
                "pages": ticket_views(tickets, promotions),
                "extras": order_extras(order),
                "layout": layout,
                "fonts": font_urls(),
                "LANGUAGE_CODE": translation.get_language(),
            },
        )


def render_tickets_pdf(
    order: Order, tickets: list[Ticket], promotions: list[TicketPromotion], *, layout: str = "a4"
) -> bytes:
    """One page per ticket. Call inside `translation.override(language)` for the buyer's."""
    html = render_tickets_html(order, tickets, promotions, layout=layout)
    document = HTML(
        string=html, base_url=str(settings.BASE_DIR), url_fetcher=LocalOnlyFetcher(static_roots())
    )
    return document.write_pdf()


def pdf_filename(order: Order, layout: str = "a4") -> str:
    suffix = "" if layout == "a4" else f"-{layout}"
    return f"tickets-{order.reference}{suffix}.pdf"
