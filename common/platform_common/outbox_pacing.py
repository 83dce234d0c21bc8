"""How an outbox paces itself: both outboxes (auth-service's dispatcher,
notes-service's publisher) claim a batch under a lease, poll when idle and
back off after a failure, from settings of the same names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from platform_common.backoff import Backoff


class OutboxSettings(Protocol):
    """The settings an outbox is paced by (`<SERVICE>_OUTBOX_*`)."""

    outbox_batch_size: int
    outbox_poll_interval_seconds: float
    outbox_backoff_base_seconds: float
    outbox_backoff_cap_seconds: float
    outbox_lease_seconds: float


@dataclass(frozen=True)
class OutboxPacing:
    """`batch_size` events claimed at a time, hidden from other claimers for
    `lease`; `poll_interval` between looks when idle; `backoff` after a failure."""

    backoff: Backoff
    batch_size: int = 20
    poll_interval: float = 1.0
    lease: timedelta = timedelta(seconds=30)

    @classmethod
    def from_settings(cls, settings: OutboxSettings) -> OutboxPacing:
        return cls(
            backoff=Backoff(
                base_seconds=settings.outbox_backoff_base_seconds,
                cap_seconds=settings.outbox_backoff_cap_seconds,
            ),
            batch_size=settings.outbox_batch_size,
            poll_interval=settings.outbox_poll_interval_seconds,
            lease=timedelta(seconds=settings.outbox_lease_seconds),
        )
