"""The authorization endpoint and its pages (OAuth 2.1 §4.1.1): sign-in and
consent, rendered on the server, no script, no third-party asset.

GET /auth/authorize checks the request (auth_service.oauth.authorization)
and shows the sign-in page, the consent page, or goes straight back to the
app with a code. The pages post to POST /auth/authorize with the request's
parameters in hidden fields (checked again there) and `step`: `signin`,
`allow` or `deny`.

Every form carries a CSRF token that must match the `np_csrf` cookie
(double submit: a cross-site page can neither read nor set it); the pages
forbid framing (CSP frame-ancestors 'none'); the sign-in counts against the
password grant's own throttle (auth_service.oauth.tokens.check_password).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts import amr, events, mfa_challenges, totp
from auth_service.accounts.emails import login_name
from auth_service.accounts.events import ClientInfo
from auth_service.accounts.throttle import LoginAttempt
from auth_service.deps import ClientInfoDep, HasherDep, SessionDep, StateDep
from auth_service.errors import (
    InvalidGrant,
    InvalidSecondFactor,
    LoginThrottled,
    ServerBusy,
    TooManyRequests,
)
from auth_service.models import User
from auth_service.oauth import authorization, browser_sessions, tokens
from auth_service.oauth.authorization import (
    SCOPE_DESCRIPTIONS,
    AuthorizationRequest,
    NoRedirect,
    RedirectError,
)
from auth_service.oauth.browser_sessions import SignedIn
from auth_service.oauth.tokens import BAD_CREDENTIALS
from auth_service.state import AuthState
from platform_common.responses import Responses

router = APIRouter(prefix="/auth", tags=["authorize"])
templates = Jinja2Templates(directory=Path(__file__).resolve().parents[1] / "templates")
CSRF_COOKIE = "np_csrf"
ACTION = "/auth/authorize"
# The form's own fields; every other field is the authorization request's.
OWN_FIELDS = frozenset({"csrf_token", "step", "email", "password", "mfa_token", "otp"})
REQUEST_FIELDS = frozenset(
    {
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "nonce",
        "code_challenge",
        "code_challenge_method",
    }
)
SIGN_IN_EXPIRED = "This sign-in has expired; enter your password again."
HTML: dict[str, Any] = {"text/html": {"schema": {"type": "string"}}}
PAGE: Responses = {
    200: {"content": HTML, "description": "The sign-in or consent page"},
    303: {"description": "Back to the app's redirect URI: `code` or `error`, `state`, `iss`"},
    400: {
        "content": HTML,
        "description": "Unknown app or redirect URI (no redirect), or a wrong password",
    },
}
STEP: Responses = {
    **PAGE,
    403: {"content": HTML, "description": "The form's CSRF token does not match its cookie"},
    429: {"content": HTML, "description": "Too many sign-in attempts (the login throttle)"},
    503: {"content": HTML, "description": "Too busy to check passwords right now"},
}


@router.get(
    "/authorize", operation_id="auth-authorize", response_class=HTMLResponse, responses=PAGE
)
async def authorize(request: Request, session: SessionDep, state: StateDep) -> Response:
    """OAuth 2.1 authorization endpoint: `response_type=code`, `client_id`,
    `redirect_uri`, `scope`, `state`, `nonce`, `code_challenge` with
    `code_challenge_method=S256` (required)."""
    params = _single_values(request.query_params.multi_items())
    if params is None:
        return _error_page(request, "A parameter was given more than once.")
    return await _continue(request, session, state, params, signed_in=None)


@router.post(
    "/authorize",
    operation_id="auth-authorize-step",
    response_class=HTMLResponse,
    responses=STEP,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {"type": "object", "additionalProperties": {"type": "string"}}
                }
            }
        }
    },
)
async def authorize_step(
    request: Request,
    session: SessionDep,
    state: StateDep,
    hasher: HasherDep,
    client: ClientInfoDep,
) -> Response:
    """A step of the pages (their forms post here): `step` = `signin` (with
    `email` and `password`), `otp` (with the `mfa_token` the sign-in gave and
    `otp`, a TOTP or recovery code, for an account with TOTP on), `allow` or
    `deny`, the page's `csrf_token`, and the authorization request's parameters."""
    form = await request.form()
    fields = _single_values((k, v) for k, v in form.multi_items() if isinstance(v, str))
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if (
        fields is None
        or not cookie
        or not secrets.compare_digest(fields.get("csrf_token", "").encode(), cookie.encode())
    ):
        return _error_page(request, "This form has expired; start again from the app.", 403)
    params = {k: v for k, v in fields.items() if k in REQUEST_FIELDS}
    step = fields.get("step")
    if step == "signin":
        return await _sign_in(_Step(request, session, state, client, fields, params), hasher)
    if step == "otp":
        return await _second_factor(_Step(request, session, state, client, fields, params))
    signed_in = await browser_sessions.current(
        session, request.cookies.get(browser_sessions.COOKIE)
    )
    if step == "deny":
        return await _continue(request, session, state, params, signed_in=signed_in, deny=True)
    if step == "allow":
        return await _continue(request, session, state, params, signed_in=signed_in, allow=True)
    return _error_page(request, "Unknown step.")


async def _continue(
    request: Request,
    session: SessionDep,
    state: AuthState,
    params: dict[str, str],
    *,
    signed_in: SignedIn | None,
    allow: bool = False,
    deny: bool = False,
) -> Response:
    try:
        checked = await authorization.check_request(session, params)
    except NoRedirect as refused:
        return _error_page(request, str(refused))
    except RedirectError as error:
        return _back_to_app(
            error.redirect_uri,
            {"error": error.error, "error_description": error.description, "state": error.state},
            state,
        )
    if deny:
        return _back_to_app(
            checked.redirect_uri,
            {"error": "access_denied", "error_description": "the person said no"},
            state,
            checked.state,
        )
    if signed_in is None:
        signed_in = await browser_sessions.current(
            session, request.cookies.get(browser_sessions.COOKIE)
        )
    if signed_in is None:
        return _page(request, "signin.html", checked)
    user_id = signed_in.user.id
    if allow:
        await authorization.grant_consent(session, user_id=user_id, request=checked)
    elif await authorization.needs_consent(session, user_id=user_id, request=checked):
        return _page(
            request,
            "consent.html",
            checked,
            email=signed_in.user.email,
            scopes=[SCOPE_DESCRIPTIONS.get(s, s) for s in checked.scopes],
        )
    code = await authorization.issue_code(
        session,
        request=checked,
        user_id=user_id,
        token_version=signed_in.user.token_version,
        auth_time=signed_in.auth_time,
        browser_session_id=signed_in.session_id,
        amr=signed_in.amr,
    )
    await session.commit()
    return _back_to_app(checked.redirect_uri, {"code": code}, state, checked.state)


@dataclass(frozen=True, slots=True)
class _Step:
    """A sign-in step posted by the pages: the request, its form's fields and
    the authorization request's parameters among them."""

    request: Request
    session: AsyncSession
    state: AuthState
    client: ClientInfo
    fields: dict[str, str]
    params: dict[str, str]


