"""The encryption of the TOTP secrets at rest (Fernet: AES-128-CBC with an
HMAC-SHA256, from `cryptography`).

Why a key of its own (`AUTH_TOTP_ENCRYPTION_KEYS`) rather than one derived
from the signing keys: a TOTP secret must be read back (a password hash need
not), so a database dump or a backup alone would sign anyone in as its
owner; with the key kept apart (a Kubernetes Secret, like the signing keys),
it is not enough. The signing keys rotate on their own schedule and their
old halves are dropped, which would strand every secret sealed with them.
Several keys: the first seals, every one opens (MultiFernet), so a key is
rotated by putting a new one first; each secret is re-sealed with it when a
code of its factor is accepted, and the old key can go once no row needs
it. Without the setting (development), one key is generated once in
AUTH_DEVELOPMENT_KEYS_DIR, as the signing key is.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

DEVELOPMENT_KEY_FILE = "totp-encryption.key"


class SecretBoxError(Exception):
    """A key cannot be used (start-up), or a sealed secret cannot be opened."""


class SecretBox:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise SecretBoxError("at least one TOTP encryption key is needed")
        try:
            self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])
        except ValueError as exc:
            # Never the key itself in the message.
            raise SecretBoxError(
                "a TOTP encryption key is not a Fernet key (32 url-safe base64 bytes)"
            ) from exc

    @staticmethod
    def generate_key() -> str:
        return Fernet.generate_key().decode()

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise SecretBoxError("a TOTP secret does not open with any configured key") from None

    def reseal(self, sealed: str) -> str:
        """The secret sealed with the first key (key rotation)."""
        return self._fernet.rotate(sealed.encode()).decode()


def development_box(directory: Path) -> SecretBox:
    """The development key of `directory`, generated once; safe with several workers."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / DEVELOPMENT_KEY_FILE
    with (directory / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as file:
                file.write(SecretBox.generate_key().encode())
    return SecretBox([path.read_text().strip()])
