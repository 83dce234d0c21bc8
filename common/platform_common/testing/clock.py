"""A clock a test sets by hand, for what takes a `clock` callable (circuit
breakers, quotas, token caches, the outbox's test services)."""


class ManualClock:
    """Returns `now` until the test moves it (`clock.now += 30`)."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
