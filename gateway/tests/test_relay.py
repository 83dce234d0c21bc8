"""The relay of an upstream's answer: one read in two plain messages, longer
answers streamed until the client goes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from gateway.proxy import relay
from gateway.transport import Answer


class Endless:
    def __init__(self) -> None:
        self.closed = False

    async def chunks(self) -> AsyncIterator[bytes]:
        while True:
            yield b"tick"
            await asyncio.sleep(0)

    async def aclose(self) -> None:
        self.closed = True


async def one_read() -> AsyncIterator[bytes]:
    yield b"{}"


async def nothing() -> None:
    return None


@pytest.mark.parametrize(("knows_it_is_complete", "messages"), [(True, 2), (False, 3)])
async def test_a_one_read_answer_is_two_or_three_messages(
    knows_it_is_complete: bool, messages: int
) -> None:
    response = Answer(
        200,
        [(b"content-type", b"application/json")],
        one_read(),
        nothing,
        complete=lambda: knows_it_is_complete,
    )
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        raise AssertionError("nothing to wait for")

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    await relay(response, {"type": "http"}, receive, send)  # type: ignore[arg-type]
    assert [m["type"] for m in sent] == ["http.response.start"] + ["http.response.body"] * (
        messages - 1
    )
    assert sent[0]["status"] == 200
    assert b"".join(m.get("body", b"") for m in sent[1:]) == b"{}"  # type: ignore[misc]
    assert sent[-1]["more_body"] is False


async def test_a_longer_answer_stops_when_the_client_goes() -> None:
    stream = Endless()
    response = Answer(200, [], stream.chunks(), stream.aclose)
    bodies = 0
    gone = asyncio.Event()

    async def receive() -> dict[str, object]:
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        nonlocal bodies
        if message["type"] == "http.response.body":
            bodies += 1
            if bodies == 5:
                gone.set()

    # A bound against a hang, not a timing assertion.
    await asyncio.wait_for(relay(response, {"type": "http"}, receive, send), timeout=10)  # type: ignore[arg-type]
    assert bodies >= 5
    assert stream.closed
