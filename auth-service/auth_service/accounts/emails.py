"""The one email normalisation: registration, login, email changes, the first
superuser and the login throttle's account key all go through it, so an
address matches itself however it is typed.

Normal form: surrounding spaces stripped, Unicode NFC, the domain in its
ASCII (IDNA, punycode) form, all lower-cased: `Ünïcode@BÜCHER.example` is
stored and looked up as `ünïcode@xn--bcher-kva.example`.

Valid means what a mail system takes (email_validator: no quoting, no
comments, no angle brackets or display names, no control or invisible
characters) and no RFC 2047 encoded word in the local part: `=?` is legal
atext, but Python's email package decodes an encoded word in an address
header, so `=?utf-8?q?x=0d=0a?=@d.example` would put a CR/LF, or another
address, into the To: line of every mail sent to it.
"""

from __future__ import annotations

import unicodedata

import email_validator

# Longer than any address (RFC 5321 allows 254 octets; Unicode takes more
# characters' worth): a longer login name is no account, and is not parsed.
MAX_INPUT_LENGTH = 1024
ENCODED_WORD_START = "=?"


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
    if ENCODED_WORD_START in local:
        raise InvalidEmail("an RFC 2047 encoded word ('=?') is not an address")
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
