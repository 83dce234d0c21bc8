"""Issue 11's findings that live in the gateway, one regression test each.

Client address and X-Forwarded-For (items 2 and 9), bounded metric series and
what the public may see of the gateway's internals (item 6), readiness before
the revocation list has loaded (item 9).
"""

import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import respx
from fastapi import FastAPI
from prometheus_client import REGISTRY

from gateway.main import create_app
from platform_common.testing.contract import Contract
from tests.conftest import NOTE, NOTES_URL, make_settings

PUBLIC = "203.0.113.7"
PROXY = "10.1.2.3"


def client_from(app: FastAPI, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://gateway.test")


@pytest.fixture
def notes(mock: respx.MockRouter, notes_contract: Contract) -> respx.Route:
    route = notes_contract.route_template(mock, "GET", "/notes/{note_id}")
    answer = notes_contract.response("GET", "/notes/{note_id}", status=200, json=NOTE)
    route.side_effect = lambda _request: answer
    return route


def forwarded_for(route: respx.Route) -> list[bytes]:
    return [v for k, v in route.calls.last.request.headers.raw if k.lower() == b"x-forwarded-for"]


class TestClientAddress:
    @pytest.fixture
    async def via_proxy(self, mock: respx.MockRouter) -> AsyncIterator[httpx.AsyncClient]:
        """A client whose requests reach the gateway through PROXY, one of ours."""
        app = create_app(make_settings(trusted_proxies=["10.0.0.0/8"]))
        async with app.router.lifespan_context(app), client_from(app, PROXY) as client:
            yield client

    async def test_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(
        self, client: httpx.AsyncClient, notes: respx.Route, auth_headers: dict[str, str]
    ) -> None:
        headers = [
            *auth_headers.items(),
            ("X-Forwarded-For", "198.51.100.1"),
            ("X-Forwarded-For", "127.0.0.1, 10.0.0.1"),
        ]
        response = await client.get("/notes/1", headers=headers)
        assert response.status_code == 200
        assert forwarded_for(notes) == [PUBLIC.encode()]

    async def test_chain_through_a_trusted_proxy_picks_the_rightmost_untrusted_hop(
        self, via_proxy: httpx.AsyncClient, notes: respx.Route, auth_headers: dict[str, str]
    ) -> None:
        # The client made up the first hop; the proxy appended the client's
        # real address, then a second proxy of ours its own.
        chain = "6.6.6.6, 198.51.100.9, 10.9.9.9"
        response = await via_proxy.get(
            "/notes/1", headers={**auth_headers, "X-Forwarded-For": chain}
        )
        assert response.status_code == 200
        assert forwarded_for(notes) == [b"198.51.100.9"]

    async def test_only_trusted_hops_means_the_leftmost_is_the_client(
        self, via_proxy: httpx.AsyncClient, notes: respx.Route, auth_headers: dict[str, str]
    ) -> None:
        await via_proxy.get("/notes/1", headers={**auth_headers, "X-Forwarded-For": "10.7.7.7"})
        assert forwarded_for(notes) == [b"10.7.7.7"]

    async def test_garbage_hop_from_a_trusted_proxy_stops_the_walk(
        self, via_proxy: httpx.AsyncClient, notes: respx.Route, auth_headers: dict[str, str]
    ) -> None:
        await via_proxy.get(
            "/notes/1", headers={**auth_headers, "X-Forwarded-For": "1.1.1.1, not-an-ip"}
        )
        # A hop that is no address cannot be trusted nor named: the last
        # address we know for sure is the proxy that handed it over.
        assert forwarded_for(notes) == [PROXY.encode()]


def series(name: str) -> int:
    return sum(
        len(metric.samples)
        for metric in REGISTRY.collect()
        if metric.name == name.removesuffix("_total")
    )


class TestMetricSeries:
    async def test_odd_spellings_of_a_note_id_add_no_series(
        self, client: httpx.AsyncClient, notes: respx.Route, auth_headers: dict[str, str]
    ) -> None:
        await client.get("/notes/1", headers=auth_headers)
        before = series("http_requests_total")
        spellings = [
            *(f"/notes/{n}.0" for n in range(75)),
            *(f"/notes/+{n}" for n in range(75)),
            *(f"/notes/{n}_0" for n in range(75)),
            *(f"/notes/{uuid.uuid4().hex}" for _ in range(75)),
        ]
        for path in spellings:
            assert (await client.get(path, headers=auth_headers)).status_code == 200
        assert series("http_requests_total") == before

    async def test_unknown_paths_share_one_label(
        self, app: FastAPI, mock: respx.MockRouter, auth_headers: dict[str, str]
    ) -> None:
        mock.get(url__regex=re.escape(NOTES_URL) + "/notes/.*/.*").mock(
            return_value=httpx.Response(404, json={"detail": "Not Found"})
        )
        async with client_from(app, PUBLIC) as client:
            for n in range(20):
                await client.get(f"/notes/{n}/x{n}", headers=auth_headers)
        async with client_from(app, "127.0.0.1") as internal:
            text = (await internal.get("/metrics")).text
        assert 'route="other",service="gateway",status="404"' in text
        assert "/x1" not in text


class TestInternalsNotPublic:
    async def test_metrics_is_404_for_the_public(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/metrics")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not Found"}

    async def test_metrics_served_to_internal_networks(self, app: FastAPI) -> None:
        async with client_from(app, "127.0.0.1") as client:
            response = await client.get("/metrics")
        assert response.status_code == 200
        assert "http_requests_total" in response.text

    @pytest.mark.parametrize(
        ("upstreams", "status", "body"),
        [
            ("live_upstreams", 200, {"status": "ok"}),
            ("notes_down", 503, {"status": "unavailable"}),
        ],
        ids=["ready", "not-ready"],
    )
    async def test_public_readiness_says_whether_ready_and_nothing_more(
        self,
        request: pytest.FixtureRequest,
        client: httpx.AsyncClient,
        upstreams: str,
        status: int,
        body: dict[str, str],
    ) -> None:
        request.getfixturevalue(upstreams)
        response = await client.get("/health/ready")
        assert response.status_code == status
        assert response.json() == body

    async def test_internal_networks_setting_decides(self, mock: respx.MockRouter) -> None:
        app = create_app(make_settings(internal_networks=["203.0.113.0/24"]))
        async with app.router.lifespan_context(app):
            async with client_from(app, PUBLIC) as client:
                assert (await client.get("/metrics")).status_code == 200
            async with client_from(app, "127.0.0.1") as client:
                assert (await client.get("/metrics")).status_code == 404


class TestReadinessWaitsForRevocations:
    @pytest.fixture
    async def app(
        self, mock: respx.MockRouter, auth_contract: Contract, notes_contract: Contract
    ) -> AsyncIterator[FastAPI]:
        auth_contract.route(mock, "GET", "/health/live", status=200, json={"status": "ok"})
        notes_contract.route(mock, "GET", "/health/live", status=200, json={"status": "ok"})
        revocations = auth_contract.route_template(mock, "GET", "/internal/revocations")
        revocations.mock(return_value=httpx.Response(503, json={"detail": "down"}))
        app = create_app(make_settings(revocations_enabled=True))
        async with app.router.lifespan_context(app):
            yield app

    async def test_not_ready_until_the_list_has_loaded(self, app: FastAPI) -> None:
        async with client_from(app, "127.0.0.1") as client:
            response = await client.get("/health/ready")
        assert response.status_code == 503
        assert response.json()["checks"]["revocations"] == {"ok": False}
