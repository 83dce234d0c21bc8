"""Forwarding one request to an upstream's replicas and streaming the answer back.

The answer's raw (still encoded) bytes are relayed as they arrive, so no body
is ever held whole in memory. Sending itself is a `Sender`'s job
(gateway.transport).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import anyio
import httpx
from prometheus_client import Counter
from starlette.types import Receive, Scope, Send

from gateway.balancer import Balancer, Replica
from gateway.errors import documented_error, error_response
from gateway.headers import client_response_headers
from gateway.metrics import UPSTREAM_ERRORS, UPSTREAM_LATENCY, UPSTREAM_RESPONSES, method_label
from gateway.transport import (
    Answer,
    ConnectionLost,
    NotSent,
    Outgoing,
    PoolFull,
    ReadTimedOut,
    Sender,
    SendError,
)
from platform_common.responses import header_doc

# RFC 9110 §9.2.2; only these may be sent twice.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class UpstreamFailure(Exception):
    """The upstream gave no answer; `response` is what the client gets instead."""

    def __init__(self, status_code: int, detail: str, retry_after: int | None = None) -> None:
        super().__init__(detail)
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        self.response = error_response(status_code, detail, headers)


def document_failures(operation: dict[str, object]) -> None:
    """Adds the gateway's own 503 and 504 to a proxied operation of the merged
    document; a service that documents the status itself keeps its words."""
    responses = operation.setdefault("responses", {})
    if not isinstance(responses, dict):
        return
    retry_after = {
        "Retry-After": header_doc(
            "Seconds before a replica may answer again (when known)", "integer"
        )
    }
    responses.setdefault(
        "503", documented_error("No replica of the service answers right now", retry_after)
    )
    responses.setdefault("504", documented_error("The service did not answer in time", {}))


@dataclass(eq=False)
class Upstream:
    """One upstream service: its replicas (gateway.balancer), the sender requests go
    through (gateway.transport, chosen by gateway.state) and an httpx client for the
    gateway's own calls (documents, health)."""

    name: str
    replicas: Sequence[Replica]
    client: httpx.AsyncClient
    sender: Sender
    balancer: Balancer = field(init=False)

    def __post_init__(self) -> None:
        self.balancer = Balancer(self.replicas)
        self.latency = UPSTREAM_LATENCY.labels(self.name)
        self._answers: dict[tuple[str, int], Counter] = {}

    def count_answer(self, method: str, status: int) -> None:
        """One more in gateway_upstream_responses_total, each series looked up once
        (`labels()` takes a lock and builds a key per call); keys are bounded:
        known methods (gateway.metrics) times three-digit statuses."""
        key = (method_label(method), status)
        series = self._answers.get(key)
        if series is None:
            series = self._answers[key] = UPSTREAM_RESPONSES.labels(self.name, key[0], str(status))
        series.inc()

    @property
    def url(self) -> str:
        """The first replica's URL (where the merged document reads this service's)."""
        return self.replicas[0].url

    async def aclose(self) -> None:
        await self.sender.aclose()
        await self.client.aclose()


async def _send_to(upstream: Upstream, replica: Replica, request: Outgoing) -> Answer:
    """The replica's answer (head read, body not yet); the sender's errors otherwise."""
    replica.outstanding += 1
    try:
        answer = await upstream.sender.send(replica.url, request)
    except BaseException:
        replica.outstanding -= 1
        raise

    def done() -> None:
        replica.outstanding -= 1

    answer.after_close(done)
    if answer.closes:
        upstream.balancer.saw_connection_close(replica)
    else:
        upstream.balancer.saw_keep_alive(replica)
    return answer


async def send_upstream(upstream: Upstream, request: Outgoing) -> Answer:
    """A replica's answer, head read and body not yet; or UpstreamFailure.

    A refused connection (nothing was sent) moves any request whose body has
    not started to the next replica; a connection closed under a request
    (which may have been received) moves only an idempotent one.
    """
    idempotent = request.method in IDEMPOTENT_METHODS
    started = time.perf_counter()
    failure: SendError | None = None
    body = request.body
    for replica in upstream.balancer.attempts(idempotent):
        if body is not None and body.started:
            break  # the body cannot be sent again
        if not replica.breaker.allow():
            continue
        try:
            answer = await _send_to(upstream, replica, request)
        except NotSent as exc:
            replica.breaker.record_failure()
            failure = exc
            continue
        except ConnectionLost as exc:
            replica.breaker.record_failure()
            failure = exc
            if idempotent:
                continue
            break
        except Exception as exc:
            mapped = _failure(upstream, replica, exc)
            if mapped is exc:
                raise
            raise mapped from None
        replica.breaker.record_success()
        upstream.latency.observe(time.perf_counter() - started)
        upstream.count_answer(request.method, answer.status)
        return answer
    raise _no_answer(upstream, failure) from None


