"""The RSA keys that sign access tokens, and the JWK set that publishes them.

The directory layout is described in `auth_service.config`.
"""

from __future__ import annotations

import base64
import fcntl
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

MIN_KEY_BITS = 2048
_KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class KeyConfigurationError(Exception):
    """The signing keys cannot be used; auth-service refuses to start."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    public_key: rsa.RSAPublicKey
    private_pem: str | None  # None: published only, never signs

    def public_jwk(self) -> dict[str, str]:
        numbers = self.public_key.public_numbers()
        return {
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": _b64_uint(numbers.n),
            "e": _b64_uint(numbers.e),
        }


@dataclass(frozen=True, slots=True)
class KeyRing:
    active: SigningKey
    keys: tuple[SigningKey, ...]

    def jwks(self) -> dict[str, Any]:
        """The public halves only: nothing private is ever copied into a JWK."""
        return {"keys": [key.public_jwk() for key in self.keys]}


def _b64_uint(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def load_key_ring(directory: Path, active_kid: str | None = None) -> KeyRing:
    if not directory.is_dir():
        raise KeyConfigurationError(f"signing key directory {directory} does not exist")
    keys = tuple(_load_key(path) for path in sorted(directory.glob("*.pem")))
    signers = [key for key in keys if key.private_pem is not None]
    if not signers:
        raise KeyConfigurationError(f"no private signing key in {directory}")
    if active_kid is None:
        active = signers[-1]
    else:
        matching = [key for key in signers if key.kid == active_kid]
        if not matching:
            raise KeyConfigurationError(f"no private key {active_kid}.pem in {directory}")
        active = matching[0]
    return KeyRing(active=active, keys=keys)


def _load_key(path: Path) -> SigningKey:
    kid = path.name.removesuffix(".pem")
    if not _KEY_ID.fullmatch(kid):
        raise KeyConfigurationError(f"{path.name}: a key id is 1-64 of [A-Za-z0-9._-]")
    data = path.read_bytes()
    private_pem: str | None = None
    if b"PRIVATE KEY" in data:
        try:
            private = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise KeyConfigurationError(f"{path.name}: unreadable private key") from exc
        if not isinstance(private, rsa.RSAPrivateKey):
            raise KeyConfigurationError(f"{path.name}: not an RSA key")
        public = private.public_key()
        private_pem = data.decode()
    else:
        try:
            loaded = serialization.load_pem_public_key(data)
        except ValueError as exc:
            raise KeyConfigurationError(f"{path.name}: unreadable public key") from exc
        if not isinstance(loaded, rsa.RSAPublicKey):
            raise KeyConfigurationError(f"{path.name}: not an RSA key")
        public = loaded
    if public.key_size < MIN_KEY_BITS:
        raise KeyConfigurationError(f"{path.name}: RSA keys need at least {MIN_KEY_BITS} bits")
    return SigningKey(kid=kid, public_key=public, private_pem=private_pem)


def generate_private_pem(bits: int = MIN_KEY_BITS) -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def ensure_development_key(directory: Path) -> None:
    """Generate one key unless the directory has some; safe with several workers."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    # The lock makes concurrent starts agree on one key instead of each
    # publishing its own and refusing the other's tokens.
    with (directory / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if any(directory.glob("*.pem")):
            return
        # Date and randomness in the id: a regenerated key never reuses the id
        # of a key that verifiers may still have cached.
        kid = f"dev-{datetime.now(UTC):%Y%m%d%H%M%S}-{os.urandom(3).hex()}"
        path = directory / f"{kid}.pem"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(generate_private_pem())


def development_key_ring(directory: Path, active_kid: str | None = None) -> KeyRing:
    """The keys of the development directory, with one generated there if it has none."""
    ensure_development_key(directory)
    return load_key_ring(directory, active_kid)
