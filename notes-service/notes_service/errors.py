from typing import ClassVar

from fastapi import Request, status
from fastapi.responses import JSONResponse

from platform_common.bearer import unauthorized


class ServiceError(Exception):
    status_code = status.HTTP_400_BAD_REQUEST
    headers: ClassVar[dict[str, str]] = {}

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NoteNotFound(ServiceError):
    status_code = status.HTTP_404_NOT_FOUND

    def __init__(self) -> None:
        # The same answer for a missing note and someone else's note.
        super().__init__("Note not found")


class OwnerDeleted(ServiceError):
    """The token is valid but its account has been deleted (and its notes purged).

    Verifiers learn of a deletion on their next revocation poll; until then
    this is what refuses the token's writes, as the verifier would: 401.
    """

    status_code = status.HTTP_401_UNAUTHORIZED
    headers: ClassVar[dict[str, str]] = dict(unauthorized("account deleted").headers or {})

    def __init__(self) -> None:
        super().__init__("account deleted")


async def service_error_handler(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    return JSONResponse({"detail": exc.message}, status_code=exc.status_code, headers=exc.headers)
