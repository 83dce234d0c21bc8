"""Which requests the gateway forwards, where to, and which need no token.

Paths are checked before any routing decision: a path that could mean one
thing to the gateway and another to a service (dot segments, encoded slashes,
doubled slashes) is refused rather than normalised, since the services route
on the same path and must never be reached at a place the gateway did not mean.
"""

from __future__ import annotations

import re
from typing import Generic, TypeVar

T = TypeVar("T")

# Percent-escapes that decode to a path separator, a dot, a NUL or another
# escape (double encoding), in either case.
_SUSPICIOUS_ESCAPES = re.compile(rb"%(2f|5c|2e|00|25)", re.IGNORECASE)
_CONTROL_OR_BACKSLASH = re.compile(r"[\x00-\x1f\x7f\\]")

# (method, path without trailing slash) pairs that anyone may call.
OPEN_ROUTES = frozenset(
    {
        ("POST", "/auth/register"),
        ("POST", "/auth/token"),
        ("POST", "/auth/revoke"),
        ("GET", "/auth/.well-known/jwks.json"),
        ("HEAD", "/auth/.well-known/jwks.json"),
    }
)
LOGIN_PATH = "/auth/token"


def is_clean_path(path: str, raw_path: bytes | None) -> bool:
    if not path.startswith("/") or "//" in path or _CONTROL_OR_BACKSLASH.search(path):
        return False
    if raw_path is not None and _SUSPICIOUS_ESCAPES.search(raw_path):
        return False
    if "/." in path:
        # `.well-known` is a real segment; `.` and `..` (also as `..;param`,
        # which some servers still read as `..`) are not.
        return all(s.split(";", 1)[0] not in (".", "..") for s in path.split("/"))
    return True


def without_trailing_slash(path: str) -> str:
    return path[:-1] if len(path) > 1 and path.endswith("/") else path


def is_open_route(method: str, path: str) -> bool:
    return (method, without_trailing_slash(path)) in OPEN_ROUTES


def is_login(method: str, path: str) -> bool:
    return method == "POST" and without_trailing_slash(path) == LOGIN_PATH


class PrefixRouter(Generic[T]):
    """Maps `/auth`, `/auth/...` to one upstream, `/notes...` to another."""

    def __init__(self, prefixes: dict[str, T]) -> None:
        self._prefixes = prefixes

    def match(self, path: str) -> T | None:
        # The first segment decides: "/notes/1" -> "/notes", "/notesx" -> no match.
        end = path.find("/", 1)
        first = path if end == -1 else path[:end]
        return self._prefixes.get(first)


_NUMBER_OR_UUID = re.compile(
    r"^(\d+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
)


def route_label(path: str, prefix: str, status: int) -> str:
    """A metrics label of bounded cardinality: ids become `{id}`.

    Only answers the upstream gave as successful name a path; errors share the
    prefix's label so made-up paths cannot create new time series.
    """
    if status >= 400:
        return prefix + "/*"
    segments = without_trailing_slash(path).split("/")
    return "/".join("{id}" if _NUMBER_OR_UUID.match(s) else s for s in segments)
