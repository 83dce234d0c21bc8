"""A person's second factor: TOTP enrolment, confirmation, recovery codes,
disabling (auth_service.accounts.totp). Sign-in with it is the token
endpoint's (mfa_required, the mfa-otp grant) and the sign-in page's."""

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts import totp
from auth_service.deps import Caller, CallerDep, CurrentUser, HasherDep, PolicyDep, SessionDep
from auth_service.routes.shared import (
    HASHING_BUSY,
    NO_STORE,
    RETRY_AFTER,
    WRONG_CURRENT_PASSWORD,
    documented,
)
from auth_service.schemas import RecoveryCodes, TotpCode, TotpDisable, TotpEnrolment, TotpStatus
from platform_common.responses import MALFORMED_BODY, UNAUTHORIZED, Responses

# Every route is the caller's own: each answers 401 without a valid token.
router = APIRouter(prefix="/auth/me/mfa", tags=["mfa"], responses=UNAUTHORIZED)


def _act(me: Caller, code: str) -> totp.CodedAct:
    """An act on the caller's own second factor, proven with `code`."""
    return totp.CodedAct(me.user, code, me.policy.mfa, me.client)


CODE_CHECKED: Responses = {
    **MALFORMED_BODY,
    **documented(403, "Invalid or already used code"),
    **documented(429, "Too many codes tried for this account", headers=RETRY_AFTER),
}


@router.get("/totp", operation_id="me-totp-read")
async def totp_status(user: CurrentUser, session: SessionDep) -> TotpStatus:
    """Whether TOTP is on (or an enrolment pending), and the unused recovery codes."""
    enabled = await totp.is_enabled(session, user_id=user.id)
    return TotpStatus(
        enabled=enabled,
        pending=not enabled and await totp.is_pending(session, user_id=user.id),
        recovery_codes_left=await totp.recovery_codes_left(session, user_id=user.id),
    )


@router.post(
    "/totp",
    operation_id="me-totp-create",
    status_code=status.HTTP_201_CREATED,
    responses=documented(409, "TOTP is already on"),
)
async def start_totp_enrolment(
    user: CurrentUser, session: SessionDep, policy: PolicyDep, response: Response
) -> TotpEnrolment:
    """Start (or restart) enrolment: a new secret, its `otpauth://` URI and
    QR code. TOTP is on only once a code confirms it (POST .../totp/confirm)."""
    response.headers.update(NO_STORE)
    enrolment = await totp.start_enrolment(session, user=user, policy=policy.mfa)
    return TotpEnrolment(
        secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri, qr_svg=enrolment.qr_svg
    )


@router.post(
    "/totp/confirm",
    operation_id="me-totp-confirm",
    responses={**CODE_CHECKED, **documented(409, "No TOTP enrolment to confirm")},
)
async def confirm_totp_enrolment(
    data: TotpCode, me: CallerDep, response: Response
) -> RecoveryCodes:
    """Turn TOTP on with a code of the new authenticator: 10 recovery codes, shown once."""
    return await _recovery_codes(totp.confirm_enrolment, data, me, response)


@router.post(
    "/totp/recovery-codes", operation_id="me-totp-recovery-codes-create", responses=CODE_CHECKED
)
async def regenerate_recovery_codes(
    data: TotpCode, me: CallerDep, response: Response
) -> RecoveryCodes:
    """New recovery codes for a current TOTP code; the old ones stop working."""
    return await _recovery_codes(totp.regenerate_recovery_codes, data, me, response)


@router.post(
    "/totp/disable",
    operation_id="me-totp-disable",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        **CODE_CHECKED,
        **WRONG_CURRENT_PASSWORD,
        **documented(403, "Current password is incorrect, or the code is invalid or already used"),
        **documented(409, "TOTP is not on"),
        **HASHING_BUSY,
    },
)
async def disable_totp(data: TotpDisable, me: CallerDep, hasher: HasherDep) -> None:
    """Turn TOTP off: the current password and a code (TOTP or recovery)."""
    await me.prove_password(data.current_password, hasher)
    await totp.disable(me.session, _act(me, data.code))


async def _recovery_codes(
    issue: Callable[[AsyncSession, totp.CodedAct], Awaitable[list[str]]],
    data: TotpCode,
    me: Caller,
    response: Response,
) -> RecoveryCodes:
    """What confirming an enrolment and regenerating answer: new recovery
    codes from `issue` (a totp function), never to be cached."""
    response.headers.update(NO_STORE)
    codes = await issue(me.session, _act(me, data.code))
    return RecoveryCodes(recovery_codes=codes)
