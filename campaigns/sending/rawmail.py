"""The bulk sender's message bytes, built without the email package (the hot path of a send).

`rendering.build_message()` makes an EmailMultiAlternatives per delivery; turning it into bytes
through Python's email package costs ~0.3 ms a message, more than everything else in a send.
A `RawTemplate` does the same message with string work only: the campaign's compiled
subject, text and HTML (compiled once per language) have their slots filled by
`rendering.fill` with `rendering.slot_values` (one owner for both), and the bytes are put
together from a head built once. Same headers and same parts as build_message() — the test
tests/campaigns/test_sending_rawmail.py parses both and compares them field by field.

Parts are sent in 8bit (UTF-8) like Django does, or base64 when a line is longer than
RFC 5322 allows (Django: quoted-printable, ten times slower to make)."""

from __future__ import annotations

import binascii
import secrets
import time
from email.header import Header
from email.utils import formatdate

from django.conf import settings
from django.core.mail.message import sanitize_address

from ..rendering import VENUE_HEADER, CompiledMessage, fill, slot_values

LINE_LIMIT = 998
_PLAIN_ADDRESS_FORBIDDEN = set(' ,;:<>()[]"\\\r\n\t')


class _Token:
    __slots__ = ("token",)

    def __init__(self, token: str):
        self.token = token


def _header(name: str, value: str) -> str:
    """The header's value, RFC 2047 encoded-words (base64, ≤ 75 characters each, folded) when
    it is not ASCII: what email.header.Header does, 30 times faster."""
    if "\n" in value or "\r" in value:
        raise ValueError(f"newline in header {name}")
    if value.isascii():
        return Header(value).encode() if len(value) > 70 else value
    words, chunk, size = [], [], 0
    for char in value:
        width = len(char.encode())
        if size + width > 39:  # 39 bytes → 52 base64 + 12 ("=?utf-8?b?…?=") + "Subject: "
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(char)
        size += width
    words.append("".join(chunk))
    return "\r\n ".join(
        f"=?utf-8?b?{binascii.b2a_base64(word.encode(), newline=False).decode()}?="
        for word in words
    )


def _address(address: str) -> str:
    if address.isascii() and not (_PLAIN_ADDRESS_FORBIDDEN & set(address)):
        return address
    return sanitize_address(address, "utf-8")


def _part(content: str, subtype: str) -> bytes:
    data = content.replace("\r\n", "\n").encode()
    if max(map(len, data.split(b"\n")), default=0) > LINE_LIMIT:
        # Lines too long for 8bit (MJML writes long ones): base64, much cheaper than the
        # quoted-printable Django would use (the same content once decoded).
        encoded = binascii.b2a_base64(data, newline=False)
        body = b"\r\n".join([encoded[i : i + 76] for i in range(0, len(encoded), 76)])
        encoding = b"base64"
    else:
        body, encoding = data.replace(b"\n", b"\r\n"), b"8bit"
    return (
        b'Content-Type: text/%s; charset="utf-8"\r\nMIME-Version: 1.0\r\n'
        b"Content-Transfer-Encoding: %s\r\n\r\n%s" % (subtype.encode(), encoding, body)
    )


class RawTemplate:
    """One compiled message ready to be stamped for each delivery (`build`)."""

    def __init__(
        self,
        compiled: CompiledMessage,
        *,
        site: str,
        schema: str,
        from_email: str | None = None,
        reply_to: str = "",
    ):
        self.compiled = compiled
        self.site = site
        self.from_email = from_email or settings.DEFAULT_FROM_EMAIL
        self.domain = self.from_email.rsplit("@", 1)[-1].strip(">")
        self.boundary = f"===============parterre{secrets.token_hex(12)}==".encode()
        head = [
            f"From: {sanitize_address(self.from_email, 'utf-8')}",
            "MIME-Version: 1.0",
            f'Content-Type: multipart/alternative; boundary="{self.boundary.decode()}"',
            f"{VENUE_HEADER}: {schema}",
        ]
        if compiled.list_unsubscribe:  # every message but a service notice
            head.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
        if reply_to:
            head.append(f"Reply-To: {sanitize_address(reply_to, 'utf-8')}")
        self.head = ("\r\n".join(head) + "\r\n").encode()
        self._date, self._date_at = "", 0

    def _now(self) -> str:
        second = int(time.time())
        if second != self._date_at:
            self._date = formatdate(second, localtime=settings.EMAIL_USE_LOCALTIME)
            self._date_at = second
        return self._date

    def build(self, *, token: str, email: str, first_name: str = "") -> bytes:
        compiled = self.compiled
        values = slot_values(_Token(token), compiled, site=self.site, first_name=first_name)
        subject = _header("Subject", fill(compiled.subject, values, escape=False))
        lines = (
            f"Subject: {subject}\r\n"
            f"To: {_address(email)}\r\n"
            f"Date: {self._now()}\r\n"
            f"Message-ID: <{token}@{self.domain}>\r\n"
            + (
                f"List-Unsubscribe: <{values['unsubscribe_url']}>\r\n"
                if compiled.list_unsubscribe
                else ""
            )
        ).encode()
        text = _part(fill(compiled.text, values, escape=False), "plain")
        html = _part(fill(compiled.html, values, escape=True), "html")
        b = self.boundary
        return b"".join(
            (
                lines,
                self.head,
                b"\r\n--",
                b,
                b"\r\n",
                text,
                b"\r\n--",
                b,
                b"\r\n",
                html,
                b"\r\n--",
                b,
                b"--\r\n",
            )
        )
