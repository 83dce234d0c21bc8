"""Personal access tokens: a person's own (`/auth/me/tokens`), everyone's
for superusers, the leak reports of a secret scanning service, and the
verifiers' check (`/internal/personal-tokens/check`)."""

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Response, status

from auth_service.accounts import personal_tokens, totp
from auth_service.deps import CallerDep, ClientInfoDep, CurrentUser, SessionDep
from auth_service.oauth import client_revocations
from auth_service.routes.paging import TOTAL_COUNT, PagingDep
from auth_service.routes.shared import NO_STORE, RETRY_AFTER, documented, superuser_router
from auth_service.schemas import (
    LeakFeedback,
    LeakReport,
    PersonalTokenCheck,
    PersonalTokenCheckRequest,
    PersonalTokenCreate,
    PersonalTokenCreated,
    PersonalTokenOfUser,
    PersonalTokenRead,
)
from platform_common.errors import Unauthorized
from platform_common.responses import INSUFFICIENT_SCOPE, MALFORMED_BODY, UNAUTHORIZED
from platform_common.scopes import PERSONAL_TOKEN_LEAKS, require_scope
from platform_common.tokens import AccessClaims

# Every route needs a bearer token (a person's, or the leak reporter's).
router = APIRouter(prefix="/auth", tags=["personal-tokens"], responses=UNAUTHORIZED)
admin_router = superuser_router("/auth/personal-tokens", tag="personal-tokens")
# Never routed by the gateway; only the verifiers on the internal network reach it.
internal_router = APIRouter(prefix="/internal", tags=["internal"])
NOT_FOUND = documented(404, "No such live personal access token")
LeakReporter = Annotated[AccessClaims, require_scope(PERSONAL_TOKEN_LEAKS)]


@router.post(
    "/me/tokens",
    operation_id="me-tokens-create",
    status_code=status.HTTP_201_CREATED,
    responses={
        **MALFORMED_BODY,
        **documented(409, "Too many live personal access tokens"),
        **documented(403, "TOTP is on: a current code (otp) is required, and was missing or wrong"),
        **documented(429, "Too many codes tried for this account", headers=RETRY_AFTER),
    },
)
async def create_my_token(
    data: PersonalTokenCreate, me: CallerDep, response: Response
) -> PersonalTokenCreated:
    """A personal access token for scripts: `Authorization: Bearer np_pat_...`
    on the notes API, limited to `scopes`, for `expires_in` seconds (at most
    366 days). The token is in this answer only; keep it secret."""
    # A person with TOTP on proves it is them with a current code (issue 28).
    await totp.check_fresh_second_factor(
        me.session, me.user, data.otp, policy=me.policy.mfa, client=me.client
    )
    row, token = await personal_tokens.create(
        me.session,
        user=me.user,
        name=data.name,
        scopes=data.scopes,
        lifetime=timedelta(seconds=data.expires_in),
        client=me.client,
    )
    response.headers.update(NO_STORE)
    return PersonalTokenCreated(**PersonalTokenRead.of(row).model_dump(), token=token)


@router.get("/me/tokens", operation_id="me-tokens-list")
async def list_my_tokens(user: CurrentUser, session: SessionDep) -> list[PersonalTokenRead]:
    """The caller's live personal access tokens, newest first."""
    rows = await personal_tokens.list_live(session, user_id=user.id)
    return [PersonalTokenRead.of(row) for row in rows]


@router.delete(
    "/me/tokens/{token_id}",
    operation_id="me-tokens-delete",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=NOT_FOUND,
)
async def revoke_my_token(
    token_id: uuid.UUID, user: CurrentUser, session: SessionDep, client: ClientInfoDep
) -> None:
    """Revoke one of the caller's tokens: refused everywhere within the revocation bound."""
    await personal_tokens.revoke(session, token_id=token_id, owner_id=user.id, client=client)


@admin_router.get(
    "",
    operation_id="personal-tokens-list",
    response_model=list[PersonalTokenOfUser],
    responses=TOTAL_COUNT,
)
async def list_tokens(
    session: SessionDep, paging: PagingDep, user_id: uuid.UUID | None = None
) -> Sequence[PersonalTokenOfUser]:
    """Every live personal access token (or one account's), newest first, a page at a time."""
    rows, total = await personal_tokens.page_live(
        session, user_id=user_id, offset=paging.offset, limit=paging.limit
    )
    return paging.answer(([PersonalTokenOfUser.of(row) for row in rows], total))


@admin_router.delete(
    "/{token_id}",
    operation_id="personal-tokens-delete",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=NOT_FOUND,
)
async def revoke_token(token_id: uuid.UUID, session: SessionDep, client: ClientInfoDep) -> None:
    """Revoke anyone's token; its owner is told."""
    await personal_tokens.revoke(session, token_id=token_id, owner_id=None, client=client)


# Not under /auth/personal-tokens: DELETE /auth/personal-tokens/{token_id}
# would match the path too (and a 405 there would name DELETE in `Allow`).
@router.post(
    "/leaked-tokens",
    operation_id="auth-leaked-tokens-report",
    responses={**INSUFFICIENT_SCOPE, **MALFORMED_BODY},
)
async def report_leaks(
    report: LeakReport, reporter: LeakReporter, session: SessionDep, client: ClientInfoDep
) -> list[LeakFeedback]:
    """Tokens found in public, as GitHub's secret scanning partner program
    posts them (`[{"token", "type", "url", "source"}]`), from a service
    client holding scope `personal_tokens:leaks`: the live ones are revoked
    and their owners told where they were found. The answer lists those only;
    of the others (unknown, already revoked, expired, not ours) it says nothing."""
    if await client_revocations.token_ended(session, reporter):
        raise Unauthorized("token revoked")
    leaks = [personal_tokens.Leak(token=item.token, url=item.url) for item in report.root]
    types = {item.token: item.type for item in report.root}
    revoked: Sequence[str] = await personal_tokens.revoke_leaked(
        session, leaks=leaks, client=client
    )
    return [LeakFeedback(token_raw=token, token_type=types[token]) for token in revoked]


@internal_router.post(
    "/personal-tokens/check",
    operation_id="internal-personal-tokens-check",
    response_model_exclude_none=True,
    responses=MALFORMED_BODY,
)
async def check_token(data: PersonalTokenCheckRequest, session: SessionDep) -> PersonalTokenCheck:
    """What the gateway and notes-service learn of a personal access token, by
    its SHA-256 (platform_common.personal_token_checks): its claims if it is
    live and its owner active, else only `active: false`. With `address`
    (the gateway's client's) the use is recorded, and a new address is
    an event and a mail to the owner."""
    found = await personal_tokens.check(session, token_hash=data.token_hash, address=data.address)
    if found is None:
        return PersonalTokenCheck(active=False)
    return PersonalTokenCheck(
        active=True,
        sub=str(found.user_id),
        scope=" ".join(found.scopes),
        jti=str(found.token_id),
        ver=found.version,
        iat=int(found.created_at.timestamp()),
        exp=int(found.expires_at.timestamp()),
    )
