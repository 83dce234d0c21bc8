import json
from pathlib import Path

import pytest

from gateway.route_labels import OTHER, ROUTE_TEMPLATES, route_label
from gateway.routing import EXACT_PATHS

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_PREFIXES = ("/auth", "/notes")


def test_table_is_the_services_public_paths() -> None:
    """A route a service adds (or drops) must be added to (or dropped from) the table."""
    documented = set()
    for service in ("auth-service", "notes-service"):
        document = json.loads((ROOT / service / "openapi.json").read_text())
        documented |= {
            path
            for path in document["paths"]
            if any(path == p or path.startswith(p + "/") for p in PUBLIC_PREFIXES)
            or path in EXACT_PATHS
        }
    assert set(ROUTE_TEMPLATES) == documented


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
