"""Mocked upstream answers that must match the provider's committed OpenAPI document.

Every respx route standing in for a service's API is made here, so a mock can
only answer what the real service documents: when a service changes its
contract, these tests fail instead of quietly testing against a fiction.
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import jsonschema
import pytest
import respx
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

REPO_ROOT = Path(__file__).resolve().parents[2]
_BASE_URI = "urn:contract"


class ContractViolation(AssertionError):
    pass


class Contract:
    def __init__(self, service: str, base_url: str) -> None:
        self.service = service
        self.base_url = base_url
        self.path = REPO_ROOT / service / "openapi.json"

    @cached_property
    def document(self) -> dict[str, Any]:
        if not self.path.exists():
            pytest.skip(f"{self.service} has no committed openapi.json yet")
        document: dict[str, Any] = json.loads(self.path.read_text())
        return document

    @cached_property
    def _registry(self) -> Registry[Any]:
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        registry: Registry[Any] = Registry().with_resource(_BASE_URI, resource)
        return registry

    def validate(self, method: str, template: str, status: int, body: Any) -> None:
        """Raise ContractViolation unless `body` is what the document promises."""
        operation = self.document["paths"].get(template, {}).get(method.lower())
        if operation is None:
            raise ContractViolation(f"{self.service}: {method} {template} is not documented")
        response = operation["responses"].get(str(status))
        if response is None:
            raise ContractViolation(f"{self.service}: {method} {template} never answers {status}")
        media = response.get("content", {}).get("application/json")
        if media is None or "schema" not in media:
            # Undocumented bodies are allowed only in the FastAPI error form.
            if body is not None and not (isinstance(body, dict) and set(body) <= {"detail"}):
                raise ContractViolation(f"{self.service}: {status} has no documented body")
            return
        pointer = "/".join(
            part.replace("~", "~0").replace("/", "~1")
            for part in ("paths", template, method.lower(), "responses", str(status))
        )
        fragment = quote(pointer + "/content/application~1json/schema", safe="/~")
        schema = {"$ref": f"{_BASE_URI}#/{fragment}"}
        validator = jsonschema.Draft202012Validator(
            schema,
            registry=self._registry,
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        )
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
        if errors:
            raise ContractViolation(f"{self.service}: {method} {template} {status}: {errors[0]}")

    def route(
        self,
        mock: respx.MockRouter,
        method: str,
        path: str,
        *,
        status: int,
        json: Any = None,
        template: str | None = None,
        headers: dict[str, str] | None = None,
        name: str | None = None,
    ) -> respx.Route:
        """A respx route at `path` answering `json`, checked against `template`'s schema."""
        self.validate(method, template or path, status, json)
        content = None if json is None else _dumps(json)
        response_headers = {"content-type": "application/json", **(headers or {})}
        return mock.request(method, self.base_url + path, name=name).mock(
            side_effect=lambda _request: httpx.Response(
                status, headers=response_headers, content=content
            )
        )


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode()
