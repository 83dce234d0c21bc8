"""The personal access token's format, in one place: made by auth-service,
recognised by every verifier (and by secret scanners).

    np_pat_<30 random base62 characters><CRC32 of them, 6 base62 characters>

30 base62 characters are 178 random bits (the floor is 160). The checksum,
as GitHub's tokens carry one, lets a verifier refuse a typo or a made-up
string without asking anyone: no lookup, no request to auth-service. It is
no secret and proves nothing about the token being issued; only auth-service's
table (SHA-256 of the token, never the token) does.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import zlib

PREFIX = "np_pat_"
ALPHABET = string.digits + string.ascii_letters  # base62
RANDOM_LENGTH = 30
CHECKSUM_LENGTH = 6  # 62**6 > 2**32: every CRC32 fits
LENGTH = len(PREFIX) + RANDOM_LENGTH + CHECKSUM_LENGTH
# What a list shows of a token: the prefix and its last four characters.
VISIBLE_TAIL = 4
_DIGITS = frozenset(ALPHABET)


def _base62(value: int, width: int) -> str:
    digits = []
    for _ in range(width):
        value, digit = divmod(value, 62)
        digits.append(ALPHABET[digit])
    return "".join(reversed(digits))


def _checksum(random_part: str) -> str:
    return _base62(zlib.crc32(random_part.encode("ascii")), CHECKSUM_LENGTH)


def new_token() -> str:
    random_part = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return PREFIX + random_part + _checksum(random_part)


def looks_personal(token: str) -> bool:
    """Whether the string claims to be a personal access token (its prefix)."""
    return token.startswith(PREFIX)


def well_formed(token: str) -> bool:
    """The prefix, the length, base62 only, and a matching checksum."""
    if len(token) != LENGTH or not token.startswith(PREFIX):
        return False
    body = token[len(PREFIX) :]
    if not _DIGITS.issuperset(body):
        return False
    random_part, checksum = body[:RANDOM_LENGTH], body[RANDOM_LENGTH:]
    return secrets.compare_digest(_checksum(random_part), checksum)


def token_hash(token: str) -> str:
    """SHA-256, hex: what auth-service stores and verifiers cache by (178
    random bits need no salt or stretching)."""
    return hashlib.sha256(token.encode()).hexdigest()


def visible_part(token: str) -> str:
    """`np_pat_…abcd`: enough for a person to tell their tokens apart."""
    return f"{PREFIX}…{token[-VISIBLE_TAIL:]}"
