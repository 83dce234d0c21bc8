"""When a failed delivery is tried again: the schedule's step for its attempt,
with jitter (±20%, so that deliveries failed together do not all come back
together), or the receiver's Retry-After when that is later (up to a day)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

JITTER = 0.2
MAX_RETRY_AFTER_SECONDS = 24 * 3600.0


@dataclass(frozen=True)
class RetrySchedule:
    steps: Sequence[float]

    def delay(self, attempts: int, *, retry_after: float | None = None) -> float | None:
        """Seconds until the next attempt after `attempts` made; None: give up."""
        if attempts > len(self.steps):
            return None
        step = self.steps[attempts - 1]
        # Jitter, not a secret.
        delay = step * random.uniform(1 - JITTER, 1 + JITTER)  # noqa: S311  # nosec B311
        if retry_after is not None:
            delay = max(delay, min(retry_after, MAX_RETRY_AFTER_SECONDS))
        return delay
