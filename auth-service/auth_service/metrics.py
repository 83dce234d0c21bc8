"""auth-service's own metrics; per-request counts and latencies come from platform_common.

Every label value comes from a fixed set (the throttle's counter scopes).
"""

from prometheus_client import Counter, Gauge

LOGIN_THROTTLED = Counter(
    "auth_login_throttled_total",
    "Password-grant attempts refused by a failed-login limit, by the limit: pair, address, account",
    ["limit"],
)
PASSWORD_HASHES_WAITING = Gauge(
    "auth_password_hashes_waiting",
    "Password hashes queued for a hashing thread (the queue is bounded; beyond it, 503)",
)
PASSWORD_HASHES_RUNNING = Gauge(
    "auth_password_hashes_running",
    "Password hashes being computed now",
)
OUTBOX_PENDING = Gauge(
    "auth_outbox_events_pending",
    "Outbox events not yet acknowledged by their receiver (as of the dispatcher's last poll)",
)
OUTBOX_OLDEST_AGE = Gauge(
    "auth_outbox_oldest_pending_age_seconds",
    "Age of the oldest unacknowledged outbox event; 0 when none is pending",
)
OUTBOX_FAILED = Counter(
    "auth_outbox_events_failed_total",
    "Outbox events parked because they can never be delivered (e.g. an invalid address), by kind",
    ["kind"],
)