async def _checked(step: _Step) -> AuthorizationRequest | Response:
    """The authorization request the step carries, or, if it is not one, what
    the flow answers such a request (an error page or a redirect back)."""
    try:
        return await authorization.check_request(step.session, step.params)
    except (NoRedirect, RedirectError):
        return await _continue(step.request, step.session, step.state, step.params, signed_in=None)


async def _sign_in(step: _Step, hasher: HasherDep) -> Response:
    checked = await _checked(step)
    if isinstance(checked, Response):
        return checked
    email = step.fields.get("email", "")
    attempt = LoginAttempt(account=login_name(email), address=step.client.address or "unknown")
    policy = step.state.token_policy
    try:
        password = await tokens.check_password(
            step.session,
            attempt=attempt,
            password=step.fields.get("password", ""),
            policy=policy,
            hasher=hasher,
            client=step.client,
        )
        user = await tokens.lock_for_login(step.session, password.proof, policy=policy)
    except LoginThrottled as throttled:
        wait = throttled.retry_after
        return _page(
            step.request,
            "signin.html",
            checked,
            email=email,
            status_code=429,
            retry_after=wait,
            error=f"Too many attempts; try again in {wait} s.",
        )
    except ServerBusy:
        busy = "Too busy right now; try again in a moment."
        return _page(step.request, "signin.html", checked, email=email, status_code=503, error=busy)
    except InvalidGrant as refused:
        message = BAD_CREDENTIALS if refused.message == BAD_CREDENTIALS else refused.message
        return _page(
            step.request, "signin.html", checked, email=email, status_code=400, error=message
        )
    await tokens.record_login(step.session, password, policy=policy)
    if await totp.is_enabled(step.session, user_id=user.id):
        mfa_token = mfa_challenges.start(
            step.session,
            user_id=user.id,
            token_version=user.token_version,
            purpose=mfa_challenges.SIGN_IN_PAGE,
        )
        await step.session.commit()
        return _page(step.request, "signin_otp.html", checked, mfa_token=mfa_token)
    return await _signed_in(step, user, checked)


