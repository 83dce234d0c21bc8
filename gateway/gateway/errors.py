"""The gateway's own answers: JSON `{"detail": ...}` like every service's errors
(platform_common.errors)."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import JSONResponse

from platform_common.errors import ServiceError
from platform_common.responses import ErrorDetail

# The services' own error schema: the gateway's answers have the same body, so
# the merged document names that one component instead of repeating it inline
# in every operation (one error type in generated clients).
ERROR_SCHEMAS: dict[str, object] = {ErrorDetail.__name__: ErrorDetail.model_json_schema()}


def documented_error(description: str, headers: Mapping[str, object]) -> dict[str, object]:
    """An OpenAPI response of the merged document for one of the gateway's own
    answers; its schema is in ERROR_SCHEMAS, which the merge adds."""
    return {
        "description": description,
        "headers": dict(headers),
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{ErrorDetail.__name__}"}}
        },
    }


def error_response(
    status_code: int, detail: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return ServiceError(detail, status_code, headers=headers).response()


class Refusal(ServiceError):
    """The gateway answers the request itself, without forwarding it.

    `reason` labels `gateway_refused_total`; None for refusals not worth
    counting (a malformed request line is the client's business).
    """

    def __init__(
        self,
        status_code: int,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(detail, status_code, headers=headers)
        self.reason = reason

    @classmethod
    def of(cls, error: ServiceError, *, reason: str | None = None) -> Refusal:
        """`error`'s answer (platform_common's RFC 6750 401, say) as a refusal."""
        return cls(
            error.status_code, error.message, headers=error.response_headers(), reason=reason
        )
