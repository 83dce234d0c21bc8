"""auth-service's revocation list as a respx mock, for the verifiers' tests.

Answers as auth-service's committed OpenAPI document promises
(`GET /internal/revocations`); a test edits `revoked`, `sessions` or
`clients`, or sets `failing`, and waits for the poller with `polls()`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import httpx
import respx

from platform_common.testing.contract import Contract

LIST_PATH = "/internal/revocations"


@dataclass
class RevocationListStub:
    contract: Contract
    route: respx.Route
    revoked: list[dict[str, Any]] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    clients: list[dict[str, Any]] = field(default_factory=list)
    failing: bool = False
    polled: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    def mount(
        cls, mock: respx.MockRouter, contract: Contract, *, name: str = "revocations"
    ) -> RevocationListStub:
        """Serve the list at the contract's base URL within `mock`."""
        stub = cls(contract, contract.route_template(mock, "GET", LIST_PATH, name=name))
        stub.route.side_effect = stub.answer
        return stub

    def answer(self, _request: httpx.Request) -> httpx.Response:
        self.polled.set()
        if self.failing:
            return httpx.Response(503, json={"detail": "down"})
        body = {
            "revoked": list(self.revoked),
            "sessions": list(self.sessions),
            "clients": list(self.clients),
        }
        return self.contract.response("GET", LIST_PATH, status=200, json=body)

    async def polls(self, count: int = 2) -> None:
        """Wait for `count` polls; after two, the list of the first is in use."""
        for _ in range(count):
            self.polled.clear()
            await asyncio.wait_for(self.polled.wait(), timeout=5)
