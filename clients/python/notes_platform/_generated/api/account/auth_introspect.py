"""POST /auth/introspect: Introspect

Token introspection (RFC 7662) for confidential clients
with scope `introspect`, with client_secret_basic or client_secret_post.
Tokens for audiences outside the client's `introspection_audiences` are
inactive to it; `username` needs scope `introspect:username`.


Args:
    body: The form of `POST /auth/introspect` (RFC 7662 §2.1), with the client's
        credentials when it uses client_secret_post.
"""

from typing import TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.introspect_form import IntrospectForm
from ...models.introspection_response import IntrospectionResponse
from ...models.o_auth_error_body import OAuthErrorBody

_Parsed: TypeAlias = ErrorDetail | HTTPValidationError | IntrospectionResponse | OAuthErrorBody


def _request(*, client: AuthenticatedClient | Client, body: IntrospectForm) -> _operation.Request:
    return _operation.request(
        client,
        "post",
        "/auth/introspect",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        data=body.to_dict(),
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json(IntrospectionResponse.from_dict)),
        ((400, 401, 403), _operation.json(OAuthErrorBody.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
        ((429, 503, 504), _operation.json(ErrorDetail.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
