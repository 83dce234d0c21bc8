"""The table of upstreams: which service the gateway forwards which paths to.

One entry per upstream: its name (metric label, readiness key, error
messages), the path prefixes it serves (`/auth`: `/auth` and `/auth/...`),
the exact paths outside every prefix it serves too, its replicas' URLs, the
read timeout, and the routes anyone may call without a token.

DEFAULT_UPSTREAMS, auth-service and notes-service, are the gateway's own:
it forwards to them with no configuration, as it always has. A deployment
sets their URLs and timeouts, and declares every other upstream, in
GATEWAY_UPSTREAMS (gateway.config); the platform's further services are
declared there by their deploy files, from deploy/services.py. gateway.state
builds the route table from the result at start-up; nothing on the request
path reads this module.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from gateway.paths import is_clean_path
from gateway.routing import PublicPaths

NAME_PATTERN = r"^[a-z][a-z0-9-]{0,62}$"
_PREFIX = re.compile(r"/[A-Za-z0-9_~-][A-Za-z0-9._~-]*")
_PATH = re.compile(r"(/[A-Za-z0-9._~-]+)+")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# First segments no upstream may take: the gateway's own routes (gateway.main,
# gateway.docs, platform_common.health), and the services' internal routes,
# which the gateway never forwards.
RESERVED_PREFIXES = frozenset(
    {"/ping", "/health", "/metrics", "/docs", "/openapi.json", "/internal"}
)
# Names that would clash with the readiness report's other checks (gateway.readiness).
RESERVED_NAMES = frozenset({"jwks", "revocations"})
# What GATEWAY_UPSTREAMS may change of a default upstream: where it runs.
# Its paths and open routes are the gateway's, checked against its committed
# OpenAPI document (tests/test_route_labels.py).
DEFAULT_SETTABLE = frozenset({"urls", "timeout_seconds"})


def _first_segment(path: str) -> str:
    end = path.find("/", 1)
    return path if end == -1 else path[:end]


def _check_path(path: str, what: str) -> str:
    if not _PATH.fullmatch(path) or not is_clean_path(path, path.encode()):
        raise ValueError(f"{what} {path!r} must be a clean absolute path without a trailing slash")
    if _first_segment(path) in RESERVED_PREFIXES:
        raise ValueError(f"{what} {path!r} is under a reserved prefix")
    return path


def _check_url(url: str) -> str:
    """Never echoed back: a URL may carry credentials, which are refused."""
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if (
        not port_ok
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.password is not None
        or parts.query
        or parts.fragment
    ):
        raise ValueError(
            "each of urls must be http://host[:port] or https://host[:port],"
            " without credentials, query or fragment"
        )
    return url.rstrip("/")


class UpstreamSpec(BaseModel):
    """One row of the table: what an upstream serves, where it runs, what is open."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, Field(pattern=NAME_PATTERN)]
    prefixes: tuple[str, ...] = ()
    exact_paths: tuple[str, ...] = ()
    urls: Annotated[tuple[str, ...], Field(min_length=1)]
    timeout_seconds: Annotated[float, Field(gt=0)] = 10.0
    # "METHOD /path", the path without its trailing slash; HEAD is listed on its own.
    open_routes: tuple[str, ...] = ()

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        if name in RESERVED_NAMES:
            raise ValueError(f"name {name!r} is reserved: {sorted(RESERVED_NAMES)}")
        return name

    @field_validator("prefixes")
    @classmethod
    def _prefixes(cls, prefixes: tuple[str, ...]) -> tuple[str, ...]:
        for prefix in prefixes:
            if not _PREFIX.fullmatch(prefix):
                raise ValueError(f"prefix {prefix!r} must be one path segment, such as /notes")
            if prefix in RESERVED_PREFIXES:
                raise ValueError(f"prefix {prefix!r} is reserved: {sorted(RESERVED_PREFIXES)}")
        if len(set(prefixes)) != len(prefixes):
            raise ValueError(f"prefixes {list(prefixes)} name one prefix twice")
        return prefixes

    @field_validator("exact_paths")
    @classmethod
    def _exact_paths(cls, paths: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_check_path(path, "exact path") for path in paths)

    @field_validator("urls")
    @classmethod
    def _urls(cls, urls: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_check_url(url) for url in urls)

    @field_validator("open_routes")
    @classmethod
    def _open_routes(cls, routes: tuple[str, ...]) -> tuple[str, ...]:
        for route in routes:
            method, _, path = route.partition(" ")
            if method not in METHODS:
                raise ValueError(
                    f"open route {route!r}: the method must be one of {sorted(METHODS)}"
                )
            _check_path(path, f"open route {route!r}: the path")
        return routes

    @model_validator(mode="after")
    def _consistent(self) -> UpstreamSpec:
        if not self.prefixes and not self.exact_paths:
            raise ValueError(f"{self.name} needs a prefix (or an exact path) to serve")
        for path in self.exact_paths:
            if _first_segment(path) in self.prefixes:
                raise ValueError(f"exact path {path} is under {self.name}'s own prefix")
        for route in self.open_routes:
            if not self.exposes(route.partition(" ")[2]):
                raise ValueError(f"open route {route!r} is not one of {self.name}'s paths")
        return self

    @property
    def public_paths(self) -> PublicPaths:
        return PublicPaths(self.prefixes, self.exact_paths)

    def exposes(self, path: str) -> bool:
        """Whether the gateway forwards `path` (without its trailing slash) here."""
        return self.public_paths.exposes(path)

    def open_pairs(self) -> Iterable[tuple[str, str]]:
        """The open routes as (method, path) pairs, as the request path compares them."""
        for route in self.open_routes:
            method, _, path = route.partition(" ")
            yield method, path


