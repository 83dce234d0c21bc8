"""The token endpoint's second step of a sign-in with TOTP: the grant
`urn:notes-platform:params:oauth:grant-type:mfa-otp` (a URN of our own, as
RFC 6749 §4.5 allows for extension grants) takes the `mfa_token` of the
password grant's `mfa_required` answer and `otp`, a current TOTP code or a
recovery code, and answers as the password grant would have, with `amr`
saying how the person signed in (auth_service.accounts.amr).

The same client as the password grant's must ask (checked as that grant
checks it); a wrong code counts against the token (spent after three) and
the account (auth_service.accounts.totp's throttle, 429 `slow_down`).
"""

from __future__ import annotations

from auth_service.accounts import amr, mfa_challenges, totp
from auth_service.errors import (
    InvalidGrant,
    InvalidRequest,
    InvalidSecondFactor,
    LoginThrottled,
    TooManyRequests,
)
from auth_service.oauth import tokens
from auth_service.oauth.grant_types import GrantRequest, first_party_client
from auth_service.schemas import TokenResponse

GRANT_TYPE = "urn:notes-platform:params:oauth:grant-type:mfa-otp"
INVALID_MFA_TOKEN = "Invalid, expired or used mfa_token"  # noqa: S105  # nosec B105
INVALID_CODE = "Invalid or already used code"


async def mfa_otp(request: GrantRequest) -> TokenResponse:
    form, session, policy = request.form, request.session, request.policy
    if form.mfa_token is None or form.otp is None:
        raise InvalidRequest("mfa_token and otp are required")
    purpose = mfa_challenges.TOKEN_GRANT
    challenge = await mfa_challenges.find(session, token=form.mfa_token, purpose=purpose)
    if challenge is None:
        raise InvalidGrant(INVALID_MFA_TOKEN)
    if await first_party_client(request, challenge.scope) != challenge.client_id:
        raise InvalidGrant("This mfa_token was issued to another client")
    try:
        method = await totp.verify_second_factor(
            session,
            user_id=challenge.user_id,
            code=form.otp,
            policy=policy.mfa,
            client=request.client,
        )
    except InvalidSecondFactor:
        await mfa_challenges.fail(session, token=form.mfa_token)
        await session.commit()
        raise InvalidGrant(INVALID_CODE) from None
    except TooManyRequests as throttled:
        raise LoginThrottled(retry_after=throttled.retry_after or 1) from None
    spent = await mfa_challenges.spend(session, token=form.mfa_token, purpose=purpose)
    if spent is None:
        # Used or expired while the code was checked: the code stays unspent.
        await session.rollback()
        raise InvalidGrant(INVALID_MFA_TOKEN)
    response = await tokens.issue_for_login(
        session,
        tokens.LoginProof(spent.user_id, token_version=spent.token_version),
        scope=spent.scope or policy.user_scope,
        policy=policy,
        client=request.client,
        amr=amr.with_second_factor(method),
    )
    await session.commit()
    return response
