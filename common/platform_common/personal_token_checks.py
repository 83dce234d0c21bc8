"""How a verifier (gateway, notes-service) learns what a personal access token
may do: auth-service's `POST /internal/personal-tokens/check`, cached.

A PAT is opaque (only its SHA-256 is stored, at auth-service), so a verifier
asks auth-service, sending the token's SHA-256, never the token. The answer,
as AccessClaims (`sid` and `jti`: the token's id; `ver`: the account's token
version), is cached for `cache_seconds` per (SHA-256, client address), at
most `cache_size` entries, the oldest evicted first: a caller can fill it but
not grow it. Refused tokens are cached the same way, so a refused token is
asked about once per period, not once per request.

Revocation needs no short cache: the answer's claims are judged by the
revocation list on every use, like a JWT's (a revoked PAT's id is listed as
an ended session; a deactivated or deleted owner as a subject), so a revoked,
expired or orphaned PAT stops within the access tokens' bound. The address is
in the key so that auth-service sees each new address a token is used from
(its "used from a new address" event, its `last used` columns).

A string with the PAT prefix but the wrong length, alphabet or checksum is
refused here, counted, and never sent anywhere.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, NoReturn

from prometheus_client import Counter

from platform_common.personal_tokens import LENGTH, token_hash, well_formed
from platform_common.remote_sources import RemoteSource, SourceUnavailable
from platform_common.tokens import AccessClaims, InvalidToken

CHECK_PATH = "/internal/personal-tokens/check"

MALFORMED = Counter(
    "personal_tokens_malformed_total",
    "Bearer tokens with the personal access token prefix refused by their format or "
    "checksum, without asking auth-service",
)
LOOKUPS = Counter(
    "personal_token_lookups_total",
    "Personal access tokens looked up at auth-service (cache misses), by outcome",
    ["outcome"],
)
for _outcome in ("active", "inactive", "error"):
    LOOKUPS.labels(_outcome)


@dataclass(frozen=True, slots=True)
class _Entry:
    claims: AccessClaims | None  # None: refused
    until: float


def _natural(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def claims_of(answer: Any) -> AccessClaims | None:
    """The check's answer as claims; None when inactive. ValueError if malformed."""
    if not isinstance(answer, dict) or not isinstance(answer.get("active"), bool):
        raise ValueError("not a personal token check")
    if not answer["active"]:
        return None
    subject, scope, token_id = answer.get("sub"), answer.get("scope"), answer.get("jti")
    if not (isinstance(subject, str) and isinstance(scope, str) and isinstance(token_id, str)):
        raise ValueError("malformed personal token check")
    if not all(_natural(answer.get(name)) for name in ("ver", "iat", "exp")):
        raise ValueError("malformed personal token check")
    return AccessClaims(
        subject=subject,
        scopes=frozenset(scope.split()),
        token_id=token_id,
        issued_at=answer["iat"],
        expires_at=answer["exp"],
        version=answer["ver"],
        session_id=token_id,
    )


def _malformed() -> NoReturn:
    MALFORMED.inc()
    raise InvalidToken("malformed personal access token")


@dataclass(eq=False, kw_only=True)
class PersonalTokenChecker(RemoteSource):
    failure_log = "personal token check at %s failed: %s"
    failures = LOOKUPS.labels("error")

    cache_seconds: float = 30.0
    cache_size: int = 10_000
    _cache: dict[tuple[str, str | None], _Entry] = field(
        init=False, repr=False, default_factory=dict
    )

    def __len__(self) -> int:
        return len(self._cache)

    async def claims(self, token: str, *, address: str | None, fresh: bool = False) -> AccessClaims:
        """The token's claims; InvalidToken when malformed, unknown, revoked or
        expired. `fresh`: ask auth-service even if an answer is cached."""
        if len(token) != LENGTH:
            _malformed()
        key = (token_hash(token), address)
        now = time.monotonic()
        entry = None if fresh else self._cache.get(key)
        if entry is None or entry.until <= now:
            # Only what is not cached is checked for its form: a cached key
            # is the hash of a well-formed token (and a hit costs a hash).
            if not well_formed(token):
                _malformed()
            entry = _Entry(await self._ask(key[0], address), now + self.cache_seconds)
            self._cache.pop(key, None)
            if len(self._cache) >= self.cache_size:
                del self._cache[next(iter(self._cache))]  # the oldest
            self._cache[key] = entry
        if entry.claims is None:
            raise InvalidToken("personal access token not valid")
        if entry.claims.expires_at <= time.time():
            raise InvalidToken("token expired")
        return entry.claims

    async def _ask(self, digest: str, address: str | None) -> AccessClaims | None:
        question = {"token_hash": digest, "address": address}
        try:
            claims = await self._request(claims_of, method="POST", json=question)
        except SourceUnavailable:
            raise InvalidToken("the token cannot be checked now") from None
        LOOKUPS.labels("active" if claims is not None else "inactive").inc()
        return claims
