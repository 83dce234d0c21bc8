"""Hand-made tokens that a strict verifier must refuse (RFC 8725 attacks)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from platform_common.testing.issuer import TokenIssuer


def _segment(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unsigned(issuer: TokenIssuer, subject: str) -> str:
    """`alg: none` with an empty signature."""
    header = {"alg": "none", "typ": "JWT", "kid": issuer.kid}
    return f"{_segment(header)}.{_segment(issuer.claims(subject))}."


def hmac_with_public_key(issuer: TokenIssuer, subject: str) -> str:
    """HS256 keyed with the published RSA public key (algorithm confusion)."""
    header = {"alg": "HS256", "typ": "JWT", "kid": issuer.kid}
    signing_input = f"{_segment(header)}.{_segment(issuer.claims(subject))}"
    signature = hmac.new(issuer.public_pem.encode(), signing_input.encode(), hashlib.sha256)
    encoded = base64.urlsafe_b64encode(signature.digest()).rstrip(b"=").decode()
    return f"{signing_input}.{encoded}"


def forged_tokens(issuer: TokenIssuer, subject: str) -> dict[str, str]:
    """Name → token, each of which must be refused with 401."""
    stranger = TokenIssuer(issuer=issuer.issuer, audience=issuer.audience, kid=issuer.kid)
    unknown_key = TokenIssuer(issuer=issuer.issuer, audience=issuer.audience)
    return {
        "alg none": unsigned(issuer, subject),
        "HS256 with public key": hmac_with_public_key(issuer, subject),
        "another key, same kid": stranger.token(subject),
        "unknown kid": unknown_key.token(subject),
        "expired": issuer.token(subject, exp=1_000_000, iat=999_000),
        "wrong audience": issuer.token(subject, aud="someone-else"),
        "wrong issuer": issuer.token(subject, iss="https://evil.example"),
        "no expiry": issuer.sign({k: v for k, v in issuer.claims(subject).items() if k != "exp"}),
        "garbage": "not.a.token",
        "empty segments": "..",
        "random text": "hello",
        "tampered payload": _tamper(issuer.token(subject)),
    }


def _tamper(token: str) -> str:
    header, _payload, signature = token.split(".")
    return f"{header}.{_segment({'sub': 'someone-else', 'scope': 'notes admin'})}.{signature}"
