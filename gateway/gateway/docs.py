"""The merged API document and Swagger UI, served from the gateway itself."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
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


# The first-party public client auth-service registers for this page
# (AUTH_DOCS_CLIENT_ID), with the redirect URI <public URL>/docs/oauth2-redirect.
DOCS_CLIENT_ID = "notes-platform-docs"
OAUTH2_REDIRECT_PATH = "/docs/oauth2-redirect"


@docs_router.get("/docs", include_in_schema=False)
async def swagger_ui() -> HTMLResponse:
    """Swagger UI; its Authorize button runs the authorization code flow with
    PKCE in a pop-up (auth-service's sign-in page), no password typed here."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title=f"{TITLE} - Swagger UI",
        swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
        oauth2_redirect_url=OAUTH2_REDIRECT_PATH,
        init_oauth={
            "clientId": DOCS_CLIENT_ID,
            "usePkceWithAuthorizationCodeGrant": True,
            "scopes": "notes:read notes:write",
        },
        swagger_ui_parameters={"persistAuthorization": True},
    )


@docs_router.get(OAUTH2_REDIRECT_PATH, include_in_schema=False)
async def swagger_ui_redirect() -> HTMLResponse:
    """Where the pop-up lands with the code: hands it to the /docs page."""
    return get_swagger_ui_oauth2_redirect_html()
