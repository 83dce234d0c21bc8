"""GET /notes/{id} is a LeanRoute (notes_service.lean_route): its requests skip
FastAPI's generic dependency solving, and every answer is the one the
general way gives (with a dependency override in place, the route goes the
general way: each request here is sent both ways and compared)."""

from collections.abc import Callable, Iterator
from typing import Annotated, Any

import fastapi.dependencies.utils
import fastapi.routing
import httpx
import pytest
from fastapi import Depends, FastAPI, Query, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from notes_service.lean_route import lean_handler
from notes_service.routes import read_note
from notes_service.schemas import NoteWrite
from platform_common.testing.issuer import TokenIssuer, User
from tests.test_routes import create


def _unused() -> None:
    """A dependency no route has: overriding it sends every request the general way."""


@pytest.fixture
def solves(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """FastAPI's generic solving, counted."""
    calls: list[object] = []
    solve = fastapi.dependencies.utils.solve_dependencies

    async def counted(**kwargs: Any) -> Any:
        calls.append(kwargs["dependant"].call)
        return await solve(**kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counted)
    return calls


@pytest.fixture
def general_way(app: FastAPI) -> Iterator[None]:
    app.dependency_overrides[_unused] = _unused
    try:
        yield
    finally:
        del app.dependency_overrides[_unused]


def answer(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = sorted((k, v) for k, v in response.headers.items() if k != "x-request-id")
    return response.status_code, headers, response.content


class TestLeanRead:
    async def test_solved_without_fastapis_generic_way(
        self, client: httpx.AsyncClient, alice: User, solves: list[object]
    ) -> None:
        note = await create(client, alice)
        solves.clear()
        response = await client.get(f"/notes/{note['id']}", headers=alice.headers)
        assert response.status_code == 200
        assert solves == []

    async def test_overrides_go_the_general_way(
        self,
        client: httpx.AsyncClient,
        alice: User,
        solves: list[object],
        general_way: None,
    ) -> None:
        note = await create(client, alice)
        solves.clear()
        response = await client.get(f"/notes/{note['id']}", headers=alice.headers)
        assert response.status_code == 200
        assert solves != []

    async def test_every_answer_as_the_general_way_gives_it(
        self, app: FastAPI, client: httpx.AsyncClient, issuer: TokenIssuer, alice: User, bob: User
    ) -> None:
        note = await create(client, alice)
        first = await client.get(f"/notes/{note['id']}", headers=alice.headers)
        etag = first.headers["ETag"]
        tokens: dict[str, dict[str, str]] = {
            "owner": alice.headers,
            "other": bob.headers,
            "none": {},
            "no scope": {"Authorization": f"Bearer {issuer.token(str(alice.id), scope='openid')}"},
            "malformed": {"Authorization": "Bearer junk"},
            "basic": {"Authorization": "Basic YTpi"},
        }
        ids = [str(note["id"]), f"{note['id']}/", "999999999", "0", "-1", "abc", "1.5"]
        ids += [str(2**63), str(2**63 - 1), "%201", "+1", "1e3", "\u0661"]
        conditions: list[dict[str, str]] = [{}, {"If-None-Match": etag}, {"If-None-Match": "*"}]
        conditions += [{"If-None-Match": f'W/{etag}, "x"'}, {"If-None-Match": "x" * 1025}]
        requests = [
            (method, f"/notes/{note_id}", {**token, **condition})
            for method in ("GET", "HEAD")
            for note_id in ids
            for token in tokens.values()
            for condition in conditions
        ]
        lean = [answer(await client.request(m, path, headers=h)) for m, path, h in requests]
        app.dependency_overrides[_unused] = _unused
        try:
            general = [answer(await client.request(m, path, headers=h)) for m, path, h in requests]
        finally:
            del app.dependency_overrides[_unused]
        assert {status for status, _, _ in lean} >= {200, 304, 401, 403, 404, 422}
        differences = [(r, a, b) for r, a, b in zip(requests, lean, general, strict=True) if a != b]
        assert differences == []


class TestShapes:
    """Routes of another shape keep FastAPI's general handler."""

    async def generic(self, request: Request) -> Response:
        raise AssertionError

    @staticmethod
    def dependant(endpoint: Callable[..., Any]) -> Dependant:
        return APIRoute("/things/{thing_id}", endpoint).dependant

    def test_the_read_route_is_lean(self) -> None:
        assert lean_handler(self.dependant(read_note), self.generic, None) is not None

    def test_a_body(self) -> None:
        async def endpoint(thing_id: int, data: NoteWrite) -> Response:
            raise AssertionError

        assert lean_handler(self.dependant(endpoint), self.generic, None) is None

    def test_a_list_of_values(self) -> None:
        async def endpoint(thing_id: int, tag: Annotated[list[str], Query()]) -> Response:
            raise AssertionError

        assert lean_handler(self.dependant(endpoint), self.generic, None) is None

    def test_a_dependency_with_parameters(self) -> None:
        async def limit(size: int = 10) -> int:
            return size

        async def endpoint(thing_id: int, size: Annotated[int, Depends(limit)]) -> Response:
            raise AssertionError

        assert lean_handler(self.dependant(endpoint), self.generic, None) is None

    def test_a_plain_function(self) -> None:
        def endpoint(thing_id: int) -> Response:
            raise AssertionError

        assert lean_handler(self.dependant(endpoint), self.generic, None) is None
