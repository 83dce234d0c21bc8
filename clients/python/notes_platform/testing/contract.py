"""The shipped OpenAPI document, read as the contract a request and an answer must keep.

Requests are held to it strictly: a body field the schema does not name is a
violation here even where the platform would ignore it (a consumer sending
it has misread the contract), as are a missing required field or parameter,
a wrong type, an undocumented query parameter or media type, and a missing
`Authorization` header on an operation with a security requirement.
"""

from __future__ import annotations

import copy
import importlib.resources
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qsl

import httpx
import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from notes_platform.testing.examples import example

Document = Mapping[str, Any]
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
FORM = "application/x-www-form-urlencoded"
_URI = "urn:notes-platform"


class ContractViolation(AssertionError):
    """The consumer's request, or a test's answer, is not what the document says."""


@cache
def load_document() -> Document:
    text = importlib.resources.files("notes_platform").joinpath("openapi.json").read_text()
    document: Document = json.loads(text)
    return document


def _strict(node: Any) -> Any:
    """A copy of a schema in which objects accept only the properties they name."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    copied = {key: _strict(value) for key, value in node.items()}
    if "properties" in copied and "additionalProperties" not in copied:
        copied["additionalProperties"] = False
    return copied


@cache
def _registries() -> tuple[Registry[Any], Registry[Any]]:
    """The document as it is (for answers), and strict (for requests)."""
    document = load_document()
    loose = Resource.from_contents(copy.deepcopy(dict(document)), default_specification=DRAFT202012)
    strict = Resource.from_contents(_strict(dict(document)), default_specification=DRAFT202012)
    return Registry().with_resource(_URI, loose), Registry().with_resource(_URI, strict)


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def _validate(pointer: str, value: Any, *, strict: bool, what: str) -> None:
    loose, tight = _registries()
    validator = jsonschema.Draft202012Validator(
        {"$ref": f"{_URI}#/{pointer}"},
        registry=tight if strict else loose,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    errors = sorted(validator.iter_errors(value), key=lambda e: list(e.path))
    if errors:
        where = "/".join(str(part) for part in errors[0].absolute_path)
        raise ContractViolation(
            f"{what}: {errors[0].message}" + (f" (at {where})" if where else "")
        )


def _resolve(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        target: Any = load_document()
        for part in str(schema["$ref"]).removeprefix("#/").split("/"):
            target = target[part]
        schema = target
    return schema


def _scalar(value: str, schema: Mapping[str, Any]) -> Any:
    """A parameter's text as the JSON value its schema types (`"3"` → 3)."""
    kinds = {
        _resolve(s).get("type")
        for s in [schema, *(schema.get("anyOf") or [])]
        if isinstance(s, Mapping)
    }
    if kinds & {"integer", "number"} and re.fullmatch(r"-?\d+", value):
        return int(value)
    if "boolean" in kinds and value in ("true", "false"):
        return value == "true"
    return value


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    spec: Mapping[str, Any]

    @property
    def _where(self) -> str:
        return f"{self.operation_id} ({self.method} {self.path})"

    def url_pattern(self, base_url: str) -> str:
        parts = re.split(r"\{([^}/]+)\}", self.path)
        pattern = "".join(
            re.escape(part) if index % 2 == 0 else f"(?P<{part}>[^/?]+)"
            for index, part in enumerate(parts)
        )
        return f"^{re.escape(base_url)}{pattern}/?(\\?.*)?$"

    @property
    def success_status(self) -> int:
        return min(int(s) for s in self.spec["responses"] if s.startswith("2"))

    def _media(self, status: int) -> Mapping[str, Any] | None:
        response = self.spec["responses"].get(str(status))
        if response is None:
            raise ContractViolation(f"{self._where} never answers {status}")
        media: Mapping[str, Any] | None = response.get("content", {}).get("application/json")
        return media

    def example(self, status: int) -> Any:
        media = self._media(status)
        if media is None or "schema" not in media:
            return None
        return example(media["schema"], _resolve)

    def example_headers(self, status: int) -> dict[str, str]:
        """The answer's documented headers that a client reads."""
        documented = self.spec["responses"].get(str(status), {}).get("headers", {})
        headers = {"X-Request-Id": "mock-request-id"}
        if "ETag" in documented:
            headers["ETag"] = '"mock-etag"'
        if "X-Total-Count" in documented:
            headers["X-Total-Count"] = "1"
        return headers

    def validate_response(self, status: int, body: Any) -> None:
        media = self._media(status)
        if media is None or "schema" not in media:
            if body is not None and not (isinstance(body, dict) and set(body) <= {"detail"}):
                raise ContractViolation(f"{self._where}: {status} has no documented body")
            return
        pointer = _pointer("paths", self.path, self.method.lower(), "responses", str(status))
        pointer += "/content/application~1json/schema"
        _validate(pointer, body, strict=False, what=f"{self._where} answering {status}")

    def validate_request(self, request: httpx.Request, query: list[tuple[str, str]]) -> None:
        self._authorization(request)
        self._parameters(request, query)
        self._body(request)

    def _authorization(self, request: httpx.Request) -> None:
        needed = [r for r in self.spec.get("security", []) if r]
        if needed and not request.headers.get("Authorization", "").startswith("Bearer "):
            raise ContractViolation(f"{self._where}: no `Authorization: Bearer` header")

    def _parameters(self, request: httpx.Request, query: list[tuple[str, str]]) -> None:
        parameters = [_resolve(p) for p in self.spec.get("parameters", [])]
        match = re.match(self.url_pattern(""), request.url.path)
        values: dict[tuple[str, str], str] = {
            ("path", name): value for name, value in (match.groupdict() if match else {}).items()
        }
        documented_query = {p["name"] for p in parameters if p["in"] == "query"}
        for name, value in query:
            if name not in documented_query:
                raise ContractViolation(f"{self._where}: undocumented query parameter `{name}`")
            values[("query", name)] = value
        for parameter in parameters:
            key = (parameter["in"], parameter["name"])
            given = request.headers.get(key[1]) if key[0] == "header" else values.get(key)
            if given is None:
                if parameter.get("required"):
                    raise ContractViolation(f"{self._where}: missing {key[0]} parameter `{key[1]}`")
                continue
            schema = parameter.get("schema", {})
            self._check_value(schema, _scalar(given, schema), f"{key[0]} parameter `{key[1]}`")

    def _check_value(self, schema: Mapping[str, Any], value: Any, what: str) -> None:
        validator = jsonschema.Draft202012Validator(
            dict(schema), registry=_registries()[1], format_checker=jsonschema.FormatChecker()
        )
        error = next(iter(validator.iter_errors(value)), None)
        if error is not None:
            raise ContractViolation(f"{self._where}: {what}: {error.message}")

    def _body(self, request: httpx.Request) -> None:
        body_spec = self.spec.get("requestBody")
        content = request.content
        if body_spec is None:
            if content:
                raise ContractViolation(f"{self._where}: takes no body")
            return
        if not content:
            if body_spec.get("required"):
                raise ContractViolation(f"{self._where}: the body is required")
            return
        media_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media_type not in body_spec["content"]:
            raise ContractViolation(
                f"{self._where}: media type {media_type or 'none'} is not one of "
                f"{sorted(body_spec['content'])}"
            )
        value = self._decode(content, media_type)
        pointer = _pointer("paths", self.path, self.method.lower(), "requestBody", "content")
        pointer += "/" + _pointer(media_type, "schema")
        _validate(pointer, value, strict=True, what=f"{self._where} request body")

    def _decode(self, content: bytes, media_type: str) -> Any:
        if media_type == FORM:
            return dict(parse_qsl(content.decode(), keep_blank_values=True))
        try:
            return json.loads(content)
        except ValueError as error:
            raise ContractViolation(f"{self._where}: the body is not JSON: {error}") from None


def operations(document: Document) -> Iterator[Operation]:
    """Every operation, paths without parameters first (they win a match)."""
    for path in sorted(document["paths"], key=lambda p: (p.count("{"), p)):
        for method, spec in document["paths"][path].items():
            if method in HTTP_METHODS:
                yield Operation(spec["operationId"], method.upper(), path, spec)
