"""HEAD answered by every GET route, as GET without its body (RFC 9110 §9.3.2)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGetMiddleware:
    """FastAPI routes answer only the methods they declare, and none declares HEAD.

    A HEAD request reaches the routes as GET (so a 304, an ETag and a 401 are
    GET's); its answer keeps every header, `Content-Length` included, and
    loses its body.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body" and message.get("body"):
                message = {**message, "body": b""}
            await send(message)

        # A copy: the access log and metrics outside show the method as sent.
        inner = dict(scope)
        inner["method"] = "GET"
        try:
            await self.app(inner, receive, without_body)
        finally:
            if "route" in inner:  # labels the request's metrics and span outside
                scope["route"] = inner["route"]
