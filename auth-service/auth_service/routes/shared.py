"""What the route modules share: how a route documents its answers, the error
tables, response headers, and the superusers' router."""

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from auth_service.deps import current_superuser
from auth_service.schemas import OAuthErrorBody
from platform_common.responses import UNAUTHORIZED, ErrorDetail, Responses

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}}


def documented(
    status: int,
    description: str,
    *,
    model: type[BaseModel] = ErrorDetail,
    headers: dict[str, Any] | None = None,
) -> Responses:
    """One answer a route documents, for its `responses=`."""
    answer: dict[str, Any] = {"model": model, "description": description}
    if headers is not None:
        answer["headers"] = headers
    return {status: answer}


OAUTH_ERRORS: Responses = {
    **documented(400, "invalid_request, invalid_grant, ...", model=OAuthErrorBody),
    **documented(401, "invalid_client", model=OAuthErrorBody),
    **documented(
        429,
        "slow_down: too many password-grant attempts (README, Login throttling)",
        model=OAuthErrorBody,
        headers=RETRY_AFTER,
    ),
    **documented(
        503,
        "temporarily_unavailable: every password-hashing slot is taken",
        model=OAuthErrorBody,
        headers=RETRY_AFTER,
    ),
}
USER_NOT_FOUND = documented(404, "User not found")
EMAIL_TAKEN = documented(409, "Email already registered")
LAST_SUPERUSER = documented(409, "The last active superuser must stay one")
EMAIL_TAKEN_OR_LAST_SUPERUSER = documented(
    409, "Email already registered, or the last active superuser must stay one"
)
# Routes that hash a password: every hashing slot and queue place taken.
HASHING_BUSY = documented(
    503, "Too busy to check passwords; retry after Retry-After seconds", headers=RETRY_AFTER
)
WRONG_CURRENT_PASSWORD: Responses = {
    **documented(400, "The body cannot be decoded"),
    **documented(403, "Current password is incorrect"),
    **documented(
        429,
        "Too many attempts to prove the current password (login limit per account)",
        headers=RETRY_AFTER,
    ),
}
NOT_SUPERUSER = documented(403, "Not a superuser")


def superuser_router(prefix: str, *, tag: str = "users") -> APIRouter:
    """A router every route of which is for superusers only, documented as such."""
    return APIRouter(
        prefix=prefix,
        tags=[tag],
        dependencies=[Depends(current_superuser)],
        responses={**UNAUTHORIZED, **NOT_SUPERUSER},
    )
