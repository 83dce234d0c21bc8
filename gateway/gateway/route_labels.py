"""Metric labels for forwarded requests, taken only from a fixed route table.

Each label is one of the services' public path templates, or `other`: however
a caller spells a path (`/notes/5.0`, `/notes/+5`, made-up paths), the number
of time series stays bounded by this table. tests/test_route_labels.py checks
the table against the services' committed OpenAPI documents.
"""

from __future__ import annotations

from functools import lru_cache

OTHER = "other"

ROUTE_TEMPLATES = (
    "/.well-known/oauth-authorization-server/auth",
    "/auth/.well-known/jwks.json",
    "/auth/.well-known/oauth-authorization-server",
    "/auth/events",
    "/auth/introspect",
    "/auth/logout",
    "/auth/me",
    "/auth/me/events",
    "/auth/me/sessions",
    "/auth/me/sessions/{session_id}",
    "/auth/password-reset",
    "/auth/password-reset/confirm",
    "/auth/register",
    "/auth/revoke",
    "/auth/token",
    "/auth/users",
    "/auth/users/{user_id}",
    "/auth/verify",
    "/notes",
    "/notes/{note_id}",
)

Template = tuple[str | None, ...]  # None stands for a `{parameter}` segment


def _segments(template: str) -> Template:
    return tuple(None if s.startswith("{") and s.endswith("}") else s for s in template.split("/"))


@lru_cache(maxsize=1)
def _table() -> dict[tuple[int, str | None], list[tuple[Template, str]]]:
    """Templates by segment count and first segment, so a path meets one or two of them."""
    table: dict[tuple[int, str | None], list[tuple[Template, str]]] = {}
    for template in ROUTE_TEMPLATES:
        segments = _segments(template)
        table.setdefault((len(segments), segments[1]), []).append((segments, template))
    return table


def _fits(template: Template, segments: list[str]) -> bool:
    # A plain loop: this runs for every proxied request, and the generator
    # form cost ~3% of the gateway's CPU per request (bench/README.md).
    for expected, segment in zip(template, segments, strict=True):
        if expected is None:
            if not segment:
                return False
        elif expected != segment:
            return False
    return True


def route_label(path: str) -> str:
    """`path` without its trailing slash; the template it fits, else `other`."""
    segments = path.split("/")
    if len(segments) < 2:
        return OTHER
    for template, label in _table().get((len(segments), segments[1]), ()):
        if _fits(template, segments):
            return label
    return OTHER
