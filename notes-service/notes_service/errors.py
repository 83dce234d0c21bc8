"""notes-service's errors (platform_common.errors answers them), and the 503
for a database away."""

from typing import Any

import asyncpg
from fastapi import Request
from fastapi.responses import JSONResponse

from platform_common.database import database_unavailable_handler
from platform_common.errors import ServiceError, Unauthorized


class NoteNotFound(ServiceError, status=404, message="Note not found"):
    """The same answer for a missing note and someone else's note."""


class OwnerDeleted(Unauthorized):
    """The token is valid but its account has been deleted (and its notes purged).

    Verifiers learn of a deletion on their next revocation poll; until then
    this is what refuses the token's writes, as the verifier would: 401.
    """

    def __init__(self) -> None:
        super().__init__("account deleted")


class PreconditionFailed(
    ServiceError, status=412, message="The note has changed since the ETag in If-Match"
):
    """If-Match named another version of the note: nothing was changed."""


class IdempotencyKeyInProgress(
    ServiceError,
    status=409,
    message="A request with this Idempotency-Key is still being processed",
):
    """Another request with this Idempotency-Key has not finished yet."""

    retry_after = 1


class IdempotencyKeyReused(
    ServiceError, status=422, message="This Idempotency-Key was used with another request body"
):
    """The key was first used with another body (422, shaped like a validation error)."""

    def body(self) -> dict[str, Any]:
        error = {
            "type": "idempotency_key_reused",
            "loc": ["header", "idempotency-key"],
            "msg": self.message,
            "input": None,
        }
        return {"detail": [error]}


# SQLSTATE classes that mean "the server is not there right now", as in
# platform_common.database: connection exceptions, shutdown or starting up,
# insufficient resources.
_UNAVAILABLE_SQLSTATES = ("08", "57P", "53")


async def asyncpg_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """503 for a database that is down or restarting (asyncpg's own errors, from the
    repository's pool); anything else stays a bug (500)."""
    sqlstate = getattr(exc, "sqlstate", None) or ""
    # A pooled connection broken under a request (Postgres restarted) surfaces
    # as an InterfaceError or, mid-protocol, an InternalClientError; SQLAlchemy's
    # path counts its InterfaceError as "unavailable" too (platform_common.database).
    lost = isinstance(exc, asyncpg.InterfaceError | asyncpg.InternalClientError)
    if lost or sqlstate.startswith(_UNAVAILABLE_SQLSTATES):
        return await database_unavailable_handler(request, OSError(str(exc)))
    raise exc
