"""`make openapi-check`: refuse an API change that breaks the services' consumers.

Compares each committed `<service>/openapi.json` (as in the work tree) with its
version at a git ref (`OPENAPI_BASE`, default `HEAD~1`) and fails on a removed
path or operation, a removed success (2xx) response, a removed response field
or enum value, a new required request field (body property or parameter), a
changed type, or a renamed or removed operation id (generated clients name
their methods after them: the Python client's `notes_list`), unless the
document's `info.version` has a new major number.
Additions (a new path, a new optional request field, a new response field)
pass. Without a base (a fresh clone with one commit, a shallow clone, a new
document) there is nothing to compare: it says "no base" and passes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BASE = "HEAD~1"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# The form of every operation id (docs/architecture.md, "Operation ids"):
# lowercase words joined by single hyphens, resource first, action last.
OPERATION_ID = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)+")

Document = Mapping[str, Any]
Schema = Mapping[str, Any]
# A request schema must keep accepting what clients send; a response schema
# must keep giving what clients read.
Direction = Literal["request", "response"]


def major_version(document: Document) -> int:
    text = str(document.get("info", {}).get("version", "0"))
    head = text.lstrip("vV").split(".", 1)[0]
    return int(head) if head.isdigit() else 0


def resolve(document: Document, schema: Schema) -> Schema:
    """Follow local `$ref`s (`#/components/schemas/Note`) to the schema itself."""
    seen: set[str] = set()
    while "$ref" in schema and schema["$ref"] not in seen:
        reference = str(schema["$ref"])
        seen.add(reference)
        target: Any = document
        for part in reference.removeprefix("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, Mapping) else {}
        schema = target if isinstance(target, Mapping) else {}
    return schema


def _alternatives(schema: Schema) -> list[Schema]:
    members = schema.get("anyOf") or schema.get("oneOf") or []
    return [m for m in members if isinstance(m, Mapping)]


@dataclass
class Comparison:
    """Walks two versions of one document and collects what would break."""

    old: Document
    new: Document
    breaks: list[str] = field(default_factory=list)
    _seen: set[tuple[str, str, str]] = field(default_factory=set)

    def run(self) -> list[str]:
        old_paths: Mapping[str, Any] = self.old.get("paths", {})
        new_paths: Mapping[str, Any] = self.new.get("paths", {})
        for path, old_item in old_paths.items():
            if path not in new_paths:
                self.breaks.append(f"{path}: path removed")
                continue
            for method in HTTP_METHODS:
                if method not in old_item:
                    continue
                where = f"{method.upper()} {path}"
                if method not in new_paths[path]:
                    self.breaks.append(f"{where}: operation removed")
                    continue
                self.operation(where, old_item, new_paths[path], method)
        return self.breaks

    def operation(self, where: str, old_item: Any, new_item: Any, method: str) -> None:
        old_op, new_op = old_item[method], new_item[method]
        self.operation_id(where, old_op.get("operationId"), new_op.get("operationId"))
        # Shared schemas are compared once per operation, so each break names
        # every operation it affects.
        self._seen = set()
        # Path-level parameters apply to every operation of the path.
        self.parameters(
            where,
            [*old_item.get("parameters", []), *old_op.get("parameters", [])],
            [*new_item.get("parameters", []), *new_op.get("parameters", [])],
        )
        self.request_body(where, old_op.get("requestBody"), new_op.get("requestBody"))
        old_responses: Mapping[str, Any] = old_op.get("responses", {})
        new_responses: Mapping[str, Any] = new_op.get("responses", {})
        for status, old_response in old_responses.items():
            if status not in new_responses:
                # A client checks for the success it was promised; an error
                # no longer answered breaks nobody.
                if status.startswith("2"):
                    self.breaks.append(f"{where}: success response {status} removed")
                continue
            self.content(
                f"{where}: response {status}",
                old_response,
                new_responses[status],
                "response",
                missing_breaks=False,
            )

    def operation_id(self, where: str, old: Any, new: Any) -> None:
        if old is None or old == new:
            return
        if new is None:
            self.breaks.append(f"{where}: operation id `{old}` removed")
        else:
            self.breaks.append(f"{where}: operation id `{old}` renamed to `{new}`")

    def parameters(self, where: str, old: list[Any], new: list[Any]) -> None:
        old_by_key = {(p["in"], p["name"]): p for p in (resolve(self.old, q) for q in old)}
        for parameter in (resolve(self.new, q) for q in new):
            key = (parameter["in"], parameter["name"])
            before = old_by_key.get(key)
            label = f"{where}: {key[0]} parameter `{key[1]}`"
            if parameter.get("required") and not (before and before.get("required")):
                self.breaks.append(f"{label}: new required request field")
            if before is not None:
                self.schema(label, before.get("schema", {}), parameter.get("schema", {}), "request")

    def request_body(self, where: str, old: Any, new: Any) -> None:
        if new is None:
            return
        new_body = resolve(self.new, new)
        if old is None:
            if new_body.get("required"):
                self.breaks.append(f"{where}: new required request body")
            return
        self.content(f"{where}: request body", old, new_body, "request", missing_breaks=True)

    def content(
        self,
        where: str,
        old_body: Mapping[str, Any],
        new_body: Mapping[str, Any],
        direction: Direction,
        *,
        missing_breaks: bool,
    ) -> None:
        """The media types of a request body or a response (either may be a `$ref`)."""
        old = resolve(self.old, old_body).get("content", {})
        new = resolve(self.new, new_body).get("content", {})
        for media_type, old_media in old.items():
            if media_type not in new:
                if missing_breaks:
                    self.breaks.append(f"{where}: {media_type} no longer accepted")
                continue
            old_schema = old_media.get("schema", {})
            new_schema = new[media_type].get("schema", {})
            self.schema(f"{where} {media_type}", old_schema, new_schema, direction)

    def schema(self, where: str, old: Schema, new: Schema, direction: Direction) -> None:
        key = (str(old.get("$ref", "")), str(new.get("$ref", "")), direction)
        if key[0] and key[1]:
            # A recursive schema ends here.
            if key in self._seen:
                return
            self._seen.add(key)
        old, new = resolve(self.old, old), resolve(self.new, new)
        self.types(where, old, new, direction)
        self.enum(where, old, new)
        if direction == "response":
            self.response_properties(where, old, new)
        else:
            self.request_properties(where, old, new)
        if isinstance(old.get("items"), Mapping) and isinstance(new.get("items"), Mapping):
            self.schema(f"{where}[]", old["items"], new["items"], direction)
        old_single, new_single = self.single_alternative(old), self.single_alternative(new)
        if old_single is not None and new_single is not None:
            self.schema(where, old_single, new_single, direction)

    def single_alternative(self, schema: Schema) -> Schema | None:
        """`X | None` (anyOf X, null): the X, whose fields are compared."""
        members = [m for m in _alternatives(schema) if m.get("type") != "null"]
        return members[0] if len(members) == 1 else None

    def types(self, where: str, old: Schema, new: Schema, direction: Direction) -> None:
        old_types, new_types = self.type_set(self.old, old), self.type_set(self.new, new)
        if old_types is None or new_types is None:
            return
        # A response may not give a type it never gave; a request must still
        # accept every type it accepted.
        changed = new_types - old_types if direction == "response" else old_types - new_types
        if changed:
            self.breaks.append(
                f"{where}: type changed from {sorted(old_types)} to {sorted(new_types)}"
            )

    def type_set(self, document: Document, schema: Schema) -> frozenset[str] | None:
        """The JSON types a schema allows, or None where that is not stated."""
        schema = resolve(document, schema)
        declared = schema.get("type")
        if isinstance(declared, str):
            return frozenset({declared, "null"} if schema.get("nullable") else {declared})
        if isinstance(declared, list):
            return frozenset(str(t) for t in declared)
        members = _alternatives(schema)
        if not members:
            return frozenset({"object"}) if "properties" in schema else None
        parts = [self.type_set(document, member) for member in members]
        if any(part is None for part in parts):
            return None
        return frozenset().union(*(p for p in parts if p is not None))

    def enum(self, where: str, old: Schema, new: Schema) -> None:
        if "enum" not in old or "enum" not in new:
            return
        removed = [v for v in old["enum"] if v not in new["enum"]]
        for value in removed:
            self.breaks.append(f"{where}: enum value {json.dumps(value)} removed")

    def response_properties(self, where: str, old: Schema, new: Schema) -> None:
        new_properties: Mapping[str, Any] = new.get("properties", {})
        for name, old_property in old.get("properties", {}).items():
            if name not in new_properties:
                self.breaks.append(f"{where}: response field `{name}` removed")
                continue
            self.schema(f"{where}.{name}", old_property, new_properties[name], "response")

    def request_properties(self, where: str, old: Schema, new: Schema) -> None:
        old_properties: Mapping[str, Any] = old.get("properties", {})
        old_required = set(old.get("required", []))
        for name, new_property in new.get("properties", {}).items():
            if name in new.get("required", []) and name not in old_required:
                self.breaks.append(f"{where}: new required request field `{name}`")
            if name in old_properties:
                self.schema(f"{where}.{name}", old_properties[name], new_property, "request")


def breaking_changes(old: Document, new: Document) -> list[str]:
    """What breaks consumers of `old`; nothing when `new` has a new major version."""
    if major_version(new) > major_version(old):
        return []
    return Comparison(old, new).run()


def committed_documents(root: Path = ROOT) -> Iterator[Path]:
    yield from sorted(root.glob("*/openapi.json"))


def document_at(ref: str, path: Path, root: Path = ROOT) -> Document | None:
    """The document as committed at `ref`, or None if that ref or file does not exist."""
    relative = path.relative_to(root).as_posix()
    shown = subprocess.run(
        ["git", "show", f"{ref}:{relative}"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if shown.returncode != 0:
        return None
    document: Document = json.loads(shown.stdout)
    return document


def check(ref: str, root: Path = ROOT) -> int:
    failed = False
    for path in committed_documents(root):
        name = path.relative_to(root).as_posix()
        base = document_at(ref, path, root)
        if base is None:
            print(f"{name}: no base at {ref}, nothing to compare")
            continue
        breaks = breaking_changes(base, json.loads(path.read_text()))
        for line in breaks:
            print(f"{name}: {line}")
        if breaks:
            failed = True
            print(
                f"{name}: breaks consumers of the version at {ref}; if intended, "
                f"give info.version a new major number (now {major_version(base)}.x)"
            )
        else:
            print(f"{name}: no breaking change since {ref}")
    return 1 if failed else 0


def ref_exists(ref: str, root: Path = ROOT) -> bool:
    verified = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        cwd=root,
        capture_output=True,
        check=False,
    )
    return verified.returncode == 0


def main() -> int:
    chosen = os.environ.get("OPENAPI_BASE")
    # A ref someone typed must exist; the default one may not (a fresh clone).
    if chosen and not ref_exists(chosen):
        print(f"OPENAPI_BASE={chosen} is not a commit in this repository")
        return 2
    return check(chosen or DEFAULT_BASE)


if __name__ == "__main__":
    sys.exit(main())