async def _second_factor(step: _Step) -> Response:
    """The sign-in's second step: the code for the mfa_token the password gave."""
    checked = await _checked(step)
    if isinstance(checked, Response):
        return checked
    token = step.fields.get("mfa_token", "")
    purpose = mfa_challenges.SIGN_IN_PAGE
    challenge = await mfa_challenges.find(step.session, token=token, purpose=purpose)
    if challenge is None:
        return _page(step.request, "signin.html", checked, status_code=400, error=SIGN_IN_EXPIRED)
    try:
        method = await totp.verify_second_factor(
            step.session,
            user_id=challenge.user_id,
            code=step.fields.get("otp", ""),
            policy=step.state.token_policy.mfa,
            client=step.client,
        )
    except InvalidSecondFactor as refused:
        await mfa_challenges.fail(step.session, token=token)
        await step.session.commit()
        return _page(
            step.request,
            "signin_otp.html",
            checked,
            mfa_token=token,
            status_code=400,
            error=refused.message,
        )
    except TooManyRequests as throttled:
        wait = throttled.retry_after or 1
        return _page(
            step.request,
            "signin_otp.html",
            checked,
            mfa_token=token,
            status_code=429,
            retry_after=wait,
            error=f"Too many codes tried; try again in {wait} s.",
        )
    spent = await mfa_challenges.spend(step.session, token=token, purpose=purpose)
    if spent is None:
        await step.session.rollback()
        return _page(step.request, "signin.html", checked, status_code=400, error=SIGN_IN_EXPIRED)
    try:
        user = await tokens.lock_for_login(
            step.session,
            tokens.LoginProof(spent.user_id, token_version=spent.token_version),
            policy=step.state.token_policy,
        )
    except InvalidGrant as refused:
        return _page(step.request, "signin.html", checked, status_code=400, error=refused.message)
    return await _signed_in(step, user, checked, amr.with_second_factor(method))


async def _signed_in(
    step: _Step,
    user: User,
    checked: AuthorizationRequest,
    methods: tuple[str, ...] = amr.PASSWORD_ONLY,
) -> Response:
    """A sign-in done (the user's row locked): the browser's session starts
    and the flow goes on."""
    now = datetime.now(UTC)
    cookie, browser_session_id = browser_sessions.start(
        step.session, user=user, auth_time=now, amr=methods
    )
    events.record(
        step.session,
        type=events.LOGIN_SUCCEEDED,
        user_id=user.id,
        client=step.client,
        client_id=checked.client_id,
    )
    await step.session.commit()
    signed_in = SignedIn(browser_session_id, user, now, methods)
    response = await _continue(
        step.request, step.session, step.state, step.params, signed_in=signed_in
    )
    response.set_cookie(
        browser_sessions.COOKIE,
        cookie,
        max_age=int(browser_sessions.LIFETIME.total_seconds()),
        path="/auth",
        httponly=True,
        samesite="lax",
        secure=step.state.secure_cookies,
    )
    return response


def _single_values(items: Any) -> dict[str, str] | None:
    """The parameters, or None when one is given twice (RFC 6749 §3.1)."""
    values: dict[str, str] = {}
    for key, value in items:
        if key in values:
            return None
        values[key] = value
    return values


def _headers(redirect_uri: str | None = None) -> dict[str, str]:
    """No framing, no script, no cache; the forms may post here and their
    answer may redirect to the app (browsers apply form-action to redirects)."""
    form_action = "'self'"
    if redirect_uri is not None:
        parts = urlsplit(redirect_uri)
        form_action += f" {parts.scheme}://{parts.netloc}" if parts.netloc else f" {parts.scheme}:"
    return {
        "Content-Security-Policy": (
            "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
            f"frame-ancestors 'none'; form-action {form_action}"
        ),
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
    }


def _page(
    request: Request,
    template: str,
    checked: AuthorizationRequest,
    *,
    status_code: int = 200,
    retry_after: int | None = None,
    **context: Any,
) -> Response:
    """A page of the flow, with a fresh CSRF token in its form and its cookie
    (and Retry-After, seconds, for a refusal to try again so soon)."""
    csrf_token = secrets.token_urlsafe(32)
    response = templates.TemplateResponse(
        request,
        template,
        {
            "authz": checked,
            "action": ACTION,
            "csrf_token": csrf_token,
            "hidden": checked.as_form(),
            **context,
        },
        status_code=status_code,
        headers=_headers(checked.redirect_uri),
    )
    response.set_cookie(
        CSRF_COOKIE,
        csrf_token,
        path=ACTION,
        httponly=True,
        samesite="strict",
        secure=_secure_cookies(request),
    )
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _error_page(request: Request, message: str, status_code: int = 400) -> Response:
    return templates.TemplateResponse(
        request,
        "error.html",
        {"message": message},
        status_code=status_code,
        headers=_headers(),
    )


def _back_to_app(
    redirect_uri: str,
    params: dict[str, str | None],
    state: AuthState,
    client_state: str | None = None,
) -> Response:
    """303 to the app, with `state` and `iss` (RFC 9207) beside the answer."""
    location = authorization.redirect_with(
        redirect_uri,
        {
            **params,
            **({"state": client_state} if client_state is not None else {}),
            "iss": state.issuer,
        },
    )
    return RedirectResponse(location, status_code=status.HTTP_303_SEE_OTHER, headers=_headers())


def _secure_cookies(request: Request) -> bool:
    """Secure cookies when the public URL is https (AuthState.secure_cookies)."""
    auth: AuthState = request.app.state.auth
    return auth.secure_cookies
