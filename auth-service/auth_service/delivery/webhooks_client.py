"""auth-service's call to webhooks-service, as webhooks-service documents it.

Contract: `DELETE /internal/users/{user_id}/endpoints` with a `webhooks:purge`
bearer token → 200 `{"deleted": <int>}` (webhooks-service/openapi.json).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx

from auth_service.delivery.purge_client import PurgeClient

PURGE_PATH = "/internal/users/{user_id}/endpoints"


class WebhooksClient(PurgeClient):
    def __init__(self, http: httpx.AsyncClient, *, access_token: Callable[[], str]) -> None:
        super().__init__(
            http, service="webhooks-service", path=PURGE_PATH, access_token=access_token
        )

    async def purge_user_endpoints(self, user_id: uuid.UUID) -> int:
        """Delete every webhook endpoint (and pending delivery) of `user_id`. Idempotent."""
        return await self.purge_user(user_id)
