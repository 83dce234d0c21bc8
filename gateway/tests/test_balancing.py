"""Several replicas per upstream: spreading, moving on when refused, a breaker each, draining."""

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
import pytest
import respx
from fastapi import FastAPI

from gateway.config import Settings
from gateway.main import create_app
from platform_common.testing.contract import Contract
from platform_common.testing.issuer import TokenIssuer
from tests.conftest import AUTH_URL, NOTE, USER_ID, asgi_client, make_settings
from tests.test_real_socket import serve, upstream_app

NOTES_A = "http://notes-a.test"
NOTES_B = "http://notes-b.test"
NEW_NOTE = {"title": "abc", "description": "def"}


@pytest.fixture
def settings() -> Settings:
    return make_settings(
        notes_urls=f"{NOTES_A}, {NOTES_B}", circuit_failure_threshold=2, circuit_reset_seconds=60
    )


@pytest.fixture
def replica_a() -> Contract:
    return Contract("notes-service", NOTES_A)


@pytest.fixture
def replica_b() -> Contract:
    return Contract("notes-service", NOTES_B)


def note_route(mock: respx.MockRouter, contract: Contract, status: int = 200) -> respx.Route:
    return contract.route(
        mock, "GET", "/notes/1", template="/notes/{note_id}", status=status, json=NOTE
    )


def create_route(mock: respx.MockRouter, contract: Contract) -> respx.Route:
    return contract.route(mock, "POST", "/notes", status=201, json=NOTE)


@dataclass
class Replicas:
    """The gateway's client, the mock and the two notes-service replicas behind it."""

    client: httpx.AsyncClient
    mock: respx.MockRouter
    a: Contract
    b: Contract
    headers: dict[str, str]

    async def get(self) -> httpx.Response:
        return await self.client.get("/notes/1", headers=self.headers)


@pytest.fixture
def replicas(
    client: httpx.AsyncClient,
    mock: respx.MockRouter,
    replica_a: Contract,
    replica_b: Contract,
    auth_headers: dict[str, str],
) -> Replicas:
    return Replicas(client, mock, replica_a, replica_b, auth_headers)


def notes_replicas(settings: Settings) -> list[str]:
    return next(list(u.urls) for u in settings.upstream_table if u.name == "notes-service")


class TestSettings:
    def test_comma_separated_and_json_lists(self) -> None:
        as_list = make_settings(notes_urls=f"{NOTES_A},{NOTES_B}")
        assert notes_replicas(as_list) == [NOTES_A, NOTES_B]
        as_json = make_settings(notes_urls=f'["{NOTES_A}", "{NOTES_B}"]')
        assert notes_replicas(as_json) == [NOTES_A, NOTES_B]

    def test_the_single_url_is_one_replica(self) -> None:
        assert notes_replicas(make_settings()) == ["http://notes.test"]

    def test_the_keys_and_revocations_come_from_every_auth_replica(self) -> None:
        settings = make_settings(auth_urls="http://a1.test,http://a2.test")
        assert settings.jwks_url == (
            "http://a1.test/auth/.well-known/jwks.json,http://a2.test/auth/.well-known/jwks.json"
        )
        assert settings.revocations_url == (
            "http://a1.test/internal/revocations,http://a2.test/internal/revocations"
        )


class TestSpreading:
    async def test_requests_take_turns(self, replicas: Replicas) -> None:
        a, b = note_route(replicas.mock, replicas.a), note_route(replicas.mock, replicas.b)
        for _ in range(6):
            assert (await replicas.get()).status_code == 200
        assert (a.call_count, b.call_count) == (3, 3)

    async def test_a_replica_with_a_request_in_flight_gets_the_next_ones_elsewhere(
        self, replicas: Replicas
    ) -> None:
        arrived, release = asyncio.Event(), asyncio.Event()
        answer = replicas.a.response("GET", "/notes/{note_id}", status=200, json=NOTE)

        async def slow(_: httpx.Request) -> httpx.Response:
            arrived.set()
            await release.wait()
            return answer

        a = replicas.mock.get(f"{NOTES_A}/notes/1").mock(side_effect=slow)
        b = note_route(replicas.mock, replicas.b)
        pending = asyncio.create_task(replicas.get())
        await arrived.wait()
        for _ in range(4):
            assert (await replicas.get()).status_code == 200
        assert b.call_count == 4
        release.set()
        assert (await pending).status_code == 200
        assert a.call_count == 1


