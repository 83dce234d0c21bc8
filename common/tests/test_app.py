"""The shared application assembly (platform_common.app)."""

from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Body, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

import platform_common.app
from platform_common.app import create_service_app, uvicorn_factory
from platform_common.settings import ServiceSettings

router = APIRouter()


@router.get("/whoami")
async def whoami(request: Request) -> dict[str, Any]:
    assert request.client is not None
    return {"client": request.client.host, "scheme": request.url.scheme}


async def ready(_: Request) -> dict[str, Any]:
    return {"thing": {"ok": True}}


def service_app(**options: Any) -> FastAPI:
    options.setdefault("routers", [router])
    return create_service_app(service="test-service", readiness=ready, **options)


def client_from(app: FastAPI, peer: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://service.test")


FORWARDED = {"X-Forwarded-For": "198.51.100.9", "X-Forwarded-Proto": "https"}


class TestTrustedProxies:
    @pytest.mark.parametrize("peer", ["127.0.0.1", "10.1.2.3"])
    async def test_forwarded_headers_of_a_trusted_peer_applied(self, peer: str) -> None:
        app = service_app(trusted_proxies=["127.0.0.1", "10.0.0.0/8"])
        async with client_from(app, peer) as client:
            answer = (await client.get("/whoami", headers=FORWARDED)).json()
        assert answer == {"client": "198.51.100.9", "scheme": "https"}

    async def test_forwarded_headers_of_an_untrusted_peer_ignored(self) -> None:
        app = service_app(trusted_proxies=["127.0.0.1"])
        async with client_from(app, "203.0.113.5") as client:
            answer = (await client.get("/whoami", headers=FORWARDED)).json()
        assert answer == {"client": "203.0.113.5", "scheme": "http"}

    async def test_without_trusted_proxies_nobody_is_believed(self) -> None:
        """The gateway's case: it works the client address out itself."""
        app = service_app()
        async with client_from(app, "127.0.0.1") as client:
            answer = (await client.get("/whoami", headers=FORWARDED)).json()
        assert answer == {"client": "127.0.0.1", "scheme": "http"}


class TestAssembly:
    async def test_health_routes_request_id_and_trailing_slash(self) -> None:
        async with client_from(service_app(), "127.0.0.1") as client:
            ping = await client.get("/ping/", headers={"X-Request-ID": "abcdef123456"})
            assert (ping.status_code, ping.json()) == (200, {"ping": "pong!"})
            assert ping.headers["X-Request-ID"] == "abcdef123456"
            assert (await client.get("/whoami/")).status_code == 200
            ready = await client.get("/health/ready")
            assert ready.json() == {"status": "ok", "checks": {"thing": {"ok": True}}}
            metrics = (await client.get("/metrics")).text
        assert 'route="/whoami",service="test-service",status="200"' in metrics


items = APIRouter()


@items.get("/items/{item_id}")
async def read_item(item_id: int) -> dict[str, int]:
    return {"id": item_id}


@items.delete("/items/{item_id}", status_code=204)
async def delete_item(item_id: int) -> None:
    return None


@items.post("/items")
async def create_item() -> dict[str, int]:
    return {"id": 1}


async def drops_headers(_: Request, exc: Exception) -> JSONResponse:
    """Like an application's own handler that forgets the exception's headers."""
    assert isinstance(exc, StarletteHTTPException)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)


class TestHead:
    """Every GET route answers HEAD: GET's status and headers, no body (RFC 9110 §9.3.2)."""

    async def test_head_is_get_without_its_body(self) -> None:
        app = service_app(routers=[items])
        async with client_from(app, "127.0.0.1") as client:
            get = await client.get("/items/7/")
            head = await client.head("/items/7/")
            metrics = (await client.get("/metrics")).text
        assert (head.status_code, head.content) == (200, b"")
        assert head.headers["content-length"] == str(len(get.content)) == "8"
        assert head.headers["content-type"] == get.headers["content-type"]
        # Counted as HEAD, under the route it matched.
        assert 'method="HEAD",route="/items/{item_id}",service="test-service"' in metrics

    async def test_a_path_without_get_is_405(self) -> None:
        app = service_app(routers=[items])
        async with client_from(app, "127.0.0.1") as client:
            response = await client.head("/items")
        assert (response.status_code, response.headers["Allow"]) == (405, "POST")


class TestAllowHeader:
    """A 405 names every method of its path, whichever route or handler answered."""

    @pytest.mark.parametrize("method", ["PUT", "PATCH", "OPTIONS"])
    async def test_every_route_of_the_path_named(self, method: str) -> None:
        app = service_app(routers=[items])
        async with client_from(app, "127.0.0.1") as client:
            response = await client.request(method, "/items/7")
        assert response.status_code == 405
        assert response.headers["Allow"] == "DELETE, GET, HEAD"

    async def test_kept_when_a_handler_drops_headers(self) -> None:
        app = service_app(routers=[items])
        app.add_exception_handler(StarletteHTTPException, drops_headers)
        async with client_from(app, "127.0.0.1") as client:
            response = await client.request("PUT", "/items/7/")
            single = await client.get("/items")
        assert response.status_code == 405
        assert response.headers["Allow"] == "DELETE, GET, HEAD"
        assert (single.status_code, single.headers["Allow"]) == (405, "POST")

    async def test_other_answers_untouched(self) -> None:
        app = service_app(routers=[items])
        async with client_from(app, "127.0.0.1") as client:
            assert "Allow" not in (await client.get("/items/7")).headers
            assert (await client.put("/nowhere")).status_code == 404