AUTH = "auth-service"
NOTES = "notes-service"

DEFAULT_UPSTREAMS = (
    UpstreamSpec(
        name=AUTH,
        prefixes=("/auth",),
        # RFC 8414 §3.1's place for the metadata of the issuer `<public URL>/auth`.
        exact_paths=("/.well-known/oauth-authorization-server/auth",),
        urls=("http://127.0.0.1:8001",),
        open_routes=(
            "POST /auth/register",
            "POST /auth/token",
            "POST /auth/revoke",
            "GET /auth/.well-known/jwks.json",
            "HEAD /auth/.well-known/jwks.json",
            # Account recovery and proof of address: the emailed token is the credential.
            "POST /auth/password-reset",
            "POST /auth/password-reset/confirm",
            "POST /auth/verify",
            # Client credentials, not a bearer token (RFC 7662).
            "POST /auth/introspect",
            "GET /auth/.well-known/oauth-authorization-server",
            "HEAD /auth/.well-known/oauth-authorization-server",
            "GET /.well-known/oauth-authorization-server/auth",
            "HEAD /.well-known/oauth-authorization-server/auth",
            # The authorization endpoint's pages: a person's browser, no token.
            "GET /auth/authorize",
            "HEAD /auth/authorize",
            "POST /auth/authorize",
            "GET /auth/.well-known/openid-configuration",
            "HEAD /auth/.well-known/openid-configuration",
        ),
    ),
    UpstreamSpec(name=NOTES, prefixes=("/notes",), urls=("http://127.0.0.1:8002",)),
)


def _message(text: str) -> str:
    return text.removeprefix("Value error, ")


def _errors(error: ValidationError) -> str:
    """pydantic's messages without the input values (a URL may hold a password)."""
    return "; ".join(
        ".".join(str(part) for part in each["loc"]) + ": " + _message(each["msg"])
        if each["loc"]
        else _message(each["msg"])
        for each in error.errors(include_url=False, include_input=False)
    )


def _validated(values: Mapping[str, Any], source: str) -> UpstreamSpec:
    try:
        return UpstreamSpec.model_validate(values)
    except ValidationError as error:
        raise ValueError(f"{source}: {_errors(error)}") from None


def _name(entry: Any) -> str:
    if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
        raise ValueError("each GATEWAY_UPSTREAMS entry must be a JSON object with a name")
    return str(entry["name"])


def _owners(
    table: Sequence[UpstreamSpec], paths: Callable[[UpstreamSpec], Iterable[str]], taken: str
) -> dict[str, str]:
    """Each path of `paths` and the upstream naming it; `taken` (formatted with
    the path and both names) when two do."""
    owners: dict[str, str] = {}
    for upstream in table:
        for path in paths(upstream):
            if path in owners:
                raise ValueError(taken.format(path=path, first=owners[path], then=upstream.name))
            owners[path] = upstream.name
    return owners


def _check_table(table: Sequence[UpstreamSpec]) -> None:
    """What no entry can check alone: each prefix and exact path has one upstream."""
    prefixes = _owners(table, lambda u: u.prefixes, "prefix {path} is both {first}'s and {then}'s")
    exact = _owners(
        table, lambda u: u.exact_paths, "exact path {path} is named twice: {first}, {then}"
    )
    for path in exact:
        if (owner := prefixes.get(_first_segment(path))) is not None:
            raise ValueError(f"exact path {path} is under {owner}'s prefix")


def resolve_table(
    entries: Sequence[Any], settings_of_before: Mapping[str, Mapping[str, Any]]
) -> tuple[UpstreamSpec, ...]:
    """DEFAULT_UPSTREAMS with `settings_of_before` (values by upstream name) and
    then `entries` (GATEWAY_UPSTREAMS) applied; the upstreams entries add come last."""
    defaults = {u.name: u for u in DEFAULT_UPSTREAMS}
    table = {
        name: _validated({**base.model_dump(), **settings_of_before.get(name, {})}, name)
        for name, base in defaults.items()
    }
    named: set[str] = set()
    for entry in entries:
        name = _name(entry)
        if name in named:
            raise ValueError(f"GATEWAY_UPSTREAMS names {name} twice")
        named.add(name)
        base = table.get(name) if name in defaults else None
        if base is not None:
            fixed = sorted(set(entry) - DEFAULT_SETTABLE - {"name"})
            if fixed:
                raise ValueError(
                    f"GATEWAY_UPSTREAMS may set only {sorted(DEFAULT_SETTABLE)}"
                    f" of {name}, not {fixed}"
                )
        values = {**(base.model_dump() if base else {}), **entry}
        table[name] = _validated(values, f"GATEWAY_UPSTREAMS, {name!r}")
    result = tuple(table.values())
    _check_table(result)
    return result
