"""Mailing the owner of an endpoint the service disabled, through auth-service
(which alone knows the address) with webhooks-service's own service token.

Contract: `POST /internal/users/{user_id}/notices` with a `notices:send`
bearer token and `{subject, text}` → 202 queued, 404 unknown or deactivated
user (auth-service/openapi.json). Either ends the notice; any other answer,
or auth-service unreachable, leaves it pending for the next round.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import KW_ONLY, dataclass
from datetime import timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from platform_common.scopes import NOTICES_SEND
from platform_common.service_token import ServiceToken, TokenError
from webhooks_service.models import Endpoint

logger = logging.getLogger(__name__)

NOTICES_PATH = "/internal/users/{user_id}/notices"
NOTICES_SCOPE = NOTICES_SEND
# auth-service's bound on a subject (NoticeRequest); a URL may be longer.
_MAX_SUBJECT = 200
_DONE = frozenset({httpx.codes.ACCEPTED, httpx.codes.NOT_FOUND})


def notice(url: str, reason: str | None, disable_after: timedelta) -> tuple[str, str]:
    """The subject and text telling an owner why their endpoint was disabled."""
    if reason == "gone":
        why = "it answered 410 Gone, which asks senders to stop"
    else:
        why = f"its deliveries failed for {_span(disable_after)} without a success"
    subject = f"Webhook endpoint disabled: {url}"
    if len(subject) > _MAX_SUBJECT:
        subject = subject[: _MAX_SUBJECT - 3] + "..."
    text = (
        f"Your webhook endpoint {url} was disabled because {why}.\n\n"
        "No more events are sent to it. Once it works again, enable it "
        "(PATCH /webhooks/endpoints/{id} with enabled: true); deliveries that "
        "failed meanwhile can be retried from its delivery list.\n"
    )
    return subject, text


def _span(duration: timedelta) -> str:
    days = duration.total_seconds() / 86400
    if days >= 1:
        return f"{days:g} days"
    return f"{duration.total_seconds():g} seconds"


class NoticesClient:
    """`http` carries auth-service's base URL and timeouts (built in the lifespan)."""

    def __init__(self, http: httpx.AsyncClient, *, token: ServiceToken) -> None:
        self._http = http
        self._token = token

    async def send(self, owner_id: uuid.UUID, *, subject: str, text: str) -> bool:
        """True when the notice is done with (queued, or nobody to tell)."""
        try:
            token = await self._token.token()
            response = await self._http.post(
                NOTICES_PATH.format(user_id=owner_id),
                json={"subject": subject, "text": text},
                headers={"Authorization": f"Bearer {token}"},
            )
        except (TokenError, httpx.TransportError) as exc:
            logger.warning("owner notice not sent: %s", exc)
            return False
        if response.status_code == httpx.codes.UNAUTHORIZED:
            # Expired early, revoked or signed with a retired key: the next try gets a new one.
            self._token.forget()
        if response.status_code not in _DONE:
            logger.warning("owner notice not sent: auth-service answered %s", response.status_code)
            return False
        return True


@dataclass
class OwnerNotifier:
    """Tells the owners of endpoints with `notify_pending`, a bounded batch a round.

    Each endpoint is taken `FOR UPDATE SKIP LOCKED` in its own transaction,
    held across the call (bounded by the client's timeout): replicas never
    mail one owner twice for one disabling.
    """

    sessionmaker: async_sessionmaker[AsyncSession]
    client: NoticesClient
    _: KW_ONLY
    disable_after: timedelta
    batch_size: int = 50

    async def run_once(self) -> int:
        """Notices sent (or ended by a 404) this round; stops at the first failure."""
        done = 0
        for _ in range(self.batch_size):
            async with self.sessionmaker() as session:
                endpoint = await session.scalar(
                    select(Endpoint)
                    .where(Endpoint.notify_pending)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
                if endpoint is None:
                    return done
                subject, text = notice(endpoint.url, endpoint.disabled_reason, self.disable_after)
                if not await self.client.send(endpoint.owner_id, subject=subject, text=text):
                    # auth-service away or refusing: the rest wait for the next round too.
                    return done
                await session.execute(
                    update(Endpoint).where(Endpoint.id == endpoint.id).values(notify_pending=False)
                )
                await session.commit()
                done += 1
        return done
