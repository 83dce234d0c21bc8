"""One OpenAPI document for the whole platform, merged from the services' own.

Each service publishes its document at `/openapi.json`; the gateway keeps the
paths it forwards to the service (under its prefixes, so never `/internal/`,
and its exact paths: routing.PublicPaths),
its own `/ping` and `/health` routes instead of the services', every component
under its name unless two services mean different things by it (then the later
one is prefixed), and one OAuth2 scheme, the authorization code flow, so
Swagger UI's Authorize button signs in on auth-service's pages with PKCE as
the first-party client `notes-platform-docs` (gateway/docs.py). Security
requirements keep their scopes, and
the scheme lists the scopes the kept operations need, described as the
services' own schemes describe them.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from gateway.errors import ERROR_SCHEMAS
from gateway.proxy import document_failures
from gateway.quotas import document_quota
from gateway.routing import PublicPaths

logger = logging.getLogger(__name__)

SECURITY_SCHEME_NAME = "OAuth2"
SECURITY_SCHEME: dict[str, Any] = {
    "type": "oauth2",
    "flows": {
        "authorizationCode": {
            "authorizationUrl": "/auth/authorize",
            "tokenUrl": "/auth/token",
            "scopes": {},
        }
    },
}
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})

Document = dict[str, Any]


@dataclass(frozen=True)
class ServiceDocument:
    name: str
    paths: PublicPaths
    document: Document


def _rewrite(node: Any, refs: dict[str, str], schemes: frozenset[str]) -> Any:
    """Copy of `node` with `$ref`s renamed and security requirements pointed at the one scheme."""
    if isinstance(node, list):
        return [_rewrite(item, refs, schemes) for item in node]
    if not isinstance(node, dict):
        return node
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str):
            result[key] = refs.get(value, value)
        elif key == "security" and isinstance(value, list):
            result[key] = [
                {
                    (SECURITY_SCHEME_NAME if name in schemes else name): scopes
                    for name, scopes in requirement.items()
                }
                for requirement in value
                if isinstance(requirement, dict)
            ]
        else:
            result[key] = _rewrite(value, refs, schemes)
    return result


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name)


def _operations(item: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for method, op in item.items() if method in HTTP_METHODS and isinstance(op, dict)]


def _component_tables(document: Document) -> dict[str, dict[str, Any]]:
    """The document's components by kind, but its security schemes: ours replace them."""
    theirs: dict[str, Any] = document.get("components") or {}
    return {
        kind: entries
        for kind, entries in theirs.items()
        if kind != "securitySchemes" and isinstance(entries, dict)
    }


def _scope_descriptions(document: Document, schemes: frozenset[str]) -> dict[str, str]:
    """What the document's token schemes say each of their scopes allows."""
    found: dict[str, str] = {}
    for name in sorted(schemes):
        flows = document["components"]["securitySchemes"][name].get("flows")
        for flow in flows.values() if isinstance(flows, dict) else ():
            scopes = flow.get("scopes") if isinstance(flow, dict) else None
            for scope, description in scopes.items() if isinstance(scopes, dict) else ():
                if isinstance(description, str):
                    found.setdefault(scope, description)
    return found


def _needed_scopes(paths: dict[str, Any]) -> set[str]:
    """Every scope a security requirement of `paths` names."""
    return {
        scope
        for item in paths.values()
        for operation in _operations(item)
        for requirement in operation.get("security") or []
        for scopes in requirement.values()
        if isinstance(scopes, list)
        for scope in scopes
        if isinstance(scope, str)
    }


def _login_schemes(document: Document) -> frozenset[str]:
    """The document's own token schemes, all replaced by the one scheme of the gateway."""
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    return frozenset(
        name
        for name, scheme in schemes.items()
        if isinstance(scheme, dict) and scheme.get("type") in ("oauth2", "http")
    )


