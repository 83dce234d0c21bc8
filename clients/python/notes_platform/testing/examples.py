"""A schema-valid example value for a JSON schema of the shipped document.

The mock kit answers each operation with one when a test sets nothing else;
`tests/test_mock_kit.py` checks every example against its schema.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Resolve = Callable[[Mapping[str, Any]], Mapping[str, Any]]

STRINGS_BY_FORMAT = {
    "date-time": "2026-12-07T12:00:00Z",
    "date": "2026-12-07",
    "email": "someone@example.com",
    "uuid": "7d5c6f0e-3b52-4c57-9d7e-2f1a0c9b8e41",
    "uri": "https://example.com/",
}


def _string(schema: Mapping[str, Any]) -> str:
    text = STRINGS_BY_FORMAT.get(str(schema.get("format")), "example")
    low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
    text = text.ljust(low, "x")
    return text[: int(high)] if high is not None else text


def _number(schema: Mapping[str, Any]) -> int:
    if "minimum" in schema:
        return int(schema["minimum"])
    if "exclusiveMinimum" in schema:
        return int(schema["exclusiveMinimum"]) + 1
    return 1


def _alternative(schema: Mapping[str, Any]) -> Mapping[str, Any] | None:
    members = schema.get("anyOf") or schema.get("oneOf") or schema.get("allOf")
    if not members:
        return None
    chosen: Mapping[str, Any] = next((m for m in members if m.get("type") != "null"), members[0])
    return chosen


def example(schema: Mapping[str, Any], resolve: Resolve) -> Any:
    """A value `schema` accepts (`resolve` follows a `$ref`)."""
    schema = resolve(schema)
    for key in ("const", "default", "example"):
        if key in schema and schema.get(key) is not None:
            return schema[key]
    if "enum" in schema:
        return schema["enum"][0]
    alternative = _alternative(schema)
    if alternative is not None:
        return example(alternative, resolve)
    kind = schema.get("type", "object" if "properties" in schema else None)
    if kind == "object":
        properties: Mapping[str, Any] = schema.get("properties", {})
        return {name: example(sub, resolve) for name, sub in properties.items()}
    if kind == "array":
        return [example(schema.get("items", {}), resolve)] * int(schema.get("minItems", 1))
    if kind == "string":
        return _string(schema)
    if kind in ("integer", "number"):
        return _number(schema)
    return True if kind == "boolean" else None
