"""The merged API document and Swagger UI, served from the gateway itself."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import HTMLResponse, Response

from gateway.state import GatewayState

TITLE = "Notes platform API"
VERSION = "0.1.0"

# Swagger UI's files come from the fastapi-offline package, not a CDN: the docs
# must work on a network that reaches only the gateway.
SWAGGER_ASSETS = Path(str(importlib.resources.files("fastapi_offline") / "static"))
ASSETS_PATH = "/docs/assets"

docs_router = APIRouter()


@docs_router.get("/openapi.json", include_in_schema=False)
async def openapi_document(request: Request) -> Response:
    gateway: GatewayState = request.app.state.gateway
    return Response(await gateway.docs.body(), media_type="application/json")


@docs_router.get("/docs", include_in_schema=False)
async def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title=f"{TITLE} - Swagger UI",
        swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
        swagger_ui_parameters={"persistAuthorization": True},
    )
