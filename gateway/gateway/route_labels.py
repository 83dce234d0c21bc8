"""Metric labels for forwarded requests, taken only from a fixed route table.

Each label is one of the services' public path templates, or `other`: however
a caller spells a path (`/notes/5.0`, `/notes/+5`, made-up paths), the number
of time series stays bounded by this table. The table comes from the services'
committed OpenAPI documents (`make openapi` writes it); tests/test_route_labels.py
checks it against them. An upstream declared only in GATEWAY_UPSTREAMS has no
committed document: its requests are labelled `other`.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

OTHER = "other"
# Written by `make openapi` (deploy/export_openapi.py): the paths each platform
# upstream (gateway.upstreams) serves in its committed openapi.json.
TEMPLATES_FILE = "route_templates.json"
ROUTE_TEMPLATES: tuple[str, ...] = tuple(
    json.loads(resources.files("gateway").joinpath(TEMPLATES_FILE).read_text())["templates"]
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
