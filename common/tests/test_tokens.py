import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx

from platform_common.testing.issuer import TokenIssuer
from platform_common.tokens import (
    LEGACY_ISSUER,
    AccessTokenVerifier,
    InvalidToken,
    JwksCache,
    parse_jwks,
)

JWKS_URL = "http://auth.test/jwks"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def verifier_for(cache: JwksCache, issuer: TokenIssuer) -> AccessTokenVerifier:
    return AccessTokenVerifier(cache, issuer=issuer.issuer, audiences=[issuer.audience])


@pytest.fixture
def issuer() -> TokenIssuer:
    return TokenIssuer()


@pytest.fixture
def jwks_route(issuer: TokenIssuer) -> Iterator[respx.Route]:
    """JWKS_URL serves `issuer`'s keys while the test runs."""
    with respx.mock:
        yield respx.get(JWKS_URL).respond(json=issuer.jwks())


@pytest.fixture
def verifier(
    http: httpx.AsyncClient, issuer: TokenIssuer, jwks_route: respx.Route
) -> AccessTokenVerifier:
    """A verifier of `issuer`'s tokens, with a default key-set cache."""
    return verifier_for(JwksCache(JWKS_URL, http), issuer)


class TestParseJwks:
    def test_skips_foreign_and_malformed_keys(self) -> None:
        good = TokenIssuer().jwk
        document = {
            "keys": [
                good,
                {**good, "kid": "hs", "kty": "oct", "k": "c2VjcmV0"},
                {**good, "kid": "enc", "use": "enc"},
                {**good, "kid": "ps", "alg": "PS256"},
                {"kty": "RSA", "kid": "broken"},
                "not a key",
            ]
        }
        assert list(parse_jwks(document)) == [good["kid"]]

    @pytest.mark.parametrize("document", [[], {}, {"keys": "x"}, "text", None])
    def test_refuses_non_sets(self, document: object) -> None:
        with pytest.raises(ValueError, match="not a JWK set"):
            parse_jwks(document)


class TestJwksCache:
    async def test_fetches_once_and_caches(
        self, issuer: TokenIssuer, verifier: AccessTokenVerifier, jwks_route: respx.Route
    ) -> None:
        for _ in range(3):
            claims = await verifier.verify(issuer.token("user-1"))
            assert claims.subject == "user-1"
        assert jwks_route.call_count == 1

    async def test_refetches_on_unknown_kid_for_rotation(
        self, http: httpx.AsyncClient, issuer: TokenIssuer, jwks_route: respx.Route
    ) -> None:
        old, new = issuer, TokenIssuer()
        verifier = verifier_for(JwksCache(JWKS_URL, http, refetch_floor=0), old)
        await verifier.verify(old.token("u"))
        jwks_route.respond(json={"keys": [old.jwk, new.jwk]})
        assert (await verifier.verify(new.token("u"))).subject == "u"
        assert jwks_route.call_count == 2

    async def test_refetch_floor_limits_unknown_kid_floods(self, http: httpx.AsyncClient) -> None:
        issuer, stranger = TokenIssuer(), TokenIssuer()
        with respx.mock:
            route = respx.get(JWKS_URL).respond(json=issuer.jwks())
            verifier = verifier_for(JwksCache(JWKS_URL, http, refetch_floor=60), issuer)
            await verifier.verify(issuer.token("u"))
            for _ in range(5):
                with pytest.raises(InvalidToken, match="unknown signing key"):
                    await verifier.verify(stranger.token("u"))
            assert route.call_count == 1

    async def test_keeps_stale_keys_when_refetch_fails(self, http: httpx.AsyncClient) -> None:
        issuer = TokenIssuer()
        with respx.mock:
            route = respx.get(JWKS_URL).respond(json=issuer.jwks())
            cache = JwksCache(JWKS_URL, http, max_age=0, refetch_floor=0)
            verifier = verifier_for(cache, issuer)
            await verifier.verify(issuer.token("u"))
            route.side_effect = httpx.ConnectError("auth-service down")
            assert (await verifier.verify(issuer.token("u"))).subject == "u"
            assert route.call_count == 2

    async def test_no_keys_at_all_refuses(self, http: httpx.AsyncClient) -> None:
        issuer = TokenIssuer()
        with respx.mock:
            respx.get(JWKS_URL).respond(status_code=500)
            verifier = verifier_for(JwksCache(JWKS_URL, http), issuer)
            with pytest.raises(InvalidToken):
                await verifier.verify(issuer.token("u"))
            assert verifier.jwks.age is None


