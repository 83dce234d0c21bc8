"""Ending every access token a client holds (claim `client_id`, RFC 9068 §2.2).

`GET /internal/revocations` lists the client with `not_before`; verifiers
refuse its tokens whose `iat` is earlier, within the revocation bound
(platform_common.revocations), and this service at once. Unlike a session or
an account, a client is ended by time, so clocks are compared: `not_before`
is this process's clock rounded up to the next whole second (`iat` is whole
seconds), and every token signed here before the call is refused, along with
any signed in the rest of that second. Tokens another replica signed just
before could escape by as much as its clock runs ahead of this one's.

`token_ended` is this service's own check of a token it verified, against
both the ended sessions (auth_service.accounts.sessions) and the clients.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts import sessions
from auth_service.db import younger_than
from auth_service.models import ClientRevocation
from platform_common.tokens import AccessClaims

# 9999-12-31T23:59:59Z: the last second a datetime holds (a signed `iat` is
# clamped to it rather than overflow).
LAST_SECOND = 253_402_300_799


async def revoke_client_tokens(session: AsyncSession, *, client_id: str) -> None:
    """List `client_id` as refusing its tokens issued until now; the caller
    commits, in the transaction that stops the client getting new ones (so
    that no token is issued after `not_before` from a check made before it).
    A later call only moves `not_before` later."""
    not_before = datetime.fromtimestamp(math.ceil(time.time()), UTC)
    statement = insert(ClientRevocation).values(client_id=client_id, not_before=not_before)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[ClientRevocation.client_id],
            set_={
                "not_before": func.greatest(
                    ClientRevocation.not_before, statement.excluded.not_before
                )
            },
        )
    )


async def client_tokens_ended(session: AsyncSession, *, client_id: str, issued_at: int) -> bool:
    """Whether a token of `client_id` issued at `issued_at` (unix seconds) is revoked."""
    issued = datetime.fromtimestamp(min(max(issued_at, 0), LAST_SECOND), UTC)
    ended = exists().where(
        ClientRevocation.client_id == client_id, ClientRevocation.not_before > issued
    )
    return bool(await session.scalar(select(ended)))


async def list_client_revocations(
    session: AsyncSession, *, window: timedelta
) -> Sequence[ClientRevocation]:
    """Revocations younger than `window`: the tokens older ones refuse have expired."""
    return await younger_than(session, ClientRevocation, ClientRevocation.not_before, window)


async def token_ended(session: AsyncSession, claims: AccessClaims) -> bool:
    """Whether the token's session ended or its client's tokens were revoked:
    at once here, where the verifiers wait for their next poll of the list."""
    if claims.session_id is not None and await sessions.session_tokens_ended(
        session, session_id=claims.session_id
    ):
        return True
    return claims.client_id is not None and await client_tokens_ended(
        session, client_id=claims.client_id, issued_at=claims.issued_at
    )
