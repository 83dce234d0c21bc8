"""respx routes for every operation of the platform, checked against its contract.

The contract is the OpenAPI document shipped in this package (the one the
client was generated from). `mock_platform()` answers every documented
operation with a schema-valid example (or what a test sets with `answer`),
and fails the test when the consumer's request does not match the document:
an unknown or missing field, a value of the wrong type, a media type the
operation does not take, no `Authorization` where the operation needs one, an
undocumented path. The first violation is raised from the call itself and
again when the `with` block ends, so code that swallows errors cannot hide it.

    with mock_platform() as platform:
        platform.answer("notes-create", status=201, json={...})
        platform.answer("notes-read", status=429, headers={"Retry-After": "1"}, once=True)
        ...  # the code under test, with notes_platform.connect(platform.base_url, ...)
        assert platform.calls("notes-create") == 1
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx
import respx

from notes_platform.testing.contract import (
    ContractViolation,
    Document,
    Operation,
    load_document,
    operations,
)
from notes_platform.testing.examples import example

__all__ = ["ContractViolation", "PlatformMock", "mock_platform"]

BASE_URL = "https://notes-platform.test"


@dataclass
class _Answer:
    status: int
    json: Any
    headers: dict[str, str]


@dataclass
class PlatformMock:
    """What the routes answer, and what they were asked."""

    base_url: str
    document: Document
    routes: dict[str, respx.Route] = field(default_factory=dict)
    violations: list[ContractViolation] = field(default_factory=list)
    _sticky: dict[str, _Answer] = field(default_factory=dict)
    _queued: dict[str, deque[_Answer]] = field(default_factory=dict)
    _operations: dict[str, Operation] = field(default_factory=dict)

    def _operation(self, operation_id: str) -> Operation:
        if operation_id not in self._operations:
            raise ContractViolation(f"no operation {operation_id!r} in the document")
        return self._operations[operation_id]

    def _checked(
        self,
        operation_id: str,
        status: int | None,
        body: Any,
        headers: Mapping[str, str] | None,
    ) -> _Answer:
        operation = self._operation(operation_id)
        status = status or operation.success_status
        given = body if body is not None else operation.example(status)
        operation.validate_response(status, given)
        return _Answer(status, given, {**operation.example_headers(status), **(headers or {})})

    def answer(
        self,
        operation_id: str,
        *,
        status: int | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        once: bool = False,
    ) -> None:
        """From now on, answer `operation_id` so (the body checked against the
        document; the first 2xx status and an example when not given). `once`:
        answer the next call so, then go back (answers queue up)."""
        answer = self._checked(operation_id, status, json, headers)
        if once:
            self._queued.setdefault(operation_id, deque()).append(answer)
        else:
            self._sticky[operation_id] = answer

    def route(self, operation_id: str) -> respx.Route:
        self._operation(operation_id)
        return self.routes[operation_id]

    def calls(self, operation_id: str) -> int:
        return self.route(operation_id).call_count

    def requests(self, operation_id: str) -> list[httpx.Request]:
        return [call.request for call in self.route(operation_id).calls]

    def _respond(self, operation: Operation, request: httpx.Request) -> httpx.Response:
        try:
            operation.validate_request(request, _query(request))
        except ContractViolation as violation:
            self.violations.append(violation)
            raise
        queued = self._queued.get(operation.operation_id)
        answer = (
            queued.popleft()
            if queued
            else self._sticky.get(operation.operation_id)
            or self._checked(operation.operation_id, None, None, None)
        )
        content = None if answer.json is None else json.dumps(answer.json).encode()
        headers = (
            {"content-type": "application/json", **answer.headers} if content else answer.headers
        )
        return httpx.Response(answer.status, headers=headers, content=content)

    def install(self, router: respx.MockRouter) -> None:
        for operation in operations(self.document):
            self._operations[operation.operation_id] = operation
            self.routes[operation.operation_id] = router.route(
                method=operation.method, url__regex=operation.url_pattern(self.base_url)
            ).mock(side_effect=lambda request, op=operation, **_: self._respond(op, request))

    def check(self) -> None:
        if self.violations:
            raise self.violations[0]


def _query(request: httpx.Request) -> list[tuple[str, str]]:
    return parse_qsl(request.url.query.decode(), keep_blank_values=True)


@contextmanager
def mock_platform(base_url: str = BASE_URL) -> Iterator[PlatformMock]:
    """Every operation of the platform mocked at `base_url` for the block's duration."""
    mock = PlatformMock(base_url.rstrip("/"), load_document())
    with respx.mock(assert_all_called=False) as router:
        mock.install(router)
        yield mock
    mock.check()


__all__ += ["example"]