class TestAccessTokenVerifier:
    async def test_claims(self, issuer: TokenIssuer, verifier: AccessTokenVerifier) -> None:
        claims = await verifier.verify(issuer.token("u", scope="notes notes:purge"))
        assert claims.scopes == {"notes", "notes:purge"}
        assert claims.has_scope("notes:purge")
        assert claims.expires_at > claims.issued_at

    async def test_version_claim(self, issuer: TokenIssuer, verifier: AccessTokenVerifier) -> None:
        assert (await verifier.verify(issuer.token("u", ver=3))).version == 3
        assert (await verifier.verify(issuer.token("u"))).version == 0  # missing: 0
        for bad in ("3", True, -1, 1.5, None):
            with pytest.raises(InvalidToken, match="invalid token claims"):
                await verifier.verify(issuer.token("u", ver=bad))

    async def test_session_and_client_claims(
        self, issuer: TokenIssuer, verifier: AccessTokenVerifier
    ) -> None:
        """`sid` (the login session) and `client_id` (RFC 9068 §2.2): what the
        revocation list can name besides the subject."""
        claims = await verifier.verify(issuer.token("u", sid="family-1", client_id="app"))
        assert (claims.session_id, claims.client_id) == ("family-1", "app")
        plain = await verifier.verify(issuer.token("u"))
        assert (plain.session_id, plain.client_id) == (None, None)  # missing: none
        for claim in ("sid", "client_id"):
            for bad in (7, True, ["a"], {"a": 1}, "", None):
                with pytest.raises(InvalidToken, match="invalid token claims"):
                    await verifier.verify(issuer.token("u", **{claim: bad}))

    async def test_audience_list_accepted_when_one_matches(
        self, issuer: TokenIssuer, verifier: AccessTokenVerifier
    ) -> None:
        await verifier.verify(issuer.token("u", aud=["other", issuer.audience]))
        with pytest.raises(InvalidToken, match="not meant"):
            await verifier.verify(issuer.token("u", aud=["other"]))

    @pytest.mark.parametrize("claim", ["sub", "jti", "iat", "iss", "aud"])
    async def test_required_claims(
        self, issuer: TokenIssuer, verifier: AccessTokenVerifier, claim: str
    ) -> None:
        claims = {k: v for k, v in issuer.claims("u").items() if k != claim}
        with pytest.raises(InvalidToken):
            await verifier.verify(issuer.sign(claims))

    async def test_not_yet_valid(self, issuer: TokenIssuer, verifier: AccessTokenVerifier) -> None:
        claims = issuer.claims("u")
        claims["nbf"] = claims["iat"] + 3600
        with pytest.raises(InvalidToken):
            await verifier.verify(issuer.sign(claims))


class TestIssuers:
    """One issuer that tokens carry now, and earlier ones accepted until their tokens expire."""

    @pytest.fixture
    def verifier(self, http: httpx.AsyncClient, jwks_route: respx.Route) -> AccessTokenVerifier:
        return AccessTokenVerifier(
            JwksCache(JWKS_URL, http),
            issuer="https://notes.example.com/auth",
            previous_issuers=[LEGACY_ISSUER],
            audiences=["notes-platform"],
        )

    @pytest.mark.parametrize("iss", ["https://notes.example.com/auth", LEGACY_ISSUER])
    async def test_current_and_previous_accepted(
        self, issuer: TokenIssuer, verifier: AccessTokenVerifier, iss: str
    ) -> None:
        assert (await verifier.verify(issuer.token("u", iss=iss))).subject == "u"

    @pytest.mark.parametrize(
        "iss",
        [
            "https://notes.example.com/auth/",  # compared exactly (RFC 8414 §3.3)
            "https://notes.example.com",
            "https://evil.example/auth",
            ["https://notes.example.com/auth"],
            None,
        ],
    )
    async def test_anything_else_refused(
        self, issuer: TokenIssuer, verifier: AccessTokenVerifier, iss: object
    ) -> None:
        with pytest.raises(InvalidToken, match="invalid token"):
            await verifier.verify(issuer.token("u", iss=iss))

    async def test_previous_issuer_still_expires(
        self, issuer: TokenIssuer, verifier: AccessTokenVerifier
    ) -> None:
        with pytest.raises(InvalidToken, match="expired"):
            await verifier.verify(issuer.token("u", iss=LEGACY_ISSUER, lifetime=-60))

    async def test_no_previous_issuer_by_default(
        self, http: httpx.AsyncClient, issuer: TokenIssuer, jwks_route: respx.Route
    ) -> None:
        verifier = AccessTokenVerifier(
            JwksCache(JWKS_URL, http), issuer=issuer.issuer, audiences=[issuer.audience]
        )
        with pytest.raises(InvalidToken, match="invalid token"):
            await verifier.verify(issuer.token("u", iss=LEGACY_ISSUER))


