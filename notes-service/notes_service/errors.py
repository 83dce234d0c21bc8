from fastapi import Request, status
from fastapi.responses import JSONResponse


class ServiceError(Exception):
    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NoteNotFound(ServiceError):
    status_code = status.HTTP_404_NOT_FOUND

    def __init__(self) -> None:
        # The same answer for a missing note and someone else's note.
        super().__init__("Note not found")


async def service_error_handler(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    return JSONResponse({"detail": exc.message}, status_code=exc.status_code)
