import json
import re
from pathlib import Path

import pytest

from gateway.route_labels import OTHER, ROUTE_TEMPLATES, route_label
from gateway.upstreams import DEFAULT_UPSTREAMS

ROOT = Path(__file__).resolve().parents[2]
HTTP_METHODS = ("get", "head", "post", "put", "patch", "delete", "options")


def test_table_is_the_services_public_paths() -> None:
    """A route a service adds (or drops) must be added to (or dropped from) the
    table: `make openapi` writes it from the committed documents. Here the
    default upstreams' paths; deploy/tests/test_services.py checks the table
    against every upstream service's."""
    documented = set()
    for upstream in DEFAULT_UPSTREAMS:
        document = json.loads((ROOT / upstream.name / "openapi.json").read_text())
        documented |= {path for path in document["paths"] if upstream.exposes(path)}
    theirs = {t for t in ROUTE_TEMPLATES if any(u.exposes(t) for u in DEFAULT_UPSTREAMS)}
    assert theirs == documented


def test_open_routes_are_the_documented_operations_without_security() -> None:
    """What the gateway lets through without a token is what each service documents
    as needing none (a GET answers HEAD too), and nothing more."""
    for upstream in DEFAULT_UPSTREAMS:
        document = json.loads((ROOT / upstream.name / "openapi.json").read_text())
        documented = set()
        for path, item in document["paths"].items():
            if not upstream.exposes(path):
                continue
            for method in HTTP_METHODS:
                if method in item and not item[method].get("security"):
                    documented.add(f"{method.upper()} {path}")
                    if method == "get":
                        documented.add(f"HEAD {path}")
        assert set(upstream.open_routes) == documented, upstream.name


def test_the_architecture_guide_lists_the_open_routes() -> None:
    """docs/architecture.md names every open route, and no other."""
    guide = (ROOT / "docs" / "architecture.md").read_text()
    token_check = guide[guide.index("4. **Token check**") : guide.index("5. **Quota**")]
    listed = set(re.findall(r"`((?:GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) /[^`]*)`", token_check))
    assert listed == {route for u in DEFAULT_UPSTREAMS for route in u.open_routes}


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/notes", "/notes"),
        ("/notes/12", "/notes/{note_id}"),
        ("/notes/5.0", "/notes/{note_id}"),
        ("/notes/+5", "/notes/{note_id}"),
        ("/auth/users/5b0e7c1e-2f7a-4a8e-9d43-2d1b9c0f6a11", "/auth/users/{user_id}"),
        ("/auth/.well-known/jwks.json", "/auth/.well-known/jwks.json"),
        (
            "/.well-known/oauth-authorization-server/auth",
            "/.well-known/oauth-authorization-server/auth",
        ),
        ("/.well-known/oauth-authorization-server/notes", OTHER),
        ("/auth/me", "/auth/me"),
        ("/notes/1/2", OTHER),
        ("/auth/whatever", OTHER),
        ("/notes/", OTHER),  # an empty segment is no id (paths arrive without trailing slash)
        ("/auth", OTHER),
    ],
)
def test_label(path: str, label: str) -> None:
    assert route_label(path) == label
