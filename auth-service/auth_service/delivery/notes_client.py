"""The one call auth-service makes to notes-service, as notes-service documents it.

Contract: `DELETE /internal/users/{user_id}/notes` with a `notes:purge`
bearer token → 200 `{"deleted": <int>}` (notes-service/openapi.json).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx

PURGE_PATH = "/internal/users/{user_id}/notes"


class NotesServiceError(Exception):
    """notes-service did not acknowledge: unreachable, too slow, or an error answer."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class NotesClient:
    """`http` carries notes-service's base URL and the timeouts (built in lifespan)."""

    def __init__(self, http: httpx.AsyncClient, *, access_token: Callable[[], str]) -> None:
        self._http = http
        self._access_token = access_token

    async def purge_user_notes(self, user_id: uuid.UUID) -> int:
        """Delete every note of `user_id`; how many there were. Idempotent."""
        headers = {"Authorization": f"Bearer {self._access_token()}"}
        try:
            response = await self._http.delete(PURGE_PATH.format(user_id=user_id), headers=headers)
        except httpx.TimeoutException as exc:
            raise NotesServiceError(f"notes-service timed out: {exc!r}") from exc
        except httpx.TransportError as exc:
            raise NotesServiceError(f"notes-service unreachable: {exc!r}") from exc
        if response.status_code != httpx.codes.OK:
            raise NotesServiceError(
                f"notes-service answered {response.status_code}: {response.text[:200]}",
                status_code=response.status_code,
            )
        try:
            deleted = response.json()["deleted"]
        except (ValueError, KeyError, TypeError) as exc:
            raise NotesServiceError(f"notes-service answered an unexpected body: {exc!r}") from exc
        if not isinstance(deleted, int) or isinstance(deleted, bool):
            raise NotesServiceError(f"notes-service answered deleted={deleted!r}")
        return deleted
