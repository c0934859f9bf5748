"""Sending a webhook: the signature, the address checks (SSRF guard) and one HTTP POST.

The guard resolves the host name itself and connects to the address it checked (no second
lookup that DNS could answer differently), and refuses loopback, private, link-local,
multicast, reserved and unspecified addresses unless `PARTERRE_WEBHOOKS_ALLOW_PRIVATE` is
true (tests with a receiver on 127.0.0.1; never in production). Redirects are not followed.
Only the standard library is used: `http.client` lets the connection go to a checked address
while TLS still verifies the certificate against the host name.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

TIMEOUT_S = 5.0
USER_AGENT = "Parterre-Webhooks/1"
SIGNATURE_HEADER = "Parterre-Signature"
EVENT_ID_HEADER = "Parterre-Event-Id"
MAX_URL_LENGTH = 500


class AddressRefused(Exception):
    """The URL points at an address webhooks may not reach."""


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the secret>`."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def verify(secret: str, body: bytes, header: str, *, tolerance_s: int = 300) -> bool:
    """What a receiver does (docs/api.md shows the same in a few lines)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        t = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - t) > tolerance_s:
        return False
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


def allow_private() -> bool:
    return bool(getattr(settings, "PARTERRE_WEBHOOKS_ALLOW_PRIVATE", False))


def allow_http() -> bool:
    return bool(getattr(settings, "PARTERRE_WEBHOOKS_ALLOW_HTTP", False))


def address_allowed(address: str) -> bool:
    """A public unicast address (IPv4-mapped, 6to4 and Teredo addresses judged by the IPv4
    address they carry)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and not address_allowed(str(embedded)):
            return False
    return ip.is_global and not (
        ip.is_multicast
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_unspecified
    )


def literal_address(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def local_name(host: str) -> bool:
    """Names that are local by definition, refused without asking DNS."""
    host = host.lower().rstrip(".")
    return host == "localhost" or host.endswith((".localhost", ".local", ".internal"))


def resolve(host: str, port: int) -> str:
    """The address to connect to: the first the resolver gives, if every one is allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise OSError(f"cannot resolve {host}: {error}") from error
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise OSError(f"cannot resolve {host}")
    if not allow_private():
        if local_name(host):
            raise AddressRefused(f"{host} is a local name")
        for address in addresses:
            if not address_allowed(address):
                raise AddressRefused(f"{host} resolves to {address}, not a public address")
    return addresses[0]


@dataclass(frozen=True)
class Response:
    status: int
    excerpt: str  # the first characters of the body, for the delivery log


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, **kwargs):
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, **kwargs):
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float = TIMEOUT_S) -> Response:
    """POST `body` to `url` through the guard. Raises AddressRefused, or OSError (network,
    TLS, timeout); an HTTP answer of any status is returned."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise AddressRefused(f"not an HTTP(S) URL: {url[:100]}")
    if parts.scheme == "http" and not allow_http():
        raise AddressRefused("plain HTTP is not allowed")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = resolve(parts.hostname, port)
    if parts.scheme == "https":
        connection = _PinnedHTTPS(
            parts.hostname,
            port,
            address,
            timeout=timeout,
            context=ssl.create_default_context(),
        )
    else:
        connection = _PinnedHTTP(parts.hostname, port, address, timeout=timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={"User-Agent": USER_AGENT, "Content-Type": "application/json", **headers},
        )
        answer = connection.getresponse()
        excerpt = answer.read(500).decode("utf-8", "replace")
        return Response(status=answer.status, excerpt=excerpt)
    except (http.client.HTTPException, ssl.SSLError) as error:
        raise OSError(f"{type(error).__name__}: {error}") from error
    finally:
        connection.close()
