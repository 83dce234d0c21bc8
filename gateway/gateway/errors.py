"""The gateway's own answers: JSON `{"detail": ...}` like every service's errors."""

from __future__ import annotations

from starlette.responses import JSONResponse


def error_response(
    status_code: int, detail: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status_code, headers=headers)


class Refusal(Exception):
    """The gateway answers the request itself, without forwarding it.

    `reason` labels `gateway_refused_total`; None for refusals not worth
    counting (a malformed request line is the client's business).
    """

    def __init__(
        self,
        status_code: int,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.headers = headers
        self.reason = reason

    def response(self) -> JSONResponse:
        return error_response(self.status_code, self.detail, self.headers)
