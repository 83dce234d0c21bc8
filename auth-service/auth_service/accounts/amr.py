"""How a person signed in: RFC 8176's authentication method references,
the `amr` claim of their access, refresh-rotated and ID tokens.

`pwd` alone for a password; `pwd` and `otp` with a TOTP code; `pwd` and
`mfa` with a recovery code (a second factor, but no one-time-password
generator: RFC 8176's `mfa` says only that more than one factor was used).
"""

from __future__ import annotations

from collections.abc import Sequence

PASSWORD = "pwd"  # noqa: S105  (an RFC 8176 method name)  # nosec B105
OTP = "otp"
MULTI_FACTOR = "mfa"
PASSWORD_ONLY: tuple[str, ...] = (PASSWORD,)


def stored(amr: Sequence[str] | None) -> tuple[str, ...]:
    """A row's methods; NULL (written before TOTP, or by the previous
    release during an upgrade) was a password sign-in."""
    return tuple(amr) if amr else PASSWORD_ONLY


def with_second_factor(method: str) -> tuple[str, ...]:
    return (PASSWORD, method)
