"""webhooks-service's own metrics; per-request counts and latencies come from platform_common.

Label values come from fixed sets (the sender's results).
"""

from prometheus_client import Counter, Gauge, Histogram

PENDING = Gauge(
    "webhooks_deliveries_pending",
    "Deliveries not yet delivered nor given up (as of this replica's last count)",
)
OLDEST_PENDING_AGE = Gauge(
    "webhooks_oldest_pending_age_seconds",
    "Age of the oldest pending delivery of an enabled endpoint; 0 when none is pending",
)
ATTEMPTS = Counter(
    "webhooks_delivery_attempts_total",
    "Delivery attempts by outcome: delivered, gone (410), redirect, http_error, timeout,"
    " connection_error, refused_address",
    ["outcome"],
)
ATTEMPT_SECONDS = Histogram(
    "webhooks_delivery_attempt_duration_seconds",
    "Time of one delivery attempt, from the address check to the answer read",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15),
)
ENDPOINTS_DISABLED = Counter(
    "webhooks_endpoints_disabled_total",
    "Endpoints the service disabled, by reason: gone (a 410), failing (no success for days)",
    ["reason"],
)