broken = APIRouter()


@broken.get("/broken")
async def fail() -> None:
    raise RuntimeError("a bug")


class TestUnhandledErrors:
    """FastAPI's own layers (the 500 page, its telemetry, its body limit) sit inside the
    platform's middleware: a 500 goes out through the request context like any answer."""

    async def test_a_500_carries_its_request_id(self) -> None:
        app = service_app(routers=[broken])
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://s.test") as client:
            response = await client.get("/broken", headers={"X-Request-ID": "bug-report-0001"})
        assert response.status_code == 500
        assert response.headers["x-request-id"] == "bug-report-0001"

    async def test_a_500_is_json_and_ends_the_connection(self) -> None:
        """Errors are `{"detail": ...}` (the contract), and uvicorn closes a connection
        whose app raised: saying so keeps a client (the gateway's pool) from sending
        its next request on a connection about to close."""
        app = service_app(routers=[broken])
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://s.test") as client:
            response = await client.get("/broken")
        assert response.status_code == 500
        assert response.json() == {"detail": "Internal Server Error"}
        assert response.headers["content-type"] == "application/json"
        assert response.headers["connection"] == "close"

    def test_the_platform_middleware_comes_first(self) -> None:
        app = service_app()
        outermost = app.build_middleware_stack()
        layers = []
        while hasattr(outermost, "app"):
            layers.append(type(outermost).__name__)
            outermost = outermost.app
        assert layers[:2] == ["DrainOnSigterm", "RequestContextMiddleware"]
        assert layers.index("ServerErrorMiddleware") > layers.index("TrailingSlashMiddleware")


echo = APIRouter()


@echo.post("/echo")
async def echo_name(name: Annotated[str, Body(embed=True, max_length=3)]) -> dict[str, str]:
    return {"name": name}


class TestValidationErrors:
    """FastAPI's 422 echoes the input; one with no UTF-8 form must not make it a 500."""

    @pytest.mark.parametrize(
        ("sent", "echoed"),
        [
            ('"ab\\u00e9cd"', '"input":"ab\u00e9cd"'),  # as FastAPI answers: UTF-8, unescaped
            ('"ab\\ud800cd"', '"input":"ab\\ud800cd"'),  # a lone surrogate: escaped
        ],
        ids=["utf-8", "lone-surrogate"],
    )
    async def test_the_input_is_echoed(self, sent: str, echoed: str) -> None:
        app = service_app(routers=[echo])
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://s.test") as client:
            response = await client.post(
                "/echo",
                content='{"name": ' + sent + "}",
                headers={"Content-Type": "application/json"},
            )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "name"]
        assert echoed in response.content.decode()


class TestBodyMediaType:
    """A JSON body route refuses a body of another media type with 415 (RFC 9110 §15.5.16),
    naming the type it takes in `Accept`; FastAPI alone answered 422 "not a dictionary"."""

    async def post(self, body: str, headers: dict[str, str]) -> httpx.Response:
        async with client_from(service_app(routers=[echo]), "127.0.0.1") as client:
            return await client.post("/echo", content=body, headers=headers)

    @pytest.mark.parametrize(
        "headers",
        [{"Content-Type": "text/plain"}, {"Content-Type": "application/x-www-form-urlencoded"}, {}],
        ids=["text", "form", "none"],
    )
    async def test_another_media_type_is_415(self, headers: dict[str, str]) -> None:
        response = await self.post('{"name": "abc"}', headers)
        assert response.status_code == 415
        assert response.headers["Accept"] == "application/json"
        assert response.json() == {
            "detail": "The body must be JSON (Content-Type: application/json)"
        }

    @pytest.mark.parametrize(
        ("body", "headers", "status"),
        [
            ('{"name": "abc"}', {"Content-Type": "application/json; charset=utf-8"}, 200),
            ('{"name": "abc"}', {"Content-Type": "application/merge-patch+json"}, 200),
            ('{"name": "abcdef"}', {"Content-Type": "application/json"}, 422),
            ("", {}, 422),  # no body at all: the field is missing
        ],
        ids=["json", "suffix", "invalid", "empty"],
    )
    async def test_json_answers_as_before(
        self, body: str, headers: dict[str, str], status: int
    ) -> None:
        assert (await self.post(body, headers)).status_code == status


class TestUvicornFactory:
    """The `app` of `uvicorn --factory <service>.main:app`, the same for every service."""

    def test_logging_then_the_app_then_the_heap(self, monkeypatch: pytest.MonkeyPatch) -> None:
        steps: list[tuple[str, ...]] = []
        built = FastAPI()

        def create_app() -> FastAPI:
            steps.append(("create_app",))
            return built

        monkeypatch.setattr(
            platform_common.app,
            "configure_logging",
            lambda service, level: steps.append(("configure_logging", service, level)),
        )
        monkeypatch.setattr(platform_common.app, "settle_heap", lambda: steps.append(("heap",)))
        app = uvicorn_factory(
            "test-service", create_app, lambda: ServiceSettings(log_level="WARNING")
        )
        assert steps == []  # nothing happens at import time
        assert app() is built
        assert steps == [
            ("configure_logging", "test-service", "WARNING"),
            ("create_app",),
            ("heap",),
        ]
