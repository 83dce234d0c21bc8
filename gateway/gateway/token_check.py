"""The access-token check in front of every route that is not open."""

from __future__ import annotations

from collections.abc import Sequence

from gateway.errors import Refusal
from platform_common.errors import Unauthorized
from platform_common.tokens import AccessClaims, AccessTokenVerifier, InvalidToken


def _unauthorized(description: str | None) -> Refusal:
    return Refusal.of(Unauthorized(description), reason="token")


class TokenCheck:
    def __init__(self, verifier: AccessTokenVerifier, *, max_header_bytes: int) -> None:
        self.verifier = verifier
        self._max_header_bytes = max_header_bytes

    async def check(
        self, authorization: Sequence[bytes], *, address: str | None = None
    ) -> AccessClaims:
        """The claims of the one bearer token in `authorization` if it is valid
        (`address`: the client's, for a personal access token); raises Refusal."""
        if len(authorization) > 1:
            # The gateway and a service could each read a different one.
            raise _unauthorized("more than one Authorization header")
        if not authorization:
            raise _unauthorized(None)
        value = authorization[0]
        if len(value) > self._max_header_bytes:
            raise Refusal(431, "Authorization header too large", reason="token")
        scheme, _, credentials = value.partition(b" ")
        token = credentials.strip()
        if scheme.lower() != b"bearer" or not token:
            raise _unauthorized("expected a bearer token")
        try:
            return await self.verifier.verify(token.decode("ascii"), address=address)
        except UnicodeDecodeError:
            raise _unauthorized("malformed token") from None
        except InvalidToken as exc:
            raise _unauthorized(str(exc)) from None