@dataclass
class _Merge:
    """The document being built, and what it already holds."""

    document: Document
    operation_ids: set[Any]
    scope_descriptions: dict[str, str] = field(default_factory=dict)

    @classmethod
    def start(cls, base: Document) -> _Merge:
        document = copy.deepcopy(base)
        document.setdefault("paths", {})
        document.setdefault("components", {})
        document.setdefault("tags", [])
        # What the gateway's own answers (documented_error) refer to.
        document["components"].setdefault("schemas", {}).update(copy.deepcopy(ERROR_SCHEMAS))
        operation_ids = {
            op.get("operationId") for item in document["paths"].values() for op in _operations(item)
        }
        return cls(document, operation_ids)

    @property
    def components(self) -> dict[str, dict[str, Any]]:
        components: dict[str, dict[str, Any]] = self.document["components"]
        return components

    def renamed_components(self, service: ServiceDocument) -> dict[str, str]:
        """`$ref`s of the service's components that clash with ours, and their new names."""
        refs: dict[str, str] = {}
        for kind, entries in _component_tables(service.document).items():
            ours = self.components.setdefault(kind, {})
            for name, definition in entries.items():
                if name in ours and ours[name] != definition:
                    refs[f"#/components/{kind}/{name}"] = (
                        f"#/components/{kind}/{_slug(service.name)}__{name}"
                    )
        return refs

    def add_components(
        self, service: ServiceDocument, refs: dict[str, str], schemes: frozenset[str]
    ) -> None:
        for kind, entries in _component_tables(service.document).items():
            for name, definition in entries.items():
                target = refs.get(f"#/components/{kind}/{name}", f"#/components/{kind}/{name}")
                self.components[kind][target.rsplit("/", 1)[1]] = _rewrite(
                    definition, refs, schemes
                )

    def _unique_operation_ids(self, service: ServiceDocument, item: dict[str, Any]) -> None:
        for operation in _operations(item):
            operation_id = operation.get("operationId")
            if operation_id is None:
                continue
            if operation_id in self.operation_ids:
                operation_id = operation["operationId"] = f"{_slug(service.name)}__{operation_id}"
            self.operation_ids.add(operation_id)

    def add_paths(
        self, service: ServiceDocument, refs: dict[str, str], schemes: frozenset[str]
    ) -> None:
        for path, item in (service.document.get("paths") or {}).items():
            if not service.paths.exposes(path) or not isinstance(item, dict):
                continue
            item = _rewrite(item, refs, schemes)
            self._unique_operation_ids(service, item)
            for operation in _operations(item):
                document_quota(operation)
                document_failures(operation)
            self.document["paths"][path] = item

    def add_scope_descriptions(self, service: ServiceDocument, schemes: frozenset[str]) -> None:
        """The first service to describe a scope is the one heard."""
        for scope, description in _scope_descriptions(service.document, schemes).items():
            self.scope_descriptions.setdefault(scope, description)

    def add_tags(self, service: ServiceDocument) -> None:
        tags: list[dict[str, Any]] = self.document["tags"]
        known = {tag.get("name") for tag in tags}
        for tag in service.document.get("tags") or []:
            if isinstance(tag, dict) and tag.get("name") not in known:
                tags.append(tag)

    def finish(self) -> Document:
        scheme = copy.deepcopy(SECURITY_SCHEME)
        scheme["flows"]["authorizationCode"]["scopes"] = {
            scope: self.scope_descriptions.get(scope, "")
            for scope in sorted(_needed_scopes(self.document["paths"]))
        }
        self.components["securitySchemes"] = {SECURITY_SCHEME_NAME: scheme}
        if not self.document["tags"]:
            del self.document["tags"]
        return self.document


def merge_documents(base: Document, services: Sequence[ServiceDocument]) -> Document:
    """`base` is the gateway's own document; `services` in a fixed order."""
    merge = _Merge.start(base)
    for service in services:
        refs = merge.renamed_components(service)
        schemes = _login_schemes(service.document)
        merge.add_scope_descriptions(service, schemes)
        merge.add_components(service, refs, schemes)
        merge.add_paths(service, refs, schemes)
        merge.add_tags(service)
    return merge.finish()


@dataclass(eq=False)
class DocumentSource:
    name: str
    paths: PublicPaths
    client: httpx.AsyncClient
    url: str


class MergedDocument:
    """The merged document, refetched after `refresh_seconds`; rebuilt only when a part changed.

    A service that cannot be reached keeps its last good document; one never
    fetched is tried again on the next request.
    """

    def __init__(
        self,
        base: Document,
        sources: Sequence[DocumentSource],
        *,
        refresh_seconds: float,
        timeout: float,
    ) -> None:
        self._base = base
        self._sources = sources
        self._refresh_seconds = refresh_seconds
        self._timeout = timeout
        self._documents: dict[str, Document] = {}
        self._body = b""
        self._checked_at = -math.inf
        self._lock = asyncio.Lock()

    def _stale(self) -> bool:
        return time.monotonic() - self._checked_at >= self._refresh_seconds or len(
            self._documents
        ) < len(self._sources)

    async def body(self) -> bytes:
        if self._stale():
            async with self._lock:
                if self._stale():
                    await self._refresh()
        return self._body

    async def _fetch(self, source: DocumentSource) -> Document | None:
        try:
            response = await source.client.get(source.url, timeout=self._timeout)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            logger.warning("OpenAPI document of %s unavailable: %s", source.name, exc)
            return None
        if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
            logger.warning("OpenAPI document of %s is not one", source.name)
            return None
        return document

    async def _refresh(self) -> None:
        fetched = await asyncio.gather(*(self._fetch(source) for source in self._sources))
        changed = not self._body
        for source, document in zip(self._sources, fetched, strict=True):
            if document is not None and document != self._documents.get(source.name):
                self._documents[source.name] = document
                changed = True
        if changed:
            merged = merge_documents(
                self._base,
                [
                    ServiceDocument(s.name, s.paths, self._documents[s.name])
                    for s in self._sources
                    if s.name in self._documents
                ],
            )
            self._body = json.dumps(merged).encode()
        self._checked_at = time.monotonic()
