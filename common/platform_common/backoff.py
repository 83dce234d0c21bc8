"""How long to wait before trying again: exponential, capped, with jitter."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with "equal jitter": half the delay fixed, half random.

    The fixed half guarantees a real pause after every failure; the random half
    spreads replicas and events so they do not hit a recovering service in
    lockstep. Both outboxes (auth-service's and notes-service's) use it.
    """

    base_seconds: float
    cap_seconds: float
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempts: int) -> float:
        """The pause after the `attempts`-th failed try (1: the first)."""
        exponent = min(max(attempts - 1, 0), 62)  # 2**62 · base exceeds any cap
        ceiling = min(self.cap_seconds, self.base_seconds * 2.0**exponent)
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)
