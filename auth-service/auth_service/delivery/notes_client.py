"""The one call auth-service makes to notes-service, as notes-service documents it.

Contract: `DELETE /internal/users/{user_id}/notes` with a `notes:purge`
bearer token → 200 `{"deleted": <int>}` (notes-service/openapi.json).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx

from auth_service.delivery.purge_client import PurgeClient, PurgeError

PURGE_PATH = "/internal/users/{user_id}/notes"
# notes-service did not acknowledge (the purge's own error).
NotesServiceError = PurgeError


class NotesClient(PurgeClient):
    def __init__(self, http: httpx.AsyncClient, *, access_token: Callable[[], str]) -> None:
        super().__init__(http, service="notes-service", path=PURGE_PATH, access_token=access_token)

    async def purge_user_notes(self, user_id: uuid.UUID) -> int:
        """Delete every note of `user_id`; how many there were. Idempotent."""
        return await self.purge_user(user_id)