def _no_answer(upstream: Upstream, failure: SendError | None) -> UpstreamFailure:
    """Every replica tried (or its breaker open): what the client gets."""
    if failure is None:
        UPSTREAM_ERRORS.labels(upstream.name, "circuit_open").inc()
        return UpstreamFailure(
            503, f"{upstream.name} is unavailable", retry_after=upstream.balancer.retry_after()
        )
    if isinstance(failure, NotSent) and failure.timed_out:
        UPSTREAM_ERRORS.labels(upstream.name, "timeout").inc()
        return UpstreamFailure(504, f"{upstream.name} did not answer in time")
    if isinstance(failure, NotSent):
        UPSTREAM_ERRORS.labels(upstream.name, "connect").inc()
        return UpstreamFailure(503, f"{upstream.name} is unavailable")
    UPSTREAM_ERRORS.labels(upstream.name, "protocol").inc()
    return UpstreamFailure(502, f"{upstream.name} closed the connection")


def _failure(upstream: Upstream, replica: Replica, exc: Exception) -> Exception:
    """The answer to an error that ends the request on its first replica."""
    breaker = replica.breaker
    if isinstance(exc, PoolFull):
        # The gateway's own pool is exhausted: not the upstream's fault.
        breaker.release()
        UPSTREAM_ERRORS.labels(upstream.name, "pool").inc()
        return UpstreamFailure(503, "gateway busy, try again", retry_after=1)
    if isinstance(exc, ReadTimedOut):
        breaker.record_failure()
        UPSTREAM_ERRORS.labels(upstream.name, "timeout").inc()
        return UpstreamFailure(504, f"{upstream.name} did not answer in time")
    if isinstance(exc, SendError):
        breaker.record_failure()
        UPSTREAM_ERRORS.labels(upstream.name, "transport").inc()
        return UpstreamFailure(502, f"{upstream.name} failed to answer")
    # The client's doing (body too large, too slow, gone) or a cancellation:
    # nothing learnt about the upstream.
    breaker.release()
    return exc


async def relay(
    answer: Answer,
    scope: Scope,
    receive: Receive,
    send: Send,
    extra_headers: Sequence[tuple[bytes, bytes]] = (),
) -> None:
    """Stream the upstream's answer to the client as it arrives, `extra_headers` added.

    Most answers arrive in one read: they go out as two plain ASGI messages
    (three when the sender cannot tell the body is complete).
    Starlette's StreamingResponse runs a task group per answer (a second task
    waits for the client to disconnect), which cost ~10% of the gateway's CPU
    per proxied request (bench/README.md); it is kept for answers that take
    more than one read, where a client gone mid-stream must stop the relay.
    """
    chunks = answer.chunks()
    try:
        try:
            first = await anext(chunks, b"")
        except SendError:
            # The head came, the body did not (the service died between them):
            # nothing has reached the client yet, so it gets a clean 502.
            response = error_response(502, "the service's answer was cut short")
            response.headers.update({k.decode(): v.decode() for k, v in extra_headers})
            await response(scope, receive, send)
            return
        complete = answer.complete()
        await send(
            {
                "type": "http.response.start",
                "status": answer.status,
                "headers": [*client_response_headers(answer.headers), *extra_headers],
            }
        )
        await send({"type": "http.response.body", "body": first, "more_body": not complete})
        if complete:
            return
        second = await anext(chunks, None)
        if second is None:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await _relay_rest(second, chunks, receive, send)
    finally:
        await answer.aclose()


async def _relay_rest(
    second: bytes, chunks: AsyncIterator[bytes], receive: Receive, send: Send
) -> None:
    """The rest of a longer answer, stopped when the client disconnects."""

    failures: list[Exception] = []

    async def stream() -> None:
        try:
            await send({"type": "http.response.body", "body": second, "more_body": True})
            async for chunk in chunks:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except Exception as exc:  # noqa: BLE001 - re-raised below, not in an exception group
            failures.append(exc)
        finally:
            group.cancel_scope.cancel()

    async with anyio.create_task_group() as group:
        group.start_soon(stream)
        while (await receive())["type"] != "http.disconnect":
            pass
        group.cancel_scope.cancel()
    if failures:
        raise failures[0]