class TestRefused:
    @pytest.mark.parametrize("upstream_client", ["aiohttp", "httpx"])
    async def test_a_refused_post_goes_to_the_next_replica(self, upstream_client: str) -> None:
        # Nothing was sent to a replica that refused the connection: safe for any
        # method, body included (real sockets: respx reads a body before refusing).
        issuer = TokenIssuer()
        with socket.socket() as probe:  # a port nobody listens on
            probe.bind(("127.0.0.1", 0))
            dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
        async with serve(upstream_app(issuer)) as alive:
            settings = make_settings(
                auth_url=alive, notes_urls=f"{dead},{alive}", upstream_client=upstream_client
            )
            async with (
                serve(create_app(settings)) as gateway_url,
                httpx.AsyncClient(base_url=gateway_url, timeout=10) as client,
            ):
                headers = {"Authorization": f"Bearer {issuer.token(USER_ID)}"}
                for _ in range(3):
                    response = await client.post(
                        "/notes/count", content=b"x" * 1000, headers=headers
                    )
                    assert response.status_code == 200
                    assert response.json()["received"] == 1000
                    # Built for the first replica, sent to the second under its own name.
                    assert response.json()["headers"]["host"] == alive.removeprefix("http://")

    @pytest.mark.parametrize(
        ("method", "path", "body", "route", "status", "calls"),
        [
            # The replica may have received it: a second copy could create a second note.
            ("POST", "/notes", NEW_NOTE, create_route, 502, (1, 0)),
            # Idempotent: the next replica may have it.
            ("GET", "/notes/1", None, note_route, 200, (1, 1)),
        ],
    )
    async def test_a_closed_connection_moves_only_an_idempotent_request(
        self,
        replicas: Replicas,
        method: str,
        path: str,
        body: dict[str, str] | None,
        route: Callable[[respx.MockRouter, Contract], respx.Route],
        status: int,
        calls: tuple[int, int],
    ) -> None:
        closed = httpx.RemoteProtocolError("closed")
        a = replicas.mock.route(method=method, url=f"{NOTES_A}{path}").mock(side_effect=closed)
        b = route(replicas.mock, replicas.b)
        response = await replicas.client.request(method, path, json=body, headers=replicas.headers)
        assert response.status_code == status
        assert (a.call_count, b.call_count) == calls

    async def test_every_replica_refusing_is_503(
        self, client: httpx.AsyncClient, mock: respx.MockRouter, auth_headers: dict[str, str]
    ) -> None:
        refused = httpx.ConnectError("refused")
        a = mock.delete(f"{NOTES_A}/notes/1").mock(side_effect=refused)
        b = mock.delete(f"{NOTES_B}/notes/1").mock(side_effect=refused)
        response = await client.delete("/notes/1", headers=auth_headers)
        assert response.status_code == 503
        assert response.json() == {"detail": "notes-service is unavailable"}
        assert (a.call_count, b.call_count) == (1, 1)


class TestBreakers:
    async def test_one_replica_failing_opens_its_breaker_only(
        self, app: FastAPI, replicas: Replicas
    ) -> None:
        a = replicas.mock.get(f"{NOTES_A}/notes/1").mock(side_effect=httpx.ReadTimeout("slow"))
        b = note_route(replicas.mock, replicas.b)
        statuses = [(await replicas.get()).status_code for _ in range(4)]
        # Its turn twice: two timeouts (504, not sent again: the replica may be working on it).
        assert sorted(statuses) == [200, 200, 504, 504]
        upstream = app.state.gateway.upstreams[1].replicas
        assert [r.breaker.state for r in upstream] == ["open", "closed"]
        for _ in range(4):
            assert (await replicas.get()).status_code == 200
        assert (a.call_count, b.call_count) == (2, 6)

    async def test_every_breaker_open_is_503_with_retry_after(
        self, client: httpx.AsyncClient, mock: respx.MockRouter, auth_headers: dict[str, str]
    ) -> None:
        mock.get(f"{NOTES_A}/notes/1").mock(side_effect=httpx.ReadTimeout("slow"))
        mock.get(f"{NOTES_B}/notes/1").mock(side_effect=httpx.ReadTimeout("slow"))
        for _ in range(4):
            await client.get("/notes/1", headers=auth_headers)
        response = await client.get("/notes/1", headers=auth_headers)
        assert response.status_code == 503
        assert response.headers["retry-after"] == "60"


