"""The access-token check in front of every route that is not open."""

from __future__ import annotations

from starlette.responses import Response

from gateway.errors import error_response
from gateway.headers import RawHeaders
from platform_common.tokens import AccessTokenVerifier, InvalidToken


def _unauthorized(description: str | None) -> Response:
    """401 as RFC 6750 §3 words it: no error code when no token was sent."""
    if description is None:
        return error_response(401, "Not authenticated", {"WWW-Authenticate": "Bearer"})
    challenge = f'Bearer error="invalid_token", error_description="{description}"'
    return error_response(401, description, {"WWW-Authenticate": challenge})


class TokenGate:
    def __init__(self, verifier: AccessTokenVerifier, *, max_header_bytes: int) -> None:
        self.verifier = verifier
        self._max_header_bytes = max_header_bytes

    async def refusal(self, headers: RawHeaders) -> Response | None:
        """The answer refusing the request, or None when its bearer token is valid."""
        authorization: bytes | None = None
        for name, value in headers:
            if name == b"authorization":
                if authorization is not None:
                    # The gateway and a service could each read a different one.
                    return _unauthorized("more than one Authorization header")
                authorization = value
        if authorization is None:
            return _unauthorized(None)
        if len(authorization) > self._max_header_bytes:
            return error_response(431, "Authorization header too large")
        scheme, _, credentials = authorization.partition(b" ")
        token = credentials.strip()
        if scheme.lower() != b"bearer" or not token:
            return _unauthorized("expected a bearer token")
        try:
            await self.verifier.verify(token.decode("ascii"))
        except UnicodeDecodeError:
            return _unauthorized("malformed token")
        except InvalidToken as exc:
            return _unauthorized(str(exc))
        return None
