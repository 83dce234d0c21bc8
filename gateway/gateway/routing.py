"""Which requests the gateway forwards, and where to: the route table, precomputed
at start-up from the table of upstreams (gateway.upstreams) by gateway.state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class PublicPaths:
    """The paths of one upstream the gateway forwards: `/auth` and `/auth/...` for
    each prefix `/auth`, and each exact path outside every prefix."""

    prefixes: tuple[str, ...]
    exact: tuple[str, ...] = ()

    def exposes(self, path: str) -> bool:
        """`path` without its trailing slash."""
        return path in self.exact or any(
            path == prefix or path.startswith(prefix + "/") for prefix in self.prefixes
        )


class PrefixRouter(Generic[T]):
    """Maps `/auth`, `/auth/...` to one upstream, `/notes...` to another, and each
    exact path (one outside every prefix, such as RFC 8414 §3.1's place for
    auth-service's metadata) to the upstream that serves it."""

    def __init__(self, prefixes: Mapping[str, T], exact: Mapping[str, T] | None = None) -> None:
        self._prefixes = dict(prefixes)
        self._exact = dict(exact or {})

    def match(self, path: str) -> T | None:
        """`path` without its trailing slash (`IncomingRequest.path`)."""
        # The first segment decides: "/notes/1" -> "/notes", "/notesx" -> no match.
        end = path.find("/", 1)
        first = path if end == -1 else path[:end]
        upstream = self._prefixes.get(first)
        return self._exact.get(path) if upstream is None else upstream
