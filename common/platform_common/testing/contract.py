"""Mocked provider answers that must match the provider's committed OpenAPI document.

A consumer's tests stand in for another service with respx; made through a
`Contract`, a mock can only answer what the provider documents (the path and
method exist, the status is documented, the JSON body validates against the
response schema with every `$ref` resolved). When a provider changes its
contract and re-exports its `openapi.json`, the consumer's tests fail instead
of quietly testing against a fiction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import jsonschema
import respx
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

# common/platform_common/testing/contract.py → the repository's root.
REPO_ROOT = Path(__file__).resolve().parents[3]
_BASE_URI = "urn:contract"


class ContractViolation(AssertionError):
    pass


def path_matches(template: str, path: str) -> bool:
    """Whether a concrete path fits an OpenAPI path template (`/users/{user_id}`)."""
    return re.fullmatch(_template_pattern(template), path) is not None


def _template_pattern(template: str) -> str:
    return "".join(
        "[^/]+" if part.startswith("{") else re.escape(part)
        for part in re.split(r"(\{[^}/]+\})", template)
        if part
    )


class Contract:
    """One provider's committed document, by default `<repo>/<service>/openapi.json`."""

    def __init__(self, service: str, base_url: str, *, document_path: Path | None = None) -> None:
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.path = document_path or REPO_ROOT / service / "openapi.json"

    @cached_property
    def document(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.path.read_text())
        return document

    @cached_property
    def _registry(self) -> Registry[Any]:
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        registry: Registry[Any] = Registry().with_resource(_BASE_URI, resource)
        return registry

    def operation(self, method: str, template: str) -> dict[str, Any]:
        operation = self.document["paths"].get(template, {}).get(method.lower())
        if operation is None:
            raise ContractViolation(f"{self.service}: {method} {template} is not documented")
        result: dict[str, Any] = operation
        return result

    def validate(self, method: str, template: str, status: int, body: Any) -> None:
        """Raise ContractViolation unless `body` is what the document promises."""
        response = self.operation(method, template)["responses"].get(str(status))
        if response is None:
            raise ContractViolation(f"{self.service}: {method} {template} never answers {status}")
        media = response.get("content", {}).get("application/json")
        if media is None or "schema" not in media:
            # Undocumented bodies are allowed only in the FastAPI error form.
            if body is not None and not (isinstance(body, dict) and set(body) <= {"detail"}):
                raise ContractViolation(f"{self.service}: {status} has no documented body")
            return
        self._check(
            body, (template, method.lower(), "responses", str(status)), (method, template, status)
        )

    def validate_request(self, method: str, template: str, body: Any) -> None:
        """Raise ContractViolation unless `body` is a JSON request body the document accepts."""
        request = self.operation(method, template).get("requestBody", {})
        if "schema" not in request.get("content", {}).get("application/json", {}):
            raise ContractViolation(f"{self.service}: {method} {template} takes no JSON body")
        self._check(body, (template, method.lower(), "requestBody"), (method, template, "request"))

    def _check(self, body: Any, where: tuple[str, ...], named: tuple[object, ...]) -> None:
        """Validate `body` against the JSON schema under `paths/<where...>`."""
        pointer = "/".join(part.replace("~", "~0").replace("/", "~1") for part in ("paths", *where))
        fragment = quote(pointer + "/content/application~1json/schema", safe="/~")
        validator = jsonschema.Draft202012Validator(
            {"$ref": f"{_BASE_URI}#/{fragment}"},
            registry=self._registry,
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        )
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
        if errors:
            raise ContractViolation(f"{self.service}: {' '.join(map(str, named))}: {errors[0]}")

    def response(
        self,
        method: str,
        template: str,
        *,
        status: int,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """A validated answer, e.g. for a respx `side_effect` sequence."""
        self.validate(method, template, status, json)
        content = None if json is None else _dumps(json)
        return httpx.Response(
            status, headers={"content-type": "application/json", **(headers or {})}, content=content
        )

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
        """A respx route at `path` answering `json`, checked against `template`'s schema.

        `path` may be a concrete path (it must fit `template`) or, with
        `template` unset, the template itself.
        """
        template = template or path
        if not path_matches(template, path):
            raise ContractViolation(f"{self.service}: {path} does not fit {template}")
        self.validate(method, template, status, json)
        content = None if json is None else _dumps(json)
        response_headers = {"content-type": "application/json", **(headers or {})}
        return mock.request(method, self.base_url + path, name=name).mock(
            side_effect=lambda _request: httpx.Response(
                status, headers=response_headers, content=content
            )
        )

    def route_template(
        self, mock: respx.MockRouter, method: str, template: str, *, name: str | None = None
    ) -> respx.Route:
        """A respx route for every path that fits a documented `template`.

        It has no answer yet: give it `contract.response(...)` answers (checked)
        or the failures a consumer must survive (503s, connection errors).
        """
        self.operation(method, template)
        url = re.escape(self.base_url) + _template_pattern(template) + "$"
        return mock.request(method, url__regex=url, name=name)


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode()


def json_bodies_not_documenting(document: Mapping[str, Any], status: int) -> list[str]:
    """`METHOD path` of each operation taking a JSON body that does not document `status`."""
    return [
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
        and str(status) not in operation["responses"]
    ]
