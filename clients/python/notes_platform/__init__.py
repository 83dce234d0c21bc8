"""The notes platform's typed client.

`connect()` gives the generated client (`notes_platform._generated.api`: one
module per operation, named after its operation id, with sync and async
functions; models in `notes_platform._generated.models`) wired
with tokens, retries and typed errors; `Notes` / `AsyncNotes` add keyed
creates, ETag-guarded writes and paging. `notes_platform.testing` mocks the
whole platform for consumers' tests. See README.md.
"""

from notes_platform._generated.client import AuthenticatedClient
from notes_platform.browser import SignInFailed, browser_sign_in
from notes_platform.errors import (
    ApiError,
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    RateLimited,
    TokenError,
    Unauthorized,
    Unavailable,
)
from notes_platform.platform import AsyncNotes, Notes, Tagged, connect
from notes_platform.retries import PlatformRetry
from notes_platform.tokens import (
    OAuthTokens,
    StaticToken,
    client_credentials,
    password,
    personal_access_token,
    refresh_token,
)

__all__ = [
    "ApiError",
    "AsyncNotes",
    "AuthenticatedClient",
    "Conflict",
    "Forbidden",
    "NotFound",
    "Notes",
    "OAuthTokens",
    "PlatformRetry",
    "PreconditionFailed",
    "RateLimited",
    "SignInFailed",
    "StaticToken",
    "Tagged",
    "TokenError",
    "Unauthorized",
    "Unavailable",
    "browser_sign_in",
    "client_credentials",
    "connect",
    "password",
    "personal_access_token",
    "refresh_token",
]
