"""The table of upstreams (GATEWAY_UPSTREAMS): auth-service and notes-service by default,
their settings of before folded in, more declared by configuration alone."""

import json
from typing import Any

import httpx
import pytest
import respx
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route

from gateway.config import Settings
from gateway.main import create_app
from gateway.upstreams import DEFAULT_UPSTREAMS, RESERVED_PREFIXES, UpstreamSpec
from tests.conftest import asgi_client, make_settings

ECHO = {"name": "echo", "prefixes": ["/echo"], "urls": ["http://echo.test"]}


def table(settings: Settings) -> dict[str, UpstreamSpec]:
    return {u.name: u for u in settings.upstream_table}


def with_upstreams(monkeypatch: pytest.MonkeyPatch, *entries: dict[str, Any]) -> Settings:
    monkeypatch.setenv("GATEWAY_UPSTREAMS", json.dumps(list(entries)))
    return Settings()


class TestDefaults:
    def test_the_platforms_services(self) -> None:
        upstreams = table(Settings())
        assert list(upstreams) == ["auth-service", "notes-service"]
        auth, notes = upstreams["auth-service"], upstreams["notes-service"]
        assert auth.prefixes == ("/auth",)
        assert auth.exact_paths == ("/.well-known/oauth-authorization-server/auth",)
        assert auth.urls == ("http://127.0.0.1:8001",)
        assert notes.prefixes == ("/notes",)
        assert notes.urls == ("http://127.0.0.1:8002",)
        assert auth.timeout_seconds == notes.timeout_seconds == 10
        assert notes.open_routes == ()
        assert {"POST /auth/register", "POST /auth/token", "GET /auth/.well-known/jwks.json"} <= (
            set(auth.open_routes)
        )

    def test_the_settings_of_before_name_the_same_defaults(self) -> None:
        """GATEWAY_AUTH_URL and the others document the table's defaults: they must agree."""
        settings = Settings()
        upstreams = {u.name: u for u in DEFAULT_UPSTREAMS}
        assert (settings.auth_url,) == upstreams["auth-service"].urls
        assert (settings.notes_url,) == upstreams["notes-service"].urls
        assert settings.auth_timeout_seconds == upstreams["auth-service"].timeout_seconds
        assert settings.notes_timeout_seconds == upstreams["notes-service"].timeout_seconds


