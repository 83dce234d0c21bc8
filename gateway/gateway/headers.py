"""Which headers cross the gateway, in each direction.

ASGI gives header names in lower case as bytes; everything here works on that
form so no per-request decoding or case folding of names is needed.
"""

from __future__ import annotations

from platform_common.telemetry import trace_headers

RawHeaders = list[tuple[bytes, bytes]]

# RFC 9110 §7.6.1 and the older ones still seen in the wild.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)

# Set by the gateway itself, or settled between the client and the gateway
# (the gateway's server already answered any `Expect: 100-continue`).
_REPLACED_UPSTREAM_BOUND = frozenset(
    {
        b"host",
        b"expect",
        b"x-request-id",
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"x-forwarded-host",
        b"x-forwarded-port",
        b"x-forwarded-prefix",
        b"x-real-ip",
        b"forwarded",
        # Trace context: the gateway's own span's, never the client's words
        # (platform_common.telemetry); a client's baggage goes nowhere.
        b"traceparent",
        b"tracestate",
        b"baggage",
    }
)
# A client must not be able to claim an identity that a service might trust.
_IDENTITY_PREFIXES = (
    b"x-user",
    b"x-auth",
    b"x-forwarded-user",
    b"x-forwarded-email",
    b"x-forwarded-groups",
    b"x-remote-user",
    b"remote-user",
    b"x-authenticated",
    b"x-internal",
    b"x-service",
)
# The gateway's own server adds these; two of each would confuse clients.
_REPLACED_CLIENT_BOUND = frozenset({b"server", b"date", b"x-request-id"})


# Never passed on, whatever a Connection header lists.
_NOT_UPSTREAM_BOUND = HOP_BY_HOP | _REPLACED_UPSTREAM_BOUND
_NOT_CLIENT_BOUND = HOP_BY_HOP | _REPLACED_CLIENT_BOUND


def _listed(value: bytes) -> set[bytes]:
    """The header names one `Connection` value lists: hop-by-hop too (RFC 9110 §7.6.1)."""
    return {token.strip().lower() for token in value.split(b",")}


def upstream_request_headers(
    headers: RawHeaders,
    *,
    request_id: str,
    client: str | None,
    scheme: str,
) -> RawHeaders:
    """The client's headers, cleaned, plus the gateway's own forwarding headers.

    X-Forwarded-For is set, never appended to: one value, the client address
    the gateway settled on (gateway.client_address), so a service reading it
    cannot be handed a hop the client wrote.
    """
    kept: RawHeaders = []
    listed: set[bytes] = set()
    for name, value in headers:
        if name == b"connection":
            listed |= _listed(value)
        elif not (name in _NOT_UPSTREAM_BOUND or name.startswith(_IDENTITY_PREFIXES)):
            kept.append((name, value))
    # One pass, a second only when Connection lists a name beyond the fixed
    # ones (`Connection: keep-alive` does not): per request, on the hot path.
    if listed - _NOT_UPSTREAM_BOUND:
        kept = [(name, value) for name, value in kept if name not in listed]
    if client:
        kept.append((b"x-forwarded-for", client.encode("latin-1")))
    kept.append((b"x-forwarded-proto", scheme.encode("latin-1")))
    kept.append((b"x-request-id", request_id.encode("latin-1")))
    kept.extend(trace_headers())
    return kept


def client_response_headers(headers: RawHeaders) -> RawHeaders:
    """An upstream's answer headers as the client gets them, names lower-cased
    (the upstream's client keeps their original case)."""
    kept: RawHeaders = []
    listed: set[bytes] = set()
    for name, value in headers:
        name = name.lower()
        if name == b"connection":
            listed |= _listed(value)
        elif name not in _NOT_CLIENT_BOUND:
            kept.append((name, value))
    if listed - _NOT_CLIENT_BOUND:  # as above
        kept = [(name, value) for name, value in kept if name not in listed]
    return kept
