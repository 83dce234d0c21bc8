"""The errors every service answers alike (platform_common.errors), in every
app the shared assembly builds (platform_common.app)."""

from collections.abc import Mapping
from typing import Any

import httpx
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from platform_common.app import create_service_app
from platform_common.errors import MissingScope, ServiceError, Unauthorized
from platform_common.scopes import ScopedClaims


class Gone(ServiceError):
    status_code = 410
    default_message = "It is gone"


class Busy(ServiceError):
    status_code = 503
    retry_after = 2
    headers: Mapping[str, str] = {"Cache-Control": "no-store"}


class Listed(ServiceError):
    """A body of another shape (notes-service's 422 for a reused Idempotency-Key)."""

    def body(self) -> dict[str, Any]:
        return {"detail": [{"msg": self.message}]}


router = APIRouter()


@router.get("/gone")
async def gone() -> None:
    raise Gone


@router.get("/busy")
async def busy() -> None:
    raise Busy("Come back later")


@router.get("/teapot")
async def teapot() -> None:
    raise ServiceError("short and stout", 418, headers={"X-Kind": "teapot"})


@router.get("/listed")
async def listed() -> None:
    raise Listed("in a list")


@router.get("/scoped", dependencies=[Depends(ScopedClaims("notes"))])
async def scoped() -> None:
    return None


async def ready(_: Request) -> dict[str, Any]:
    return {}


def service_app(**options: Any) -> FastAPI:
    return create_service_app(service="test-service", readiness=ready, routers=[router], **options)


async def get(app: FastAPI, path: str, **kwargs: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://s.test") as client:
        return await client.get(path, **kwargs)


class TestServiceErrorHandler:
    async def test_every_service_app_answers_them(self) -> None:
        response = await get(service_app(), "/gone")
        assert (response.status_code, response.json()) == (410, {"detail": "It is gone"})
        assert "Retry-After" not in response.headers

    async def test_retry_after_and_the_class_s_headers(self) -> None:
        response = await get(service_app(), "/busy")
        assert (response.status_code, response.json()) == (503, {"detail": "Come back later"})
        assert response.headers["Retry-After"] == "2"
        assert response.headers["Cache-Control"] == "no-store"

    async def test_status_and_headers_of_the_instance(self) -> None:
        response = await get(service_app(), "/teapot")
        assert (response.status_code, response.json()) == (418, {"detail": "short and stout"})
        assert response.headers["X-Kind"] == "teapot"

    async def test_a_body_of_another_shape(self) -> None:
        response = await get(service_app(), "/listed")
        assert (response.status_code, response.json()) == (400, {"detail": [{"msg": "in a list"}]})

    async def test_a_service_s_own_handler_replaces_the_shared_one(self) -> None:
        async def as_teapot(_: Request, exc: Exception) -> JSONResponse:
            assert isinstance(exc, ServiceError)
            return JSONResponse({"error": exc.message}, status_code=418)

        app = service_app(exception_handlers={ServiceError: as_teapot})
        response = await get(app, "/gone")
        assert (response.status_code, response.json()) == (418, {"error": "It is gone"})


class TestBearerAnswers:
    """RFC 6750 §3, built once: the services' dependencies and the gateway's token check."""

    def test_no_token_no_error_code(self) -> None:
        error = Unauthorized()
        assert (error.status_code, error.body()) == (401, {"detail": "Not authenticated"})
        assert error.response_headers() == {"WWW-Authenticate": "Bearer"}

    def test_an_invalid_token_says_why(self) -> None:
        error = Unauthorized("token expired")
        assert (error.status_code, error.body()) == (401, {"detail": "token expired"})
        assert error.response_headers() == {
            "WWW-Authenticate": 'Bearer error="invalid_token", error_description="token expired"'
        }

    def test_a_missing_scope(self) -> None:
        error = MissingScope("notes")
        assert (error.status_code, error.body()) == (
            403,
            {"detail": "The access token lacks the scope notes"},
        )
        assert error.response_headers() == {
            "WWW-Authenticate": 'Bearer error="insufficient_scope", scope="notes"'
        }

    async def test_answered_by_the_dependencies(self) -> None:
        response = await get(service_app(), "/scoped")
        assert (response.status_code, response.json()) == (401, {"detail": "Not authenticated"})
        assert response.headers["WWW-Authenticate"] == "Bearer"
