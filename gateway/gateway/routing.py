"""Which requests the gateway forwards, where to, and which need no token."""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")

# (method, path without trailing slash) pairs that anyone may call.
OPEN_ROUTES = frozenset(
    {
        ("POST", "/auth/register"),
        ("POST", "/auth/token"),
        ("POST", "/auth/revoke"),
        ("GET", "/auth/.well-known/jwks.json"),
        ("HEAD", "/auth/.well-known/jwks.json"),
        # Account recovery and proof of address: the emailed token is the credential.
        ("POST", "/auth/password-reset"),
        ("POST", "/auth/password-reset/confirm"),
        ("POST", "/auth/verify"),
        # Client credentials, not a bearer token (RFC 7662).
        ("POST", "/auth/introspect"),
        ("GET", "/auth/.well-known/oauth-authorization-server"),
        ("HEAD", "/auth/.well-known/oauth-authorization-server"),
    }
)


def is_open_route(method: str, path: str) -> bool:
    """`path` without its trailing slash (`IncomingRequest.path`)."""
    return (method, path) in OPEN_ROUTES


class PrefixRouter(Generic[T]):
    """Maps `/auth`, `/auth/...` to one upstream, `/notes...` to another."""

    def __init__(self, prefixes: dict[str, T]) -> None:
        self._prefixes = prefixes

    def match(self, path: str) -> T | None:
        # The first segment decides: "/notes/1" -> "/notes", "/notesx" -> no match.
        end = path.find("/", 1)
        first = path if end == -1 else path[:end]
        return self._prefixes.get(first)
