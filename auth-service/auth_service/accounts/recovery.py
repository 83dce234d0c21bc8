"""Password recovery and email verification: asking for a reset, and what
using an emailed token does (auth_service.accounts.account_tokens makes, spends and
voids the tokens; auth_service.delivery.account_mail sends them). A token is redeemed
only for the token version it was made under: any change that ends sessions
bumps the version, so it dies with the change. Each function that writes owns
its transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts import account_tokens, events, sessions, throttle
from auth_service.accounts.events import ClientInfo
from auth_service.accounts.throttle import Limit
from auth_service.accounts.users import lock_user
from auth_service.errors import EmailTaken, InvalidAccountToken, TooManyRequests
from auth_service.models import (
    PASSWORD_RESET,
    PASSWORD_RESET_EMAIL,
    VERIFY_EMAIL,
    AccountToken,
    OutboxEvent,
    User,
)
from auth_service.security import PasswordHasher, account_token_hash


@dataclass(frozen=True, slots=True)
class RecoveryPolicy:
    reset_lifetime: timedelta
    verification_lifetime: timedelta
    # How often one client may ask for one account, one client for any, and
    # every client that never logged into the account for it, together
    # (README, "Password recovery").
    reset_per_account_address: Limit
    reset_per_address: Limit
    reset_per_account: Limit
    # How long after its last login an address stays the account's own
    # (AUTH_LOGIN_KNOWN_ADDRESS_DAYS, as for the login throttle).
    known_address_ttl: timedelta
    # Emails that registrations send to one address (auth_service.accounts.users).
    registration_mail: Limit

    @property
    def windows(self) -> tuple[timedelta, ...]:
        return (
            self.reset_per_account_address.window,
            self.reset_per_address.window,
            self.reset_per_account.window,
            self.registration_mail.window,
        )


async def request_password_reset(
    session: AsyncSession, *, email: str, client: ClientInfo, policy: RecoveryPolicy
) -> None:
    """Queue a reset email for the account with `email`, if there is one.

    The same statements run whether or not the account exists (count, look
    up, insert an outbox event, commit): its answer, and how long it takes,
    tell nothing about the address. The token itself is made when the email
    is sent (auth_service.delivery.account_mail); for no account, nothing is sent.

    Counted as the login throttle counts: per (account, client address), per
    client address, and per account (the cap on mail to one mailbox). An
    address the account has logged in from is held to the first only, so
    strangers' requests, from however many addresses, never lock the owner
    out of a device they have used.
    """
    address = client.address or "unknown"
    known = await throttle.is_known_address(
        session,
        attempt=throttle.LoginAttempt(account=email, address=address),
        ttl=policy.known_address_ttl,
    )
    retry_after = await throttle.count_requests(
        session,
        counters=[
            (
                "reset_pair",
                throttle.counter_key(email, address),
                policy.reset_per_account_address,
            ),
            ("reset_address", throttle.counter_key(address), policy.reset_per_address),
            ("reset_account", throttle.counter_key(email), policy.reset_per_account),
        ],
        exempt={"reset_address", "reset_account"} if known else (),
    )
    if retry_after is not None:
        raise TooManyRequests(retry_after=retry_after)
    user_id = await session.scalar(select(User.id).where(User.email == email, User.is_active))
    session.add(
        OutboxEvent(
            kind=PASSWORD_RESET_EMAIL,
            payload={"user_id": str(user_id) if user_id is not None else None},
        )
    )
    await session.commit()


async def confirm_password_reset(
    session: AsyncSession,
    *,
    token: str,
    new_password: str,
    hasher: PasswordHasher,
    client: ClientInfo,
) -> None:
    """Set the new password and end every session of the account.

    A made-up token is refused before any hashing (no argon2 work for
    guesses). Then the password is hashed with no transaction open, and in
    one transaction the token is spent, the account locked and checked (still
    active, the version the token was issued for), the password set and the
    sessions ended. InvalidAccountToken for any token that does not qualify.
    """
    live = await session.scalar(
        select(AccountToken.id).where(
            AccountToken.token_hash == account_token_hash(token),
            AccountToken.purpose == PASSWORD_RESET,
            AccountToken.spent_at.is_(None),
            AccountToken.expires_at > func.now(),
        )
    )
    await session.commit()  # no connection held while hashing
    if live is None:
        raise InvalidAccountToken
    hashed = await hasher.hash(new_password)
    spent = await account_tokens.spend(session, token=token, purpose=PASSWORD_RESET)
    user = await lock_user(session, spent.user_id) if spent is not None else None
    if (
        spent is None
        or user is None
        or not user.is_active
        or user.token_version != spent.token_version
    ):
        await session.rollback()
        raise InvalidAccountToken
    user.hashed_password = hashed
    # The token came by mail to the account's address (a change of address
    # would have killed it): the address is proved too.
    user.is_verified = True
    user.updated_at = datetime.now(UTC)
    await sessions.end_sessions(session, user=user)
    events.record(session, type=events.PASSWORD_RESET, user_id=user.id, client=client)
    await session.commit()


async def verify_email(session: AsyncSession, *, token: str, client: ClientInfo) -> None:
    """Prove the address the token was sent to.

    At registration (or after a superuser set the address) it is the
    account's own: the account becomes verified. For a change the user asked
    for, it is the new address, which only now replaces the old one; every
    session ends, as for any credential change. EmailTaken if another account
    took the address meanwhile.
    """
    spent = await account_tokens.spend(session, token=token, purpose=VERIFY_EMAIL)
    user = await lock_user(session, spent.user_id) if spent is not None else None
    if (
        spent is None
        or spent.email is None
        or user is None
        or not user.is_active
        or user.token_version != spent.token_version
    ):
        await session.rollback()
        raise InvalidAccountToken
    if spent.email != user.email:
        user.email = spent.email
        user.updated_at = datetime.now(UTC)
        try:
            await session.flush()
        except IntegrityError:
            await session.rollback()
            raise EmailTaken from None
        await sessions.end_sessions(session, user=user)
        events.record(session, type=events.EMAIL_CHANGED, user_id=user.id, client=client)
    user.is_verified = True
    events.record(session, type=events.EMAIL_VERIFIED, user_id=user.id, client=client)
    await session.commit()


# Dead tokens are kept a day (an operator may want to see why one was refused).
DEAD_TOKEN_RETENTION = timedelta(days=1)


async def purge_dead_tokens(session: AsyncSession) -> None:
    cutoff = func.now() - DEAD_TOKEN_RETENTION
    await session.execute(
        delete(AccountToken).where(
            or_(AccountToken.expires_at < cutoff, AccountToken.spent_at < cutoff)
        )
    )
    await session.commit()
