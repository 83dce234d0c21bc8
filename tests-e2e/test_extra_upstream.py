"""An upstream added by configuration alone (issue 26, item 2).

A gateway started with one more entry in GATEWAY_UPSTREAMS forwards to a
service that no code and no service list names (echo_upstream.py, run by
uvicorn here), checks tokens on it as on any other upstream, lets its open
route through without one, reports it in readiness and merges its document,
while the platform's own upstreams keep being served.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from api_client import ApiClient
from run_local import LocalSystem
from systems import extra_gateway, small_app


@pytest.fixture(scope="module")
def echo_url() -> Iterator[str]:
    """The tiny upstream, on a port of its own."""
    with small_app("echo_upstream") as url:
        yield url


@pytest.fixture(scope="module")
def gateway(system: LocalSystem, echo_url: str) -> Iterator[httpx.Client]:
    """A gateway whose configuration alone declares the echo upstream."""
    echo = {
        "name": "extra",
        "prefixes": ["/extra"],
        "urls": [echo_url],
        "timeout_seconds": 5,
        "open_routes": ["GET /extra/open"],
    }
    with (
        extra_gateway(system, GATEWAY_UPSTREAMS=json.dumps([echo])) as url,
        httpx.Client(base_url=url, timeout=10) as client,
    ):
        yield client


def received(echo_url: str, path: str) -> int:
    """How many requests for `path` reached the echo upstream."""
    counts: dict[str, int] = httpx.get(echo_url + "/received", timeout=5).json()
    return counts.get(path, 0)


class TestForwarding:
    def test_an_open_route_needs_no_token(self, gateway: httpx.Client) -> None:
        answer = gateway.get("/extra/open", params={"x": "1"})
        assert answer.status_code == 200, answer.text
        echoed = answer.json()
        assert (echoed["path"], echoed["query"]) == ("/extra/open", "x=1")
        assert echoed["headers"]["x-forwarded-for"] == "127.0.0.1"
        assert echoed["headers"]["x-request-id"] == answer.headers["x-request-id"]
        assert "authorization" not in echoed["headers"]

    def test_any_other_route_needs_a_valid_token(
        self, gateway: httpx.Client, api: ApiClient, echo_url: str
    ) -> None:
        before = received(echo_url, "/extra/private")
        refused = gateway.get("/extra/private")
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Bearer")
        forged = gateway.get("/extra/private", headers={"Authorization": "Bearer forged"})
        assert forged.status_code == 401
        # A POST to the open GET route is no open route.
        assert gateway.post("/extra/open").status_code == 401
        assert received(echo_url, "/extra/private") == before

        user = api.new_user()
        allowed = gateway.get("/extra/private", headers=user)
        assert allowed.status_code == 200, allowed.text
        assert allowed.json()["headers"]["authorization"] == user["Authorization"]
        assert received(echo_url, "/extra/private") == before + 1

    def test_the_platforms_upstreams_still_served(
        self, gateway: httpx.Client, api: ApiClient
    ) -> None:
        user = api.new_user()
        created = gateway.post(
            "/notes/", json={"title": "echo", "description": "beside the echo"}, headers=user
        )
        assert created.status_code == 201, created.text
        listed = gateway.get("/notes/", headers=user)
        assert [note["id"] for note in listed.json()] == [created.json()["id"]]
        assert gateway.get("/auth/me", headers=user).status_code == 200

    def test_paths_beside_the_prefix_are_not_forwarded(self, gateway: httpx.Client) -> None:
        assert gateway.get("/extrax/open").status_code == 404
        assert gateway.get("/received").status_code == 404


class TestSeenByTheGateway:
    def test_in_the_detailed_readiness(self, gateway: httpx.Client) -> None:
        """Loopback is on the gateway's internal networks: the detailed report."""
        report = gateway.get("/health/ready")
        assert report.status_code == 200, report.text
        echo = report.json()["checks"]["extra"]
        assert echo["ok"] is True
        assert [replica["circuit"] for replica in echo["replicas"]] == ["closed"]

    def test_its_document_merged(self, gateway: httpx.Client) -> None:
        paths = gateway.get("/openapi.json").json()["paths"]
        assert {"/extra/open", "/extra/private", "/notes", "/auth/token"} <= set(paths)
        assert "/received" not in paths  # outside its prefix
