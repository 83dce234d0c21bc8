"""One route answers with and without a trailing slash, without a redirect."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class TrailingSlashMiddleware:
    """Routes are declared without the slash; a request path ending in one is trimmed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or len(path) < 2 or not path.endswith("/"):
            await self.app(scope, receive, send)
            return
        # A copy: the access log outside shows the path as the client sent it.
        inner = dict(scope)
        inner["path"] = path.rstrip("/") or "/"
        raw = scope.get("raw_path")
        if raw:
            inner["raw_path"] = raw.rstrip(b"/") or b"/"
        try:
            await self.app(inner, receive, send)
        finally:
            # The route matched inside labels the request's metrics and span outside.
            if "route" in inner:
                scope["route"] = inner["route"]
