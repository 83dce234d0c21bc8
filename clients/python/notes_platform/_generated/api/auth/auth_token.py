"""POST /auth/token: Token

OAuth 2.0 token endpoint: `password`, `refresh_token`, `client_credentials` grants.


Args:
    body: The form of `POST /auth/token` (RFC 6749 §4.3, §4.4, §6, §2.3.1).

        Every field is optional here: which ones a grant needs is checked by
        the grant's handler (auth_service.oauth.grants), so a missing one is an OAuth
        `invalid_request` rather than FastAPI's 422. An empty value counts as
        absent (FastAPI's rule for form fields).
"""

from typing import TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.o_auth_error_body import OAuthErrorBody
from ...models.token_form import TokenForm
from ...models.token_response import TokenResponse

_Parsed: TypeAlias = ErrorDetail | HTTPValidationError | OAuthErrorBody | TokenResponse


def _request(*, client: AuthenticatedClient | Client, body: TokenForm) -> _operation.Request:
    return _operation.request(
        client,
        "post",
        "/auth/token",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        data=body.to_dict(),
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json(TokenResponse.from_dict)),
        ((400, 401, 429, 503), _operation.json(OAuthErrorBody.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
        ((504,), _operation.json(ErrorDetail.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
