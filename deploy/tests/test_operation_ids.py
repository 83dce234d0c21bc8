"""Every operation of every service has an explicit, stable operation id (issue 29).

Clients generated from the merged gateway document name their methods after
the ids, so they are chosen by hand (docs/architecture.md, "Operation ids"),
never FastAPI's default (`create_note_notes_post`), and a route added without
one fails here.
"""

from __future__ import annotations

import importlib
from collections import Counter

import openapi_check
import pytest
from export_openapi import forwarded
from services import SERVICES, Service

PRESENT = [service for service in SERVICES if service.exists]


def operations(service: Service) -> list[tuple[str, str, str | None]]:
    """(method, path, operation id) of each operation the service's app documents
    (FastAPI's default id, for a route given none, fails the form)."""
    app = importlib.import_module(f"{service.package}.main").create_app()
    return [
        (method.upper(), path, operation.get("operationId"))
        for path, item in app.openapi()["paths"].items()
        for method, operation in item.items()
        if method in openapi_check.HTTP_METHODS
    ]


@pytest.mark.parametrize("service", PRESENT, ids=lambda service: service.name)
def test_every_route_names_its_operation(service: Service) -> None:
    found = operations(service)
    assert found
    unnamed = [
        f"{method} {path}: {operation_id!r}"
        for method, path, operation_id in found
        if operation_id is None or not openapi_check.OPERATION_ID.fullmatch(operation_id)
    ]
    assert unnamed == [], "give each route operation_id='<resource>-<action>'"
    repeated = Counter(operation_id for _, _, operation_id in found)
    assert [name for name, count in repeated.items() if count > 1] == []


def test_ids_the_gateway_publishes_are_unique_across_services() -> None:
    """The merged document holds the gateway's own routes and the paths it
    forwards to each upstream; its merge would otherwise prefix a clash."""
    published: Counter[str | None] = Counter()
    for service in PRESENT:
        exposes = forwarded(service) if service.upstream is not None else None
        published.update(
            operation_id
            for _, path, operation_id in operations(service)
            if exposes is None or exposes(path)
        )
    assert [name for name, count in published.items() if count > 1] == []


@pytest.mark.parametrize(
    "operation_id", ["notes-list", "me-sessions-delete", "internal-user-notes-purge"]
)
def test_the_scheme_takes(operation_id: str) -> None:
    assert openapi_check.OPERATION_ID.fullmatch(operation_id)


@pytest.mark.parametrize(
    "operation_id", ["create_note_notes_post", "notes", "Notes-list", "notes--list", "notes-list-"]
)
def test_the_scheme_refuses(operation_id: str) -> None:
    assert not openapi_check.OPERATION_ID.fullmatch(operation_id)