class TestVerifiedTokenCache:
    async def test_repeat_skips_the_signature_check(
        self, issuer: TokenIssuer, verifier: AccessTokenVerifier, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        token = issuer.token("u")
        first = await verifier.verify(token)
        calls: list[str] = []
        monkeypatch.setattr(verifier, "_verify_signature_and_claims", lambda t: calls.append(t))
        assert await verifier.verify(token) == first
        assert calls == []

    async def test_cached_token_still_expires(
        self, issuer: TokenIssuer, verifier: AccessTokenVerifier, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        token = issuer.token("u", lifetime=60)
        await verifier.verify(token)
        later = time.time() + 3600
        monkeypatch.setattr(time, "time", lambda: later)
        with pytest.raises(InvalidToken, match="expired"):
            await verifier.verify(token)

    async def test_key_set_change_forgets_verified_tokens(
        self, http: httpx.AsyncClient, issuer: TokenIssuer, jwks_route: respx.Route
    ) -> None:
        old, new = issuer, TokenIssuer()
        verifier = verifier_for(JwksCache(JWKS_URL, http, refetch_floor=0), old)
        token = old.token("u")
        await verifier.verify(token)
        jwks_route.respond(json=new.jwks())  # the old key is withdrawn
        await verifier.verify(new.token("u"))  # unknown kid: refetch
        with pytest.raises(InvalidToken, match="unknown signing key"):
            await verifier.verify(token)

    async def test_a_withdrawn_key_is_noticed_after_max_age_with_only_cached_tokens(
        self, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Key retirement: clients keep using tokens the verifier already knows;
        # none has an unknown kid, yet the old key must stop counting once the
        # keys are older than max_age.
        old, new = TokenIssuer(), TokenIssuer()
        with respx.mock:
            route = respx.get(JWKS_URL).respond(json={"keys": [old.jwk, new.jwk]})
            cache = JwksCache(JWKS_URL, http, max_age=60, refetch_floor=10)
            verifier = verifier_for(cache, old)
            token = old.token("u")
            await verifier.verify(token)
            route.respond(json=new.jwks())  # the old key is retired
            later = time.monotonic() + 61
            monkeypatch.setattr(time, "monotonic", lambda: later)
            with pytest.raises(InvalidToken, match="unknown signing key"):
                await verifier.verify(token)
            assert route.call_count == 2

    @pytest.mark.usefixtures("jwks_route")
    async def test_size_is_bounded(self, http: httpx.AsyncClient, issuer: TokenIssuer) -> None:
        verifier = AccessTokenVerifier(
            JwksCache(JWKS_URL, http),
            issuer=issuer.issuer,
            audiences=[issuer.audience],
            cache_size=3,
        )
        for n in range(5):
            await verifier.verify(issuer.token(f"user-{n}"))
        assert len(verifier._verified) == 3

    @pytest.mark.usefixtures("jwks_route")
    async def test_a_token_in_use_stays_cached(
        self, http: httpx.AsyncClient, issuer: TokenIssuer
    ) -> None:
        # Least recently used goes first, not first verified: a busy client's
        # token is not pushed out by a crowd of newcomers.
        verifier = AccessTokenVerifier(
            JwksCache(JWKS_URL, http),
            issuer=issuer.issuer,
            audiences=[issuer.audience],
            cache_size=2,
        )
        busy, other, newcomer = (issuer.token(name) for name in ("busy", "other", "newcomer"))
        await verifier.verify(busy)
        await verifier.verify(other)
        await verifier.verify(busy)
        await verifier.verify(newcomer)
        assert set(verifier._verified) == {busy, newcomer}
