"""uvicorn's httptools protocol, with the request head bounded in size and in time,
and HTTP/1.1 alone spoken (HttpOnlyProtocol: an offer to upgrade is declined).

With httptools, uvicorn bounds neither: a client could send header bytes
without end (memory held per connection), send them a byte at a time, or
open a connection and send nothing (each holding the connection for ever:
slowloris). The model is nginx's `client_header_timeout` and h11's
`max_incomplete_event_size` (what uvicorn bounds with h11): a head still
incomplete after MAX_HEAD_BYTES is answered 431, one not complete
HEAD_TIMEOUT_SECONDS after the connection opened or the request began 408,
and the connection closed; a connection that sent nothing is closed without
an answer. As with h11, the bound applies to what is still incomplete after
each read: a head that arrives whole in one read (at most 256 KiB) is taken,
and one that does not is counted from the read after the one it began in
(that read may also hold whole pipelined requests). A refusal (431, 408, or
uvicorn's 400, here JSON) comes after the answers owed to pipelined requests
before it, in order, and nothing after it is read.
Bodies are bounded by the apps themselves; an idle kept-alive connection by
uvicorn's keep-alive timeout.

The open connections of a process are bounded too: one opened past the
limit (uvicorn's `--limit-concurrency`, else MAX_CONNECTIONS) is closed at
once, where uvicorn alone would hold it and answer its requests 503.

Every service runs with it: `uvicorn --http
platform_common.http_protocol:BoundedHttpToolsProtocol` (deploy/run_local.py,
deploy/docker/). Parsing stays httptools'; this only counts and times.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httptools
import orjson
from prometheus_client import Counter
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

PROTOCOL = "platform_common.http_protocol:BoundedHttpToolsProtocol"
# Request line and headers together: the gateway's Authorization limit
# (8 KiB) with room for cookies and the usual headers, eight times over.
MAX_HEAD_BYTES = 64 * 1024
HEAD_TIMEOUT_SECONDS = 10.0

# Open connections per process, when uvicorn's own `--limit-concurrency`
# (UVICORN_LIMIT_CONCURRENCY) does not name a number: ~7 KiB of memory each
# with a head pending (measured on the gateway), so at most ~70 MiB.
MAX_CONNECTIONS = 10_000

REFUSED_CONNECTIONS = Counter(
    "http_connections_refused_total",
    "Connections closed as they opened: the process already held its limit",
)
REFUSED_HEADS = Counter(
    "http_request_heads_refused_total",
    "Request heads refused before reaching the app (too large, too slow)",
    ["reason"],
)
_TOO_LARGE = REFUSED_HEADS.labels("too_large")
_TIMED_OUT = REFUSED_HEADS.labels("timeout")


class HttpOnlyProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, declining every offer to switch protocols
    and answering a client that half-closed (eof_received).

    The platform speaks HTTP/1.1 alone: no WebSocket, no h2c. llhttp stops at
    the end of a head offering an upgrade (`Connection: upgrade` and
    `Upgrade`, which Java's HttpClient and Ktor send on every request) and
    skips its body, and uvicorn then ran the app with an empty body (uvicorn
    issue 2722: a POST became a 422). Here such a head starts nothing: where
    llhttp stops, the request is read again by a fresh parser without the
    offer, body included, and served as if the offer had not been made
    (RFC 9110 §7.8). Parsing stays httptools'.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._declining = False  # the head just read offers an upgrade
        self._reread = False  # the head being read is one read again

    def _should_upgrade(self) -> bool:
        return False  # uvicorn's WebSocket handshake is never taken

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        while True:  # a loop, not recursion: a read may hold thousands of offers
            try:
                self.parser.feed_data(data)
            except httptools.HttpParserError:
                self.logger.warning("Invalid HTTP request received.")
                self.send_400_response("Invalid HTTP request received.")
            except httptools.HttpParserUpgrade as stop:
                if self._declining:
                    data = self._head_without_offer() + data[stop.args[0] :]
                    continue
                self._unsupported_upgrade_warning()  # CONNECT: as uvicorn does
            return

    def on_headers_complete(self) -> None:
        reread, self._reread = self._reread, False
        if self.parser.should_upgrade() and self.parser.get_method() != b"CONNECT" and not reread:
            self._declining = True  # served once read again
            return
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        if not self._declining:
            super().on_message_complete()

    def eof_received(self) -> bool | None:  # type: ignore[override]  # asyncio allows True
        """The client shut its side after its request (a half-close): answer, then close.

        uvicorn let the transport close at once, and an answer not yet written
        was lost (the request still ran). A request not received in full is
        not answered: the connection closes and the app sees the disconnect.
        """
        last = self.pipeline[0][0] if self.pipeline else self.cycle
        if last is None or last.response_complete or last.more_body:
            return None  # the transport closes
        last.keep_alive = False  # closed once the last answer is written
        return True

    def _head_without_offer(self) -> bytes:
        """The head just read, without `Upgrade` and Connection's `upgrade`, for a fresh
        parser (installed here) to read again."""
        self._declining = False
        version = self.parser.get_http_version().encode()
        head = [self.parser.get_method(), b" ", self.url, b" HTTP/", version, b"\r\n"]
        for name, value in self.headers:
            if name == b"upgrade":
                continue
            if name == b"connection":
                tokens = [t for t in value.split(b",") if t.strip().lower() != b"upgrade"]
                value = b",".join(tokens).strip()
                if not value:
                    continue
            head += [name, b": ", value, b"\r\n"]
        head.append(b"\r\n")
        self.parser = httptools.HttpRequestParser(self)
        self.parser.set_dangerous_leniencies(lenient_data_after_close=True)  # as uvicorn's
        self._reread = True
        return b"".join(head)


class BoundedHttpToolsProtocol(HttpOnlyProtocol):
    max_head_bytes = MAX_HEAD_BYTES
    head_timeout = HEAD_TIMEOUT_SECONDS
    max_connections = MAX_CONNECTIONS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Since when a head is awaited (the connection's opening, then each
        # request's first byte); None from its end until the next request.
        self._head_since: float | None = None
        self._head_begun = False  # some of that head has arrived
        self._head_bytes = 0
        self._begun_in_this_read = False
        self._watchdog: asyncio.TimerHandle | None = None
        # A refusal waiting for the answers to the requests before it.
        self._refusal: bytes | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # uvicorn's limit only answers 503 to requests; connections past it,
        # silent ones included, would still be accepted and held.
        if len(self.connections) > (self.limit_concurrency or self.max_connections):
            REFUSED_CONNECTIONS.inc()
            transport.close()
            return
        self._head_since = self.loop.time()
        # One timer per connection, not one per request (a timer armed and
        # cancelled per request cost more than the rest of this class).
        self._watchdog = self.loop.call_later(self.head_timeout, self._watch)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refusal is not None:
            return  # nothing after a refused request is read
        self._begun_in_this_read = False
        super().data_received(data)
        # A head still incomplete once the read is parsed is counted from the
        # read after the one it began in (which may hold whole pipelined
        # requests before it), so what a connection holds stays under the
        # bound plus one read.
        if self._head_begun and not self._begun_in_this_read and not self.transport.is_closing():
            self._head_bytes += len(data)
            if self._head_bytes > self.max_head_bytes:
                _TOO_LARGE.inc()
                self._refuse(431, "Request header fields too large")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._head_since is None:  # else the first request: timed from the connection
            self._head_since = self.loop.time()
        self._head_begun = True
        self._head_bytes = 0
        self._begun_in_this_read = True

    def on_headers_complete(self) -> None:
        self._head_since = None
        self._head_begun = False
        super().on_headers_complete()

    def _watch(self) -> None:
        """Ends a head awaited for head_timeout; else looks again when one could be."""
        self._watchdog = None
        if self.transport.is_closing():
            return
        delay = self.head_timeout
        if self._head_since is not None:
            waited = self.loop.time() - self._head_since
            if waited >= self.head_timeout:
                if self._head_begun:
                    _TIMED_OUT.inc()
                    self._refuse(408, "Request head not received in time")
                else:
                    self.transport.close()  # nothing sent: nobody to answer
                return
            delay -= waited
        self._watchdog = self.loop.call_later(delay, self._watch)

    def send_400_response(self, msg: str) -> None:
        self._refuse(400, msg)  # uvicorn's answer to what it cannot parse, but JSON

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._refusal is not None and not self._answers_pending():
            self._send_refusal()

    def _answers_pending(self) -> bool:
        """Requests received in full and not yet answered (pipelined ones included)."""
        cycle = self.cycle
        return bool(self.pipeline) or (
            cycle is not None and not cycle.response_complete and not cycle.more_body
        )

    def _refuse(self, status: int, detail: str) -> None:
        """Answers and closes, as uvicorn answers a request it cannot parse; after the
        answers still owed to the requests before it, so that answers keep their order."""
        if self._refusal is not None:
            return  # the first refusal ends the connection
        self._head_since = None
        body = orjson.dumps({"detail": detail})
        content = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend(
            [
                b"content-type: application/json\r\n",
                b"content-length: %d\r\n" % len(body),
                b"connection: close\r\n\r\n",
                body,
            ]
        )
        self._refusal = b"".join(content)
        if self._answers_pending():
            self.transport.pause_reading()
        else:
            self._send_refusal()

    def _send_refusal(self) -> None:
        assert self._refusal is not None
        self.transport.write(self._refusal)
        self.transport.close()
