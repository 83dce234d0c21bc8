"""Upstream metrics; per-request counts and latencies come from RequestContextMiddleware.

Every label value comes from a bounded set: upstream names, the route table
(gateway.route_labels), the methods below, status codes, fixed reasons.
"""

from prometheus_client import Counter, Gauge, Histogram

# Any token is a valid HTTP method; only these get a series of their own.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def method_label(method: str) -> str:
    return method if method in KNOWN_METHODS else "other"


UPSTREAM_RESPONSES = Counter(
    "gateway_upstream_responses_total",
    "Answers received from an upstream",
    ["upstream", "method", "status"],
)
UPSTREAM_LATENCY = Histogram(
    "gateway_upstream_response_seconds",
    "Time until an upstream's response headers arrived",
    ["upstream"],
)
UPSTREAM_ERRORS = Counter(
    "gateway_upstream_errors_total",
    "Requests an upstream did not answer: connect, timeout, protocol, circuit_open",
    ["upstream", "reason"],
)
REFUSED = Counter(
    "gateway_refused_total",
    "Requests the gateway answered itself without forwarding them",
    ["reason"],
)
BREAKER_OPEN = Gauge(
    "gateway_circuit_breaker_open",
    "1 from the failure that opened an upstream's circuit until a success closes it",
    ["upstream"],
)
