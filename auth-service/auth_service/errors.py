"""auth-service's errors: the platform's ServiceError (platform_common.errors),
answered in the OAuth 2.0 form on the token, revocation and introspection
endpoints (RFC 6749 §5.2, RFC 7009 §2.2.1), `{"detail": ...}` elsewhere."""

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from platform_common.app import unsupported_media_type
from platform_common.errors import ServiceError
from platform_common.errors import service_error_handler as platform_error_handler

# Endpoints that answer every error in the OAuth 2.0 form.
OAUTH_PATHS = frozenset({"/auth/token", "/auth/revoke", "/auth/introspect"})
# RFC 6749 §5.1: no cache may keep what the token endpoint answers.
NO_STORE: Mapping[str, str] = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class UserNotFound(ServiceError, status=404, message="User not found"):
    pass


class EmailTaken(ServiceError, status=409, message="A user with this email already exists"):
    pass


class IncorrectPassword(ServiceError, status=403, message="Current password is incorrect"):
    """403, not 400: the request is well formed; the caller lacks the proof
    (the current password) that this change needs."""


class ServerBusy(
    ServiceError, status=503, message="Too busy to check passwords right now; retry shortly"
):
    """Every password-hashing slot and queue place is taken: try again shortly."""

    retry_after = 1


class LastSuperuser(
    ServiceError,
    status=409,
    message="The last active superuser cannot be demoted, deactivated or deleted",
):
    pass


class NotSuperuser(ServiceError, status=403, message="Not enough privileges"):
    pass


class InvalidAccountToken(ServiceError, message="Invalid or expired token"):
    """A reset or verification token that is unknown, used, superseded, expired
    or dead (the password changed since): one answer for all of them."""


class SessionNotFound(ServiceError, status=404, message="Session not found"):
    pass


class PersonalTokenNotFound(ServiceError, status=404, message="Personal access token not found"):
    pass


class TooManyPersonalTokens(
    ServiceError, status=409, message="Too many live personal access tokens: revoke one first"
):
    pass


class TooManyRequests(ServiceError, status=429):
    def __init__(self, *, retry_after: int) -> None:
        super().__init__(f"Too many requests; retry in {retry_after} s")
        self.retry_after = retry_after


class SecondFactorRequired(
    ServiceError, status=403, message="A current code of your authenticator app is required (otp)"
):
    pass


# 403 like IncorrectPassword: the caller lacks the proof the act needs.
class InvalidSecondFactor(ServiceError, status=403, message="Invalid or already used code"):
    pass


class TotpAlreadyEnabled(
    ServiceError,
    status=409,
    message="TOTP is already on; disable it first to enrol a new authenticator",
):
    pass


class NoTotpEnrolment(ServiceError, status=409, message="No TOTP enrolment to confirm or disable"):
    pass


class OAuthError(ServiceError):
    """An error of the token or revocation endpoint, in RFC 6749 §5.2 form."""

    error = "invalid_request"
    headers = NO_STORE

    def __init_subclass__(cls, *, error: str | None = None, **kwargs: Any) -> None:
        """`class InvalidGrant(OAuthError, error="invalid_grant")`: a subclass's
        RFC 6749 §5.2 code in its own line (status= and message= as ServiceError's)."""
        super().__init_subclass__(**kwargs)
        if error is not None:
            cls.error = error

    def __init__(self, description: str) -> None:
        super().__init__(description)

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.message}


class InvalidRequest(OAuthError, error="invalid_request"):
    pass


class InvalidGrant(OAuthError, error="invalid_grant"):
    pass


class InvalidScope(OAuthError, error="invalid_scope"):
    pass


class UnsupportedGrantType(OAuthError, error="unsupported_grant_type"):
    pass


