"""The addresses a delivery carries: open pixel, signed click redirects, one-click unsubscribe
and the preference centre, all on the venue's own host. Built here, served by
campaigns/tracking (paths under /m/). A click address is signed (HMAC of the venue, the
delivery's random token and the link id), so that only registered links of that delivery
redirect: no open redirect, nothing guessable."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.db import connection

SIGNATURE_LENGTH = 16


def _key() -> bytes:
    return hashlib.sha256(b"parterre.campaigns.links:" + settings.SECRET_KEY.encode()).digest()


def link_signature(token: str, link_id: int) -> str:
    message = f"{connection.schema_name}:{token}:{link_id}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()[:SIGNATURE_LENGTH]


def signature_valid(token: str, link_id: int, signature: str) -> bool:
    return hmac.compare_digest(link_signature(token, link_id), signature or "")


def pixel_path(token: str) -> str:
    return f"/m/o/{token}.gif"


def click_path(token: str, link_id: int) -> str:
    return f"/m/c/{token}/{link_id}/{link_signature(token, link_id)}/"


def unsubscribe_path(token: str) -> str:
    """RFC 8058 one-click (POST) and the page a person lands on (GET)."""
    return f"/m/u/{token}/"


def preferences_path(token: str) -> str:
    return f"/m/p/{token}/"


def short_link_path(slug: str) -> str:
    """An operation's link for print and social posts (a QR code points here)."""
    return f"/l/{slug}/"
