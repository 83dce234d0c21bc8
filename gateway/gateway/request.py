"""One incoming request, read from the ASGI scope once and passed along.

Everything the gateway decides on is here, already normalised: the path
without its trailing slash, the header values it looks at, the client's
address (gateway.client_address) and whether a body follows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from starlette.types import Scope

from gateway.client_address import Network, client_address
from gateway.headers import RawHeaders
from gateway.paths import without_trailing_slash
from platform_common.observability import incoming_request_id


# Not frozen: one is built per request, and a frozen dataclass's __init__
# (object.__setattr__ per field) costs three times a plain one. Nothing writes to it.
@dataclass(slots=True)
class IncomingRequest:
    method: str
    path: str  # without trailing slash: what routing and labels compare
    raw_path: bytes  # as received: what the upstream gets
    query: bytes
    scheme: str
    headers: RawHeaders
    authorization: tuple[bytes, ...]  # every Authorization header, to refuse two
    content_length: int | None  # None when absent or malformed
    malformed_length: bool
    has_body: bool
    encoded_body: bool  # a Content-Encoding other than identity: no service decodes one
    client: str | None
    request_id: str


def parse_request(scope: Scope, trusted_proxies: Sequence[Network]) -> IncomingRequest:
    """The request `scope` describes, whatever its headers: refusing is for later steps."""
    headers: RawHeaders = scope["headers"]
    authorization: list[bytes] = []
    forwarded_for: list[bytes] = []
    length: bytes | None = None
    chunked = False
    encoded = False
    for name, value in headers:
        if name == b"authorization":
            authorization.append(value)
        elif name == b"x-forwarded-for":
            forwarded_for.append(value)
        elif name == b"content-length":
            length = value
        elif name == b"transfer-encoding":
            chunked = True
        elif name == b"content-encoding":
            encoded = encoded or any(
                coding.strip().lower() not in (b"", b"identity") for coding in value.split(b",")
            )
    malformed_length = length is not None and not length.isdigit()
    content_length = int(length) if length is not None and not malformed_length else None
    path: str = scope["path"]
    peer = scope.get("client")
    return IncomingRequest(
        method=scope["method"],
        path=without_trailing_slash(path),
        raw_path=scope.get("raw_path") or path.encode(),
        query=scope["query_string"],
        scheme=scope["scheme"],
        headers=headers,
        authorization=tuple(authorization),
        content_length=content_length,
        malformed_length=malformed_length,
        has_body=chunked or bool(content_length),
        encoded_body=encoded,
        client=client_address(peer[0] if peer else None, forwarded_for, trusted_proxies),
        request_id=scope.get("state", {}).get("request_id") or incoming_request_id(None),
    )