# RFC 8628 §3.5's code for "ask less often"; RFC 6749 has none for this.
class LoginThrottled(OAuthError, status=429, error="slow_down"):
    """Too many password-grant attempts (auth_service.accounts.throttle)."""

    def __init__(self, *, retry_after: int, first: bool = False) -> None:
        super().__init__(f"Too many login attempts; retry in {retry_after} s")
        self.retry_after = retry_after
        # The attempt that went over a limit (the ones after it are not
        # recorded as security events: a burst would write one each).
        self.first = first


class MfaRequired(OAuthError, error="mfa_required"):
    """The password was right; the account's second factor is needed next
    (the mfa-otp grant, auth_service.oauth.mfa_grant, with this `mfa_token`)."""

    def __init__(self, *, mfa_token: str) -> None:
        super().__init__("This account needs a second factor: use the mfa_token with a code")
        self.mfa_token = mfa_token

    def body(self) -> dict[str, str]:
        return {**super().body(), "mfa_token": self.mfa_token}


# RFC 6749 §5.2: 401 with a challenge for the scheme the client may use.
class InvalidClient(OAuthError, status=401, error="invalid_client"):
    headers: Mapping[str, str] = {**NO_STORE, "WWW-Authenticate": 'Basic realm="auth-service"'}


class InsufficientScope(OAuthError, status=403, error="insufficient_scope"):
    """An authenticated client whose scopes do not allow the call (RFC 6750
    §3.1's code and status: its credentials are fine, a 401 would only make
    it authenticate again)."""


class UnauthorizedClient(OAuthError, error="unauthorized_client"):
    """The client may not use this grant (RFC 6749 §5.2)."""


class ClientNotFound(ServiceError, status=404, message="Client not found"):
    pass


class AuthorizationNotFound(ServiceError, status=404, message="This app holds no access of yours"):
    pass


class InvalidClientMetadata(ServiceError, status=400):
    """A client registration or change that cannot be (RFC 7591 §3.2.2's
    invalid_client_metadata, a 400)."""


def in_oauth_form(exc: ServiceError) -> OAuthError:
    """`exc` as the OAuth endpoints answer every error: its status, message and
    Retry-After, the code `invalid_request` (RFC 6749 §4.1.2.1's
    `temporarily_unavailable` for an overloaded server)."""
    if isinstance(exc, OAuthError):
        return exc
    oauth = OAuthError(exc.message)
    oauth.error = "temporarily_unavailable" if isinstance(exc, ServerBusy) else "invalid_request"
    oauth.status_code = exc.status_code
    oauth.retry_after = exc.retry_after
    oauth.headers = {**exc.headers, **NO_STORE}
    return oauth


def _on_oauth_path(request: Request) -> bool:
    return request.url.path.rstrip("/") in OAUTH_PATHS


async def service_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """The platform's answer (platform_common.errors), in the OAuth form on the OAuth endpoints."""
    assert isinstance(exc, ServiceError)
    return await platform_error_handler(
        request, in_oauth_form(exc) if _on_oauth_path(request) else exc
    )


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """FastAPI's own answer, except on the OAuth endpoints: the 400 it gives for a
    form it cannot parse (a multipart body without a boundary, say) is an OAuth
    `invalid_request` there, which is what their clients parse."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and _on_oauth_path(request):
        return InvalidRequest(str(exc.detail)).response()
    return await http_exception_handler(request, exc)


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    """FastAPI's 422 form, minus the echo of each invalid value; on the OAuth
    endpoints an `invalid_request` (a file where a field should be, say); a
    415 for a body that is not JSON (platform_common.app.unsupported_media_type).

    The echo would return passwords (or a megabyte of one) in the response.
    """
    assert isinstance(exc, RequestValidationError)
    if _on_oauth_path(request):
        fields = sorted({str(error["loc"][-1]) for error in exc.errors() if error.get("loc")})
        return InvalidRequest(f"malformed parameters: {', '.join(fields)}").response()
    if (refused := unsupported_media_type(exc)) is not None:
        return refused
    errors = [{k: v for k, v in error.items() if k != "input"} for error in exc.errors()]
    return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)
