"""Signs access tokens the way auth-service does, for tests that run without it."""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwt

# Where the suites serve the issuer's keys (platform_common.testing.fixtures' `jwks`)
# and the services' settings in them look.
JWKS_URL = "http://auth.test/auth/.well-known/jwks.json"
# What a token grants unless a test says otherwise.
DEFAULT_SCOPE = "notes"


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class TokenIssuer:
    def __init__(
        self,
        *,
        # auth-service's issuer with `make run`'s defaults, which the
        # verifiers' settings expect by default.
        issuer: str = "http://127.0.0.1:8000/auth",
        audience: str = "notes-platform",
        kid: str | None = None,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.kid = kid or uuid.uuid4().hex[:12]
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.private_pem = self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        self.public_pem = (
            self._key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    @property
    def jwk(self) -> dict[str, str]:
        numbers = self._key.public_key().public_numbers()
        return {
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": _b64(numbers.n),
            "e": _b64(numbers.e),
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.jwk]}

    def claims(self, subject: str, *, scope: str = "notes", lifetime: int = 300) -> dict[str, Any]:
        now = int(time.time())
        return {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "iat": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
            "scope": scope,
        }

    def sign(self, claims: dict[str, Any], *, headers: dict[str, Any] | None = None) -> str:
        return str(
            jwt.encode(
                claims,
                self.private_pem,
                algorithm="RS256",
                headers={"kid": self.kid, **(headers or {})},
            )
        )

    def token(self, subject: str, **overrides: Any) -> str:
        scope = overrides.pop("scope", DEFAULT_SCOPE)
        lifetime = overrides.pop("lifetime", 300)
        claims = self.claims(subject, scope=scope, lifetime=lifetime)
        claims.update(overrides)
        return self.sign(claims)


class User:
    """A user the issuer vouches for: an id, and headers that bear its token."""

    def __init__(self, issuer: TokenIssuer, scope: str = DEFAULT_SCOPE) -> None:
        self.id = uuid.uuid4()
        self.headers = {"Authorization": f"Bearer {issuer.token(str(self.id), scope=scope)}"}
