"""notes-service's own metrics; per-request counts and latencies come from platform_common.

The outbox's (notes_service.publisher): its backlog as of the last
measurement, and the publisher's calls to webhooks-service by outcome.
"""

from prometheus_client import Counter, Gauge

OUTBOX_PENDING = Gauge(
    "notes_outbox_events_pending",
    "Note changes not yet acknowledged by webhooks-service (as of the publisher's last count)",
)
OUTBOX_OLDEST_AGE = Gauge(
    "notes_outbox_oldest_pending_age_seconds",
    "Age of the oldest note change not yet acknowledged by webhooks-service; 0 when none",
)
OUTBOX_PUBLISHED = Counter(
    "notes_outbox_events_published_total",
    "Note changes acknowledged by webhooks-service (and so deleted from the outbox)",
)
OUTBOX_CALLS = Counter(
    "notes_outbox_publish_calls_total",
    "Calls to webhooks-service's POST /internal/events, by outcome: ok, error",
    ["outcome"],
)
