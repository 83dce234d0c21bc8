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
        ("GET", "/.well-known/oauth-authorization-server/auth"),
        ("HEAD", "/.well-known/oauth-authorization-server/auth"),
    }
)
# Paths outside every prefix, each forwarded to the service of the prefix it
# names: where RFC 8414 §3.1 puts the metadata of auth-service's issuer
# `<public URL>/auth` (the well-known string goes before the issuer's path).
EXACT_PATHS = {"/.well-known/oauth-authorization-server/auth": "/auth"}


def is_open_route(method: str, path: str) -> bool:
    """`path` without its trailing slash (`IncomingRequest.path`)."""
    return (method, path) in OPEN_ROUTES


class PrefixRouter(Generic[T]):
    """Maps `/auth`, `/auth/...` to one upstream, `/notes...` to another, and
    each of EXACT_PATHS to the upstream of its prefix."""

    def __init__(self, prefixes: dict[str, T]) -> None:
        self._prefixes = prefixes
        self._exact = {
            path: prefixes[prefix] for path, prefix in EXACT_PATHS.items() if prefix in prefixes
        }

    def match(self, path: str) -> T | None:
        """`path` without its trailing slash (`IncomingRequest.path`)."""
        # The first segment decides: "/notes/1" -> "/notes", "/notesx" -> no match.
        end = path.find("/", 1)
        first = path if end == -1 else path[:end]
        upstream = self._prefixes.get(first)
        return self._exact.get(path) if upstream is None else upstream