class TestDraining:
    async def test_a_replica_answering_connection_close_is_left_alone(
        self, replicas: Replicas
    ) -> None:
        answer = replicas.a.response(
            "GET", "/notes/{note_id}", status=200, json=NOTE, headers={"Connection": "close"}
        )
        a = replicas.mock.get(f"{NOTES_A}/notes/1").mock(side_effect=lambda _: answer)
        b = note_route(replicas.mock, replicas.b)
        for _ in range(6):
            response = await replicas.get()
            assert response.status_code == 200
            assert "connection" not in response.headers  # hop-by-hop: not relayed
        assert (a.call_count, b.call_count) == (1, 5)

    async def test_a_replica_answering_normally_again_is_back_at_once(
        self, replicas: Replicas
    ) -> None:
        # A restarted within the hold while B starts draining: both are put
        # last, and A's first normal answer must make it the one chosen.
        def answer(contract: Contract, close: bool) -> httpx.Response:
            headers = {"Connection": "close"} if close else None
            return contract.response(
                "GET", "/notes/{note_id}", status=200, json=NOTE, headers=headers
            )

        a_answers = [answer(replicas.a, True), *(answer(replicas.a, False) for _ in range(9))]
        a = replicas.mock.get(f"{NOTES_A}/notes/1").mock(side_effect=a_answers)
        b = replicas.mock.get(f"{NOTES_B}/notes/1").mock(
            side_effect=lambda _: answer(replicas.b, True)
        )
        for _ in range(3):  # A (close), B (close), then A again: both held, A's turn
            assert (await replicas.get()).status_code == 200
        assert (a.call_count, b.call_count) == (2, 1)
        for _ in range(4):
            assert (await replicas.get()).status_code == 200
        assert (a.call_count, b.call_count) == (6, 1)


class TestReadiness:
    @pytest.fixture
    async def internal_client(self, app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
        async with asgi_client(app, "127.0.0.1") as client:
            yield client

    async def test_ready_while_one_replica_of_each_upstream_is(
        self,
        internal_client: httpx.AsyncClient,
        mock: respx.MockRouter,
        replica_b: Contract,
        auth_contract: Contract,
    ) -> None:
        auth_contract.route(mock, "GET", "/health/live", status=200, json={"status": "ok"})
        mock.get(f"{NOTES_A}/health/live").mock(side_effect=httpx.ConnectError("refused"))
        replica_b.route(mock, "GET", "/health/live", status=200, json={"status": "ok"})
        response = await internal_client.get("/health/ready")
        assert response.status_code == 200
        notes = response.json()["checks"]["notes-service"]
        assert notes["ok"] is True
        assert [(r["url"], r["ok"]) for r in notes["replicas"]] == [
            (NOTES_A, False),
            (NOTES_B, True),
        ]

    async def test_not_ready_when_every_replica_of_an_upstream_is_down(
        self, internal_client: httpx.AsyncClient, mock: respx.MockRouter, auth_contract: Contract
    ) -> None:
        auth_contract.route(mock, "GET", "/health/live", status=200, json={"status": "ok"})
        for url in (NOTES_A, NOTES_B):
            mock.get(f"{url}/health/live").mock(side_effect=httpx.ConnectError("refused"))
        response = await internal_client.get("/health/ready")
        assert response.status_code == 503
        assert response.json()["checks"]["auth-service"]["replicas"][0]["url"] == AUTH_URL