class TestSettingsOfBefore:
    def test_folded_into_the_table(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("GATEWAY_AUTH_URLS", "http://a1.test:8001,http://a2.test:8001")
        monkeypatch.setenv("GATEWAY_NOTES_URL", "http://notes.test:8002/")
        monkeypatch.setenv("GATEWAY_NOTES_TIMEOUT_SECONDS", "2.5")
        upstreams = table(Settings())
        assert upstreams["auth-service"].urls == ("http://a1.test:8001", "http://a2.test:8001")
        assert upstreams["notes-service"].urls == ("http://notes.test:8002",)
        assert upstreams["notes-service"].timeout_seconds == 2.5
        assert upstreams["auth-service"].timeout_seconds == 10

    def test_and_the_table_together(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("GATEWAY_NOTES_TIMEOUT_SECONDS", "2")
        settings = with_upstreams(
            monkeypatch, {"name": "notes-service", "urls": ["http://n1.test", "http://n2.test"]}
        )
        notes = table(settings)["notes-service"]
        assert notes.urls == ("http://n1.test", "http://n2.test")
        assert notes.timeout_seconds == 2
        assert notes.prefixes == ("/notes",)

    @pytest.mark.parametrize(
        ("variable", "value", "entry"),
        [
            ("GATEWAY_AUTH_URL", "http://a.test", {"urls": ["http://b.test"]}),
            ("GATEWAY_AUTH_URLS", "http://a.test", {"urls": ["http://b.test"]}),
            ("GATEWAY_AUTH_TIMEOUT_SECONDS", "3", {"timeout_seconds": 4}),
        ],
    )
    def test_one_value_set_twice_is_refused(
        self, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, entry: dict[str, Any]
    ) -> None:
        monkeypatch.setenv(variable, value)
        with pytest.raises(ValidationError, match=variable):
            with_upstreams(monkeypatch, {"name": "auth-service", **entry})

    def test_the_keys_come_from_auth_services_urls_in_the_table(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        settings = with_upstreams(
            monkeypatch, {"name": "auth-service", "urls": ["http://a1.test", "http://a2.test/"]}
        )
        assert settings.jwks_url == (
            "http://a1.test/auth/.well-known/jwks.json,http://a2.test/auth/.well-known/jwks.json"
        )
        assert settings.revocations_url == (
            "http://a1.test/internal/revocations,http://a2.test/internal/revocations"
        )


class TestAddedByConfiguration:
    def test_after_the_platforms(self, monkeypatch: pytest.MonkeyPatch) -> None:
        settings = with_upstreams(monkeypatch, {**ECHO, "open_routes": ["GET /echo/open"]})
        upstreams = table(settings)
        assert list(upstreams) == ["auth-service", "notes-service", "echo"]
        echo = upstreams["echo"]
        assert echo.prefixes == ("/echo",)
        assert echo.urls == ("http://echo.test",)
        assert echo.timeout_seconds == 10
        assert echo.open_routes == ("GET /echo/open",)
        assert echo.exact_paths == ()


BAD_ENTRIES: list[tuple[list[dict[str, Any]], str]] = [
    # The gateway's own routes, and the services' internal ones, are never forwarded.
    ([{**ECHO, "prefixes": ["/internal"]}], "reserved"),
    ([{**ECHO, "prefixes": ["/health"]}], "reserved"),
    ([{**ECHO, "prefixes": ["/metrics"]}], "reserved"),
    ([{**ECHO, "prefixes": ["/docs"]}], "reserved"),
    ([{**ECHO, "prefixes": ["/ping"]}], "reserved"),
    ([{**ECHO, "prefixes": ["/openapi.json"]}], "reserved"),
    ([{**ECHO, "prefixes": ["/notes"]}], "/notes"),
    ([{**ECHO, "prefixes": ["/echo", "/echo"]}], "/echo"),
    ([{**ECHO, "prefixes": ["/echo/sub"]}], "prefix"),
    ([{**ECHO, "prefixes": ["echo"]}], "prefix"),
    ([{**ECHO, "prefixes": ["/"]}], "prefix"),
    ([{**ECHO, "prefixes": [".."]}], "prefix"),
    ([{**ECHO, "prefixes": ["/.."]}], "prefix"),
    ([{**ECHO, "prefixes": ["/ech%2fo"]}], "prefix"),
    ([{**ECHO, "prefixes": []}], "prefix"),
    ([{"name": "echo", "urls": ["http://echo.test"]}], "prefix"),
    ([{"name": "echo", "prefixes": ["/echo"]}], "urls"),
    ([{**ECHO, "urls": []}], "urls"),
    ([{**ECHO, "urls": ["ftp://echo.test"]}], "http"),
    ([{**ECHO, "urls": ["echo.test:80"]}], "http"),
    ([{**ECHO, "urls": ["http://"]}], "http"),
    ([{**ECHO, "urls": ["http://user:secret@echo.test"]}], "http"),
    ([{**ECHO, "urls": "http://echo.test"}], "urls"),
    ([{**ECHO, "timeout_seconds": 0}], "timeout_seconds"),
    ([{**ECHO, "timeout_seconds": -1}], "timeout_seconds"),
    # An open route only ever opens a path of its own upstream.
    ([{**ECHO, "open_routes": ["POST /auth/users"]}], "not one of echo's"),
    ([{**ECHO, "open_routes": ["GET /notes/1"]}], "not one of echo's"),
    ([{**ECHO, "open_routes": ["GET /echox"]}], "not one of echo's"),
    ([{**ECHO, "open_routes": ["FETCH /echo/x"]}], "open route"),
    ([{**ECHO, "open_routes": ["get /echo/x"]}], "open route"),
    ([{**ECHO, "open_routes": ["GET echo/x"]}], "open route"),
    ([{**ECHO, "open_routes": ["GET /echo/x/"]}], "open route"),
    ([{**ECHO, "open_routes": ["GET /echo/../auth/users"]}], "open route"),
    ([{**ECHO, "open_routes": ["GET  /echo/x"]}], "open route"),
    ([{**ECHO, "exact_paths": ["/notes/special"]}], "/notes/special"),
    ([{**ECHO, "exact_paths": ["/.well-known/oauth-authorization-server/auth"]}], "twice"),
    ([{**ECHO, "exact_paths": ["/health/live"]}], "reserved"),
    ([{**ECHO, "exact_paths": ["/x/"]}], "path"),
    ([{**ECHO, "prefix": ["/echo"]}], "prefix"),  # a misspelt key is refused, not ignored
    ([ECHO, ECHO], "twice"),
    ([{**ECHO, "name": "Echo Service"}], "name"),
    ([{**ECHO, "name": ""}], "name"),
    ([{**ECHO, "name": "jwks"}], "reserved"),  # the readiness report's own checks
    ([{**ECHO, "name": "revocations"}], "reserved"),
    ([{"prefixes": ["/echo"], "urls": ["http://echo.test"]}], "name"),
    # A default upstream's routes are the gateway's to say.
    ([{"name": "auth-service", "open_routes": ["GET /auth/users"]}], "open_routes"),
    ([{"name": "notes-service", "prefixes": ["/n"]}], "prefixes"),
]


def own_paths(routes: list[BaseRoute]) -> set[str]:
    found = set()
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI's include_router
        if included is not None:
            found |= own_paths(included.routes)
        elif isinstance(route, Route | Mount):
            found.add(route.path)
    return found


def test_the_gateways_own_routes_are_reserved() -> None:
    """No upstream may take a path the gateway answers itself."""
    app = create_app(make_settings())
    own = {"/" + path.split("/")[1] for path in own_paths(app.routes)}
    assert own <= RESERVED_PREFIXES
    assert {"/ping", "/health", "/metrics", "/docs", "/openapi.json"} <= own


class TestRefused:
    @pytest.mark.parametrize(("entries", "message"), BAD_ENTRIES)
    def test_bad_entries(
        self, monkeypatch: pytest.MonkeyPatch, entries: list[dict[str, Any]], message: str
    ) -> None:
        with pytest.raises(ValidationError, match=message):
            with_upstreams(monkeypatch, *entries)

    @pytest.mark.parametrize("value", ['{"name": "echo"}', "[1]", '["echo"]', "not json"])
    def test_not_a_list_of_entries(self, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
        monkeypatch.setenv("GATEWAY_UPSTREAMS", value)
        # pydantic-settings' own error for what is not JSON; both are ValueErrors.
        with pytest.raises(ValueError, match="upstreams"):
            Settings()


def echo_app() -> Starlette:
    """A small upstream that answers with what it received."""

    async def echo(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "path": request.url.path,
                "authorization": request.headers.get("authorization"),
                "request_id": request.headers.get("x-request-id"),
            }
        )

    return Starlette(routes=[Route("/echo/{rest:path}", echo, methods=["GET", "POST"])])


class TestForwarding:
    async def test_an_upstream_declared_in_configuration_only(
        self, mock: respx.MockRouter, auth_headers: dict[str, str]
    ) -> None:
        settings = make_settings(upstreams=[{**ECHO, "open_routes": ["GET /echo/open"]}])
        app = create_app(settings, transports={"echo": httpx.ASGITransport(app=echo_app())})
        async with app.router.lifespan_context(app), asgi_client(app) as client:
            opened = await client.get("/echo/open")
            assert opened.status_code == 200
            assert opened.json()["path"] == "/echo/open"
            assert opened.json()["request_id"] == opened.headers["x-request-id"]

            refused = await client.get("/echo/private")
            assert refused.status_code == 401
            assert refused.headers["www-authenticate"] == "Bearer"

            allowed = await client.get("/echo/private", headers=auth_headers)
            assert allowed.status_code == 200
            assert allowed.json()["authorization"] == auth_headers["Authorization"]

            # A POST to a GET-only open route still needs a token.
            assert (await client.post("/echo/open")).status_code == 401
            assert (await client.get("/echox/open")).status_code == 404
