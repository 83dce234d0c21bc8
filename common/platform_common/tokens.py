"""Access-token verification against the JWKS that auth-service publishes.

Only RS256 is accepted and keys come only from the configured JWKS URL, never
from the token itself (RFC 8725 §3.1, §3.10).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Protocol

from jose import ExpiredSignatureError, JWTError, jwk, jwt
from jose.backends.base import Key
from prometheus_client import Counter, Gauge
from typing_extensions import TypeVar

from platform_common.personal_tokens import looks_personal
from platform_common.remote_sources import PolledSource, SourceUnavailable
from platform_common.revocations import RevokedSubjects

if TYPE_CHECKING:
    from platform_common.personal_token_checks import PersonalTokenChecker

ALGORITHMS = ("RS256",)
# The `iss` of auth-service's tokens before it became the server's URL (issue
# 33): accepted by default until every such token has expired (README, "Issuer").
LEGACY_ISSUER = "notes-platform-auth"
LIST_NOT_LOADED = "revocation list not loaded yet"

JWKS_AGE = Gauge(
    "jwks_age_seconds",
    "Seconds since the signing keys were last fetched; +Inf before the first fetch",
    ["source"],
)
JWKS_FAILURES = Counter(
    "jwks_refresh_failures_total",
    "Fetches of the signing keys that failed (the last good keys are kept)",
    ["source"],
)
# Per process, every verifier together: how often a token was already verified
# (its RSA check skipped). The bench's mixed workload reads it (bench/README.md).
CACHE_LOOKUPS = Counter(
    "access_token_cache_lookups",
    "Access tokens looked up in the verified-token cache: hit (no signature check) or miss",
    ["result"],
)
_CACHE_HIT = CACHE_LOOKUPS.labels("hit")
_CACHE_MISS = CACHE_LOOKUPS.labels("miss")


class InvalidToken(Exception):
    """The token is refused; the message is safe to show to the client."""


@dataclass(frozen=True, slots=True)
class AccessClaims:
    subject: str
    scopes: frozenset[str]
    token_id: str
    issued_at: int
    expires_at: int
    # The account's token version when issued (claim `ver`, missing = 0); see
    # platform_common.revocations.
    version: int = 0
    # The login session (claim `sid`: its refresh-token family) and the client
    # the token was issued to (claim `client_id`, RFC 9068 §2.2); None when
    # the token names none. The revocation list can end either.
    session_id: str | None = None
    client_id: str | None = None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


def parse_jwks(document: Any) -> dict[str, Key]:
    """Build key objects once per fetch: parsing them per request costs more than the check."""
    keys: dict[str, Key] = {}
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWK set")
    for entry in document["keys"]:
        if not isinstance(entry, dict) or entry.get("kty") != "RSA":
            continue
        if entry.get("alg", "RS256") != "RS256" or entry.get("use", "sig") != "sig":
            continue
        kid, n, e = entry.get("kid"), entry.get("n"), entry.get("e")
        if not (isinstance(kid, str) and isinstance(n, str) and isinstance(e, str)):
            continue
        # Only the public members: a private exponent in a published set is ignored.
        keys[kid] = jwk.construct({"kty": "RSA", "n": n, "e": e}, "RS256")
    return keys


@dataclass(eq=False, kw_only=True)
class JwksCache(PolledSource):
    """Keys from one JWKS URL, refetched when stale or on an unknown `kid`.

    Refetches happen at most once per `refetch_floor` seconds so a flood of
    tokens with made-up key ids cannot hammer auth-service, and the last good
    keys are kept when a refetch fails so a short auth-service outage does not
    lock everyone out.
    """

    failure_log = "JWKS fetch from %s failed: %s"
    failures = JWKS_FAILURES
    age_gauge = JWKS_AGE

    max_age: float = 300.0
    refetch_floor: float = 10.0
    _keys: dict[str, Key] = field(init=False, repr=False, default_factory=dict)
    # Bumped whenever the key set changes, so verifiers drop tokens they
    # accepted under a key that may since have been withdrawn.
    generation: int = field(init=False, repr=False, default=0)
    _attempted_at: float = field(init=False, repr=False, default=-math.inf)

    @property
    def key_ids(self) -> Iterable[str]:
        return self._keys.keys()

    async def get(self, kid: str) -> Key:
        """The key `kid` names; an unknown one triggers a refetch (rotation).

        Staleness is `refresh_if_stale`'s, which the verifier calls first.
        """
        key = self._keys.get(kid)
        if key is None:
            await self.refresh()
            key = self._keys.get(kid)
        if key is None:
            raise InvalidToken("unknown signing key")
        return key

    async def refresh_if_stale(self) -> None:
        """Refetch when older than max_age, even with no token naming an unknown kid."""
        age = self.age
        if age is None or age > self.max_age:
            await self.refresh()

    async def refresh(self) -> None:
        async with self._lock:
            now = time.monotonic()
            if now - self._attempted_at < self.refetch_floor:
                return
            self._attempted_at = now
            try:
                keys = await self._request(parse_jwks)
            except SourceUnavailable:
                return
            if keys.keys() != self._keys.keys():
                self.generation += 1
            self._keys = keys
            self._fetched_at = time.monotonic()


class KeySource(Protocol):
    """Where a verifier finds the public key for a `kid`; raises InvalidToken if none."""

    @property
    def generation(self) -> int:
        """Changes whenever the set of keys changes."""
        ...

    async def get(self, kid: str) -> Key: ...

    async def refresh_if_stale(self) -> None: ...


class StaticKeys:
    """A fixed set of keys, for the issuer verifying its own tokens without HTTP."""

    generation = 0

    def __init__(self, keys: Mapping[str, Key]) -> None:
        self._keys = dict(keys)

    async def get(self, kid: str) -> Key:
        key = self._keys.get(kid)
        if key is None:
            raise InvalidToken("unknown signing key")
        return key

    async def refresh_if_stale(self) -> None:
        return None


# Generic so that `verifier.jwks` keeps its concrete type (a JwksCache by default).
KeySourceT = TypeVar("KeySourceT", bound=KeySource, default=JwksCache)


class AccessTokenVerifier(Generic[KeySourceT]):
    """Checks signature, issuer, audience and lifetime; with `revocations`, also
    refuses tokens that an account change, an ended session or a revoked
    client has ended, and every token until that list has loaded (see
    platform_common.revocations).

    `iss` must be `issuer` or one of `previous_issuers`, compared exactly: the
    latter keep tokens signed before a change of issuer valid until they expire.

    With `personal_tokens`, a bearer token with the personal access token
    prefix is checked there (platform_common.personal_token_checks) and its
    claims judged by the same revocation list; without, it is malformed.
    """

    def __init__(
        self,
        jwks: KeySourceT,
        *,
        issuer: str,
        audiences: Iterable[str],
        previous_issuers: Iterable[str] = (),
        leeway: int = 10,
        revocations: RevokedSubjects | None = None,
        cache_size: int = 10_000,
        personal_tokens: PersonalTokenChecker | None = None,
    ) -> None:
        self.jwks = jwks
        self.revocations = revocations
        self.personal_tokens = personal_tokens
        # Tokens already verified, so a client's next requests skip the RSA
        # check (the costliest step). Lifetime and revocation are still checked
        # on every use; a change of the key set empties it. Least recently
        # used first out (a dict keeps insertion order: a hit moves to the end).
        self._verified: dict[str, AccessClaims] = {}
        self._verified_generation = jwks.generation
        self._cache_size = cache_size
        self._leeway = leeway
        self._issuers = (issuer, *previous_issuers)
        self._audiences = frozenset(audiences)
        self._options = {
            "verify_aud": False,  # checked below against a set of accepted audiences
            "require_exp": True,
            "require_iat": True,
            "require_iss": True,
            "require_sub": True,
            "require_jti": True,
            "leeway": leeway,
        }

    async def verify(self, token: str, *, address: str | None = None) -> AccessClaims:
        """The token's claims, or InvalidToken. `address`: the client's, which
        a personal access token's owner is told about when it is new."""
        if self.personal_tokens is not None and looks_personal(token):
            return await self._verify_personal(self.personal_tokens, token, address)
        # Tokens already verified skip the key lookup, so without this a key
        # retired from the JWKS would never be noticed while clients keep
        # their tokens: it is, within max_age (plus one refetch floor).
        await self.jwks.refresh_if_stale()
        current = self._verified_generation == self.jwks.generation
        access = self._verified.get(token) if current else None
        if access is None:
            _CACHE_MISS.inc()
            access = await self._verify_signature_and_claims(token)
            if self._verified_generation != self.jwks.generation:
                self._verified.clear()
                self._verified_generation = self.jwks.generation
            if len(self._verified) >= self._cache_size:
                del self._verified[next(iter(self._verified))]  # least recently used
            self._verified[token] = access
        elif access.expires_at + self._leeway < time.time():
            del self._verified[token]
            raise InvalidToken("token expired")
        else:
            _CACHE_HIT.inc()
            self._verified[token] = self._verified.pop(token)  # now the most recent
        if self.revocations is not None:
            # Fail closed: a list never loaded cannot tell a revoked token.
            # (`loaded` first: no coroutine per request once it has.)
            if not (self.revocations.loaded or await self.revocations.ensure_loaded()):
                raise InvalidToken(LIST_NOT_LOADED)
            if self.revocations.refuses(access):
                raise InvalidToken("token revoked")
        return access

    async def _verify_personal(
        self, checker: PersonalTokenChecker, token: str, address: str | None
    ) -> AccessClaims:
        access = await checker.claims(token, address=address)
        revocations = self.revocations
        if revocations is None:
            return access
        if not (revocations.loaded or await revocations.ensure_loaded()):
            raise InvalidToken(LIST_NOT_LOADED)
        if revocations.refuses(access):
            # The cached answer may predate a change the token survives (a
            # password change bumps the account's version): ask once afresh;
            # a revoked token, a deactivated or deleted owner, stays refused.
            access = await checker.claims(token, address=address, fresh=True)
            if revocations.refuses(access):
                raise InvalidToken("token revoked")
        return access

    async def _verify_signature_and_claims(self, token: str) -> AccessClaims:
        try:
            header = jwt.get_unverified_header(token)
        except JWTError:
            raise InvalidToken("malformed token") from None
        if header.get("alg") not in ALGORITHMS:
            raise InvalidToken("unsupported token algorithm")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise InvalidToken("token has no key id")
        key = await self.jwks.get(kid)
        try:
            claims = jwt.decode(
                token, key, algorithms=list(ALGORITHMS), issuer=self._issuers, options=self._options
            )
        except ExpiredSignatureError:
            raise InvalidToken("token expired") from None
        except JWTError:
            raise InvalidToken("invalid token") from None
        return self._to_claims(claims)

    def _to_claims(self, claims: dict[str, Any]) -> AccessClaims:
        audience = claims.get("aud")
        audiences = [audience] if isinstance(audience, str) else audience
        if not isinstance(audiences, list) or self._audiences.isdisjoint(
            a for a in audiences if isinstance(a, str)
        ):
            raise InvalidToken("token not meant for this service")
        subject, scope, jti = claims.get("sub"), claims.get("scope", ""), claims.get("jti")
        iat, exp, version = claims.get("iat"), claims.get("exp"), claims.get("ver", 0)
        if not (isinstance(subject, str) and subject and isinstance(scope, str)):
            raise InvalidToken("invalid token claims")
        if not (isinstance(jti, str) and isinstance(iat, int) and isinstance(exp, int)):
            raise InvalidToken("invalid token claims")
        if not (isinstance(version, int) and not isinstance(version, bool) and version >= 0):
            raise InvalidToken("invalid token claims")
        return AccessClaims(
            subject=subject,
            scopes=frozenset(scope.split()),
            token_id=jti,
            issued_at=iat,
            expires_at=exp,
            version=version,
            session_id=_optional_name(claims, "sid"),
            client_id=_optional_name(claims, "client_id"),
        )


def _optional_name(claims: dict[str, Any], name: str) -> str | None:
    """A claim that, when present, is a non-empty string (null is no string)."""
    if name not in claims:
        return None
    value = claims[name]
    if not (isinstance(value, str) and value):
        raise InvalidToken("invalid token claims")
    return value
