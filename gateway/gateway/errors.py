"""The gateway's own answers: JSON `{"detail": ...}` like every service's errors."""

from __future__ import annotations

from starlette.responses import JSONResponse


def error_response(
    status_code: int, detail: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status_code, headers=headers)
