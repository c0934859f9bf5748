"""A local SMTP sink (aiosmtpd) that counts what it accepts, by delivery token: the kill test and
bench_mailing read `received` (messages) and `tokens` (token → copies) from it.

In a thread of the calling process (`SinkThread`, the tests), or in a process of its own
(`python -m campaigns.sending.sink --port N --out stats.json`, the benchmark): it writes its
counts as JSON when it gets SIGTERM. Addresses in `refuse` get the SMTP reply given there at
RCPT (e.g. {"full@example.org": "452 4.2.2 Mailbox full"}). No Django needed."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import socket
import threading
import time
from collections import Counter

MESSAGE_ID = re.compile(rb"^Message-ID: <([A-Za-z0-9_-]+)@", re.MULTILINE | re.IGNORECASE)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class CountingHandler:
    def __init__(self, refuse: dict[str, str] | None = None, keep: bool = False):
        self.refuse = refuse or {}
        self.keep = keep
        self.tokens: Counter[str] = Counter()
        self.received = 0
        self.first_at = self.last_at = 0.0
        self.messages: list[bytes] = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        match = MESSAGE_ID.search(content, 0, 4096)
        now = time.monotonic()
        with self.lock:
            self.received += 1
            if match:
                self.tokens[match.group(1).decode()] += 1
            if self.keep:
                self.messages.append(content)
            self.first_at = self.first_at or now
            self.last_at = now
        return "250 OK"

    def stats(self) -> dict:
        with self.lock:
            return {
                "received": self.received,
                "distinct": len(self.tokens),
                "duplicates": self.received - len(self.tokens),
                "seconds": self.last_at - self.first_at,
                "tokens": dict(self.tokens),
            }


class SinkThread:
    """`with SinkThread() as sink:` a sink on a free port of 127.0.0.1 (sink.port)."""

    def __init__(self, refuse: dict[str, str] | None = None, keep: bool = False):
        self.handler = CountingHandler(refuse, keep)
        self.port = free_port()

    def __enter__(self) -> SinkThread:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


class FastSink(asyncio.Protocol):
    """A minimal SMTP server (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; every message
    accepted) for the benchmark: aiosmtpd spends ~1.2 ms of CPU a message, more than the
    senders, so with it the benchmark measures aiosmtpd. Counts like CountingHandler."""

    def __init__(self, handler: CountingHandler):
        self.handler = handler
        self.buffer = b""
        self.in_data = False
        self.recipients = 0

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(b"220 sink ESMTP\r\n")

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        replies = []
        while self.buffer:
            if self.in_data:
                end = self.buffer.find(b"\r\n.\r\n")
                if end < 0:
                    break
                message, self.buffer = self.buffer[: end + 2], self.buffer[end + 5 :]
                self.in_data = False
                self._count(message)
                replies.append(b"250 OK\r\n")
                continue
            end = self.buffer.find(b"\r\n")
            if end < 0:
                break
            line, self.buffer = self.buffer[:end], self.buffer[end + 2 :]
            verb = line[:4].upper()
            if verb == b"EHLO":
                replies.append(b"250-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
            elif verb == b"RCPT":
                address = line[line.find(b"<") + 1 : line.rfind(b">")].decode()
                refused = self.handler.refuse.get(address)
                if refused:
                    replies.append(refused.encode() + b"\r\n")
                else:
                    self.recipients += 1
                    replies.append(b"250 OK\r\n")
            elif verb == b"DATA":
                if not self.recipients:
                    replies.append(b"554 No valid recipients\r\n")
                    continue
                self.in_data = True
                self.recipients = 0
                replies.append(b"354 End data with <CR><LF>.<CR><LF>\r\n")
            elif verb in (b"MAIL", b"RSET"):
                self.recipients = 0
                replies.append(b"250 OK\r\n")
            elif verb == b"QUIT":
                replies.append(b"221 Bye\r\n")
                self.transport.write(b"".join(replies))
                self.transport.close()
                return
            else:
                replies.append(b"250 OK\r\n")
        if replies:
            self.transport.write(b"".join(replies))

    def _count(self, content: bytes) -> None:
        handler = self.handler
        match = MESSAGE_ID.search(content, 0, 4096)
        handler.received += 1
        if match:
            handler.tokens[match.group(1).decode()] += 1
        now = time.monotonic()
        handler.first_at = handler.first_at or now
        handler.last_at = now


class FastSinkThread(SinkThread):
    """The minimal sink (FastSink) in a thread of the calling process."""

    def __enter__(self) -> FastSinkThread:
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            self.server = self.loop.run_until_complete(
                self.loop.create_server(lambda: FastSink(self.handler), "127.0.0.1", self.port)
            )
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        ready.wait(10)
        return self

    def __exit__(self, *exc) -> None:
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def main() -> None:
    from aiosmtpd.smtp import SMTP

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--kind", choices=["aiosmtpd", "fast"], default="aiosmtpd")
    options = parser.parse_args()
    handler = CountingHandler()
    loop = asyncio.new_event_loop()
    if options.kind == "fast":
        factory = lambda: FastSink(handler)  # noqa: E731
    else:
        factory = lambda: SMTP(handler, hostname="sink")  # noqa: E731
    server = loop.run_until_complete(loop.create_server(factory, "127.0.0.1", options.port))

    def stop() -> None:
        server.close()
        loop.stop()

    loop.add_signal_handler(signal.SIGTERM, stop)
    print("ready", flush=True)
    loop.run_forever()
    with open(options.out, "w") as out:
        json.dump(handler.stats(), out)


if __name__ == "__main__":
    main()
