"""A person's second factor: TOTP (RFC 6238, with pyotp) and single-use
recovery codes. Each function that writes owns its transaction, except
`verify_second_factor`, whose caller commits what it signs in.

A code is accepted for the current 30-second step or the one before or after
it, and only for a step newer than the last one accepted (RFC 6238 §5.2: the
same code never works twice), under a lock of the factor's row, so of two
requests with one code exactly one succeeds. Every code tried, right or
wrong, is counted per account before it is checked (the login throttle's
fixed windows, auth_service.accounts.throttle); a right one gives its count
back. A code or secret is never logged, nor stored in an event.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NoReturn

import pyotp
import segno
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts import amr, events, notices, throttle
from auth_service.accounts.events import NO_CLIENT, ClientInfo
from auth_service.accounts.secret_box import SecretBox
from auth_service.accounts.throttle import Limit
from auth_service.errors import (
    InvalidSecondFactor,
    NoTotpEnrolment,
    SecondFactorRequired,
    TooManyRequests,
    TotpAlreadyEnabled,
)
from auth_service.models import RecoveryCode, TotpFactor, User

STEP_SECONDS = 30
DIGITS = 6
RECOVERY_CODE_COUNT = 10
# 16 characters of base32: 80 random bits, shown as four groups of four.
RECOVERY_CODE_LENGTH = 16
THROTTLE_SCOPE = "totp"
# Codes tried per account per window (wrong ones, and right ones in flight).
ATTEMPTS = Limit(attempts=5, window=timedelta(minutes=15))
_TOTP_CODE = re.compile(r"[0-9]{6}")
_RECOVERY_CODE = re.compile(r"[a-z2-7]{16}")


@dataclass(frozen=True, slots=True)
class MfaPolicy:
    """Built once from the settings (auth_service.main)."""

    box: SecretBox
    attempts: Limit = ATTEMPTS
    issuer_name: str = "notes-platform"


@dataclass(frozen=True, slots=True)
class CodedAct:
    """A person's change to their own second factor, proven by a code (TOTP,
    or a recovery code where the act allows one): what confirming an
    enrolment, regenerating recovery codes and disabling each take."""

    user: User
    code: str
    policy: MfaPolicy
    client: ClientInfo = NO_CLIENT


@dataclass(frozen=True, slots=True)
class Enrolment:
    secret: str
    otpauth_uri: str
    qr_svg: str


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _normalised(code: str) -> str:
    """What a person may type: spaces and dashes anywhere, any case."""
    return "".join(code.split()).replace("-", "").lower()


def new_recovery_codes() -> list[str]:
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(alphabet) for _ in range(RECOVERY_CODE_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, RECOVERY_CODE_LENGTH, 4)))
    return codes


async def is_enabled(session: AsyncSession, *, user_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(TotpFactor.user_id).where(
            TotpFactor.user_id == user_id, TotpFactor.confirmed_at.is_not(None)
        )
    )
    return found is not None


async def is_pending(session: AsyncSession, *, user_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(TotpFactor.user_id).where(
            TotpFactor.user_id == user_id, TotpFactor.confirmed_at.is_(None)
        )
    )
    return found is not None


async def recovery_codes_left(session: AsyncSession, *, user_id: uuid.UUID) -> int:
    left = await session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    )
    return left or 0


async def start_enrolment(session: AsyncSession, *, user: User, policy: MfaPolicy) -> Enrolment:
    """A new secret, pending until confirmed (a pending one is replaced);
    TotpAlreadyEnabled when a confirmed one exists."""
    secret = pyotp.random_base32()  # 160 bits (RFC 4226 §4's recommended length)
    statement = insert(TotpFactor).values(user_id=user.id, encrypted_secret=policy.box.seal(secret))
    pending = await session.scalar(
        statement.on_conflict_do_update(
            index_elements=[TotpFactor.user_id],
            set_={
                "encrypted_secret": statement.excluded.encrypted_secret,
                "created_at": func.now(),
                "last_used_step": None,
            },
            where=TotpFactor.confirmed_at.is_(None),
        ).returning(TotpFactor.user_id)
    )
    await session.commit()
    if pending is None:
        raise TotpAlreadyEnabled
    uri = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=user.email, issuer_name=policy.issuer_name
    )
    svg = segno.make(uri, error="m").svg_inline(scale=4, title="TOTP enrolment")
    return Enrolment(secret=secret, otpauth_uri=uri, qr_svg=svg)


_IF_NOT_YOU = "If you did not do this, reset your password and tell an administrator.\n"
# The mail to the account's address when its second factor is turned on or off.
_NOTICES = {
    events.TOTP_ENABLED: (
        "Two-factor sign-in is on for your notes-platform account",
        "A code of an authenticator app is now needed after your password\n"
        "to sign in. Keep your recovery codes somewhere safe.\n\n" + _IF_NOT_YOU,
    ),
    events.TOTP_DISABLED: (
        "Two-factor sign-in is off for your notes-platform account",
        "Your password alone now signs in to your account.\n\n" + _IF_NOT_YOU,
    ),
}


def _record_and_tell(session: AsyncSession, act: CodedAct, event_type: str) -> None:
    """The act's security event, and its notice to the account's address."""
    events.record(session, type=event_type, user_id=act.user.id, client=act.client)
    subject, text = _NOTICES[event_type]
    notices.queue(session, to=act.user.email, subject=subject, text=text)


async def confirm_enrolment(session: AsyncSession, act: CodedAct) -> list[str]:
    """A valid code turns the pending factor on; the new recovery codes, to show once."""
    user, code, policy, client = act.user, act.code, act.policy, act.client
    await _count(session, user_id=user.id, policy=policy)
    factor = await _lock_factor(session, user_id=user.id)
    if factor is None or factor.confirmed_at is not None:
        await session.rollback()
        raise NoTotpEnrolment
    if not _accept_totp(factor, code, policy):
        await _refuse(session, user_id=user.id, client=client)
    factor.confirmed_at = datetime.now(UTC)
    codes = await _replace_recovery_codes(session, user_id=user.id)
    _record_and_tell(session, act, events.TOTP_ENABLED)
    await throttle.give_back(session, scope=THROTTLE_SCOPE, key=_key(user.id))
    await session.commit()
    return codes


async def regenerate_recovery_codes(session: AsyncSession, act: CodedAct) -> list[str]:
    """New recovery codes for a current TOTP code; the old ones stop working."""
    user, code, policy, client = act.user, act.code, act.policy, act.client
    await check_fresh_second_factor(session, user, code, policy=policy, client=client)
    codes = await _replace_recovery_codes(session, user_id=user.id)
    events.record(session, type=events.RECOVERY_CODES_REGENERATED, user_id=user.id, client=client)
    await session.commit()
    return codes


async def disable(session: AsyncSession, act: CodedAct) -> None:
    """Turn TOTP off with a code (a recovery code too: the device may be
    lost); the caller has checked the password (auth_service.deps.Caller.
    prove_password)."""
    user, code, policy, client = act.user, act.code, act.policy, act.client
    if not await is_enabled(session, user_id=user.id):
        raise NoTotpEnrolment
    await verify_second_factor(session, user_id=user.id, code=code, policy=policy, client=client)
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    await session.execute(delete(TotpFactor).where(TotpFactor.user_id == user.id))
    _record_and_tell(session, act, events.TOTP_DISABLED)
    await session.commit()


async def check_fresh_second_factor(
    session: AsyncSession,
    user: User,
    code: str | None,
    *,
    policy: MfaPolicy,
    client: ClientInfo = NO_CLIENT,
) -> None:
    """The proof a sensitive act needs from a person with TOTP on (creating a
    personal access token, new recovery codes): a current TOTP code, within
    ±1 step of now (so no older than about a minute and a half, well inside
    five minutes), which it consumes like any code (the same one cannot
    prove a second act).

    Nothing to prove (returns at once) when TOTP is off. Otherwise raises
    SecondFactorRequired (403) when `code` is missing, TooManyRequests (429,
    Retry-After) past the per-account attempts, InvalidSecondFactor (403)
    for a wrong or used code. Recovery codes do not count here. Call it
    before writing anything: the attempt is counted in a transaction of its
    own, and a refusal rolls back (then records its event). On success the
    factor's row stays locked in the caller's transaction with its step
    consumed: the caller commits (its own writes with it)."""
    if not await is_enabled(session, user_id=user.id):
        return
    if not code:
        raise SecondFactorRequired
    await _count(session, user_id=user.id, policy=policy)
    factor = await _lock_factor(session, user_id=user.id)
    if factor is None or factor.confirmed_at is None or not _accept_totp(factor, code, policy):
        await _refuse(session, user_id=user.id, client=client)
    await throttle.give_back(session, scope=THROTTLE_SCOPE, key=_key(user.id))


async def verify_second_factor(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    code: str,
    policy: MfaPolicy,
    client: ClientInfo = NO_CLIENT,
) -> str:
    """A sign-in's second step: a TOTP code or a recovery code. The method
    used (auth_service.accounts.amr: `otp` or `mfa`), with the step or the
    recovery code consumed, its event and mail added to the caller's
    transaction, which commits them. InvalidSecondFactor (the failure
    recorded and committed) or TooManyRequests otherwise."""
    await _count(session, user_id=user_id, policy=policy)
    factor = await _lock_factor(session, user_id=user_id)
    if factor is None or factor.confirmed_at is None:
        await _refuse(session, user_id=user_id, client=client)
    elif _accept_totp(factor, code, policy):
        method = amr.OTP
    elif await _use_recovery_code(session, user_id=user_id, code=code):
        method = amr.MULTI_FACTOR
        await _recovery_code_used(session, user_id=user_id, client=client)
    else:
        await _refuse(session, user_id=user_id, client=client)
    await throttle.give_back(session, scope=THROTTLE_SCOPE, key=_key(user_id))
    return method


def _key(user_id: uuid.UUID) -> str:
    return throttle.counter_key(THROTTLE_SCOPE, str(user_id))


async def _count(session: AsyncSession, *, user_id: uuid.UUID, policy: MfaPolicy) -> None:
    """Count the attempt (committed on its own, before the check)."""
    wait = await throttle.count_requests(
        session, counters=[(THROTTLE_SCOPE, _key(user_id), policy.attempts)]
    )
    if wait is not None:
        raise TooManyRequests(retry_after=wait)


async def _lock_factor(session: AsyncSession, *, user_id: uuid.UUID) -> TotpFactor | None:
    return await session.scalar(
        select(TotpFactor).where(TotpFactor.user_id == user_id).with_for_update()
    )


def _accept_totp(factor: TotpFactor, code: str, policy: MfaPolicy) -> bool:
    """Whether `code` is the factor's for a step within ±1 of now and newer
    than the last accepted; if so that step is the last accepted (and the
    secret re-sealed with the first key: key rotation needs nothing else)."""
    code = _normalised(code)
    if not _TOTP_CODE.fullmatch(code):
        return False
    secret = policy.box.open(factor.encrypted_secret)
    generator = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    now = int(time.time()) // STEP_SECONDS
    for step in (now, now - 1, now + 1):
        if factor.last_used_step is not None and step <= factor.last_used_step:
            continue
        if hmac.compare_digest(generator.generate_otp(step), code):
            factor.last_used_step = step
            factor.encrypted_secret = policy.box.reseal(factor.encrypted_secret)
            return True
    return False


async def _use_recovery_code(session: AsyncSession, *, user_id: uuid.UUID, code: str) -> bool:
    """Spend the code if it is one of the user's unused ones (one UPDATE:
    of two requests with one code, one spends it)."""
    code = _normalised(code)
    if not _RECOVERY_CODE.fullmatch(code):
        return False
    spent = await session.scalar(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user_id,
            RecoveryCode.code_hash == _hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=func.now())
        .returning(RecoveryCode.id)
    )
    return spent is not None


async def _recovery_code_used(
    session: AsyncSession, *, user_id: uuid.UUID, client: ClientInfo
) -> None:
    events.record(session, type=events.RECOVERY_CODE_USED, user_id=user_id, client=client)
    email = await session.scalar(select(User.email).where(User.id == user_id))
    if email is not None:
        left = await recovery_codes_left(session, user_id=user_id)
        notices.queue(
            session,
            to=email,
            subject="A recovery code was used to sign in to your notes-platform account",
            text=(
                "Someone signed in to your account with one of its recovery codes\n"
                f"instead of an authenticator app's code. {left} unused codes are left.\n\n"
                "If this was not you, reset your password at once, and make new\n"
                "recovery codes (POST /auth/me/mfa/totp/recovery-codes).\n"
            ),
        )


async def _replace_recovery_codes(session: AsyncSession, *, user_id: uuid.UUID) -> list[str]:
    codes = new_recovery_codes()
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    session.add_all(
        RecoveryCode(user_id=user_id, code_hash=_hash(_normalised(code))) for code in codes
    )
    return codes


async def _refuse(session: AsyncSession, *, user_id: uuid.UUID, client: ClientInfo) -> NoReturn:
    """A wrong code: its event, committed alone (nothing else changes)."""
    await session.rollback()
    events.record(session, type=events.SECOND_FACTOR_FAILED, user_id=user_id, client=client)
    await session.commit()
    raise InvalidSecondFactor
