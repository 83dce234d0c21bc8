"""What the routes need, built once by the lifespan (webhooks_service.main)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from webhooks_service.addresses import AddressPolicy


@dataclass(frozen=True, slots=True)
class WebhooksState:
    sessionmaker: async_sessionmaker[AsyncSession]
    addresses: AddressPolicy
    secret_overlap_seconds: int
    max_endpoints_per_user: int
    # Set when this replica stores a delivery: its workers look at once.
    wake: asyncio.Event = field(default_factory=asyncio.Event)
