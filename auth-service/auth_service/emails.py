"""The one email normalisation: registration, login, email changes, the first
superuser and the login throttle's account key all go through it, so an
address matches itself however it is typed.

Normal form: surrounding spaces stripped, Unicode NFC, the domain in its
ASCII (IDNA, punycode) form, all lower-cased: `Ünïcode@BÜCHER.example` is
stored and looked up as `ünïcode@xn--bcher-kva.example`.
"""

from __future__ import annotations

import unicodedata

import email_validator

# Longer than any address (RFC 5321 allows 254 octets; Unicode takes more
# characters' worth): a longer login name is no account, and is not parsed.
MAX_INPUT_LENGTH = 1024


class InvalidEmail(ValueError):
    pass


def normalise_email(value: str) -> str:
    """The normal form of a valid address; InvalidEmail otherwise."""
    if len(value) > MAX_INPUT_LENGTH:
        raise InvalidEmail("too long")
    try:
        parts = email_validator.validate_email(
            unicodedata.normalize("NFC", value.strip()), check_deliverability=False
        )
    except email_validator.EmailNotValidError as exc:
        raise InvalidEmail(str(exc)) from None
    local = unicodedata.normalize("NFC", parts.local_part.lower())
    return f"{local}@{parts.ascii_domain.lower()}"


def login_name(value: str) -> str:
    """What a login is looked up and throttled by: the normal form of an
    address, or for anything else (no account can have it) a bounded form of
    its own, so every attempt is still counted."""
    try:
        return normalise_email(value)
    except InvalidEmail:
        bounded = unicodedata.normalize("NFC", value[:MAX_INPUT_LENGTH].strip()).lower()
        # Postgres text cannot hold NUL, and the throttle stores this name.
        return bounded.replace("\x00", "\ufffd")
