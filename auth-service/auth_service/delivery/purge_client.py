"""The purge auth-service's outbox asks of another service when an account is
deleted, as that service documents it: `DELETE <path>` with a service token →
200 `{"deleted": <int>}`. notes-service's notes (notes_client) and
webhooks-service's endpoints (webhooks_client) are purged alike."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx


class PurgeError(Exception):
    """The service did not acknowledge: unreachable, too slow, or an error answer."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class PurgeClient:
    """`http` carries the service's base URL and the timeouts (built in lifespan);
    `path` has a `{user_id}` placeholder."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        service: str,
        path: str,
        access_token: Callable[[], str],
    ) -> None:
        self._http = http
        self._service = service
        self._path = path
        self._access_token = access_token

    async def purge_user(self, user_id: uuid.UUID) -> int:
        """Delete what the service holds of `user_id`; how many there were. Idempotent."""
        service = self._service
        headers = {"Authorization": f"Bearer {self._access_token()}"}
        try:
            response = await self._http.delete(self._path.format(user_id=user_id), headers=headers)
        except httpx.TimeoutException as exc:
            raise PurgeError(f"{service} timed out: {exc!r}") from exc
        except httpx.TransportError as exc:
            raise PurgeError(f"{service} unreachable: {exc!r}") from exc
        if response.status_code != httpx.codes.OK:
            raise PurgeError(
                f"{service} answered {response.status_code}: {response.text[:200]}",
                status_code=response.status_code,
            )
        try:
            deleted = response.json()["deleted"]
        except (ValueError, KeyError, TypeError) as exc:
            raise PurgeError(f"{service} answered an unexpected body: {exc!r}") from exc
        if not isinstance(deleted, int) or isinstance(deleted, bool):
            raise PurgeError(f"{service} answered deleted={deleted!r}")
        return deleted
