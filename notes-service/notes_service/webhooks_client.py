"""The one call notes-service makes to webhooks-service, as webhooks-service documents it.

Contract: `POST /internal/events` with a `webhooks:publish` bearer token and
`{"events": [...]}` (at most 500) → 200 `{"accepted": n, "duplicates": n}`;
idempotent by event id (webhooks-service/openapi.json).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from notes_service.events import wire_data
from notes_service.repository import ClaimedEvent
from platform_common.service_token import ServiceToken, TokenError

EVENTS_PATH = "/internal/events"
MAX_EVENTS_PER_CALL = 500
PUBLISH_SCOPE = "webhooks:publish"


class WebhooksError(Exception):
    """webhooks-service did not acknowledge: unreachable, too slow, or an error answer."""


@dataclass(frozen=True, slots=True)
class Acknowledged:
    accepted: int
    duplicates: int


def wire_form(event: ClaimedEvent) -> dict[str, Any]:
    return {
        "id": str(event.id),
        "type": event.type,
        "owner_id": str(event.owner_id),
        "note_id": event.note_id,
        "sequence": event.sequence,
        "occurred_at": event.occurred_at.isoformat(),
        "data": wire_data(event.type, event.data),
        # Its own trace: a call carries the changes of many requests.
        "traceparent": event.traceparent,
    }


class WebhooksClient:
    """`http` carries webhooks-service's base URL and timeouts (built in the lifespan);
    its request hook puts the current trace context on each call."""

    def __init__(self, http: httpx.AsyncClient, *, token: ServiceToken) -> None:
        self._http = http
        self._token = token

    async def publish(self, events: list[ClaimedEvent]) -> Acknowledged:
        if not 1 <= len(events) <= MAX_EVENTS_PER_CALL:
            raise ValueError(f"a call carries 1 to {MAX_EVENTS_PER_CALL} events")
        try:
            token = await self._token.token()
        except TokenError as exc:
            raise WebhooksError(f"no service token: {exc}") from exc
        body = {"events": [wire_form(event) for event in events]}
        try:
            response = await self._http.post(
                EVENTS_PATH, json=body, headers={"Authorization": f"Bearer {token}"}
            )
        except httpx.TimeoutException as exc:
            raise WebhooksError(f"webhooks-service timed out: {exc!r}") from exc
        except httpx.TransportError as exc:
            raise WebhooksError(f"webhooks-service unreachable: {exc!r}") from exc
        if response.status_code == httpx.codes.UNAUTHORIZED:
            # Expired early, revoked or signed with a retired key: the next try gets a new one.
            self._token.forget()
        if response.status_code != httpx.codes.OK:
            raise WebhooksError(
                f"webhooks-service answered {response.status_code}: {response.text[:200]}"
            )
        try:
            answer = response.json()
            acknowledged = Acknowledged(int(answer["accepted"]), int(answer["duplicates"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhooksError(f"webhooks-service answered an unexpected body: {exc!r}") from exc
        return acknowledged
