"""The personal access token's format (platform_common.personal_tokens) and
how a verifier checks one (platform_common.personal_token_checks)."""

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import respx
from prometheus_client import REGISTRY

from platform_common import personal_tokens
from platform_common.personal_token_checks import PersonalTokenChecker
from platform_common.testing.issuer import TokenIssuer
from platform_common.tokens import InvalidToken
from platform_common.verification import VerifierSettings, build_remote_verifier

CHECK_URL = "http://auth.test/internal/personal-tokens/check"
REVOCATIONS_URL = "http://auth.test/internal/revocations"
JWKS_URL = "http://auth.test/auth/.well-known/jwks.json"


def malformed_count() -> float:
    return REGISTRY.get_sample_value("personal_tokens_malformed_total") or 0.0


def active(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    answer = {
        "active": True,
        "sub": "user-1",
        "scope": "notes:read",
        "jti": "token-1",
        "ver": 0,
        "iat": now,
        "exp": now + 3600,
    }
    return {**answer, **changes}


class TestFormat:
    def test_new_tokens_are_well_formed_and_distinct(self) -> None:
        tokens = {personal_tokens.new_token() for _ in range(100)}
        assert len(tokens) == 100
        for token in tokens:
            assert personal_tokens.well_formed(token)
            assert token.startswith("np_pat_")
            assert len(token) == personal_tokens.LENGTH

    def test_at_least_160_random_bits(self) -> None:
        assert personal_tokens.RANDOM_LENGTH * 5.954 >= 160  # log2(62) = 5.954...

    @pytest.mark.parametrize(
        "change",
        [
            lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # checksum
            lambda t: t[:10] + ("x" if t[10] != "x" else "y") + t[11:],  # a typo
            lambda t: t[:-1],  # short
            lambda t: t + "0",  # long
            lambda t: "np_pot_" + t[7:],  # prefix
            lambda t: t[:-7] + "-" + t[-6:],  # not base62
        ],
    )
    def test_refuses_changed_tokens(self, change: Callable[[str], str]) -> None:
        token = personal_tokens.new_token()
        assert not personal_tokens.well_formed(change(token))

    def test_hash_and_visible_part(self) -> None:
        token = personal_tokens.new_token()
        assert len(personal_tokens.token_hash(token)) == 64
        assert personal_tokens.visible_part(token) == f"np_pat_…{token[-4:]}"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


class TestChecker:
    async def test_malformed_refused_without_a_request_and_counted(
        self, http: httpx.AsyncClient
    ) -> None:
        checker = PersonalTokenChecker(CHECK_URL, http)
        token = personal_tokens.new_token()
        bad = token[:-1] + ("A" if token[-1] != "A" else "B")
        before = malformed_count()
        with respx.mock(assert_all_called=False) as mock:
            route = mock.post(CHECK_URL).respond(json=active())
            with pytest.raises(InvalidToken, match="malformed"):
                await checker.claims(bad, address=None)
            assert route.call_count == 0
        assert malformed_count() == before + 1

    async def test_asks_with_the_hash_and_caches_per_address(self, http: httpx.AsyncClient) -> None:
        checker = PersonalTokenChecker(CHECK_URL, http)
        token = personal_tokens.new_token()
        with respx.mock() as mock:
            route = mock.post(CHECK_URL).respond(json=active())
            for _ in range(3):
                claims = await checker.claims(token, address="192.0.2.1")
            assert claims.subject == "user-1"
            assert claims.scopes == {"notes:read"}
            assert claims.session_id == claims.token_id == "token-1"
            await checker.claims(token, address="192.0.2.2")
            assert route.call_count == 2
            sent = json.loads(route.calls[0].request.content)
            assert sent == {"token_hash": personal_tokens.token_hash(token), "address": "192.0.2.1"}
            assert token not in route.calls[0].request.content.decode()

    async def test_refusals_are_cached_too(self, http: httpx.AsyncClient) -> None:
        checker = PersonalTokenChecker(CHECK_URL, http)
        token = personal_tokens.new_token()
        with respx.mock() as mock:
            route = mock.post(CHECK_URL).respond(json={"active": False})
            for _ in range(3):
                with pytest.raises(InvalidToken, match="not valid"):
                    await checker.claims(token, address=None)
            assert route.call_count == 1

    async def test_cached_answer_expires(self, http: httpx.AsyncClient) -> None:
        checker = PersonalTokenChecker(CHECK_URL, http, cache_seconds=0.05)
        token = personal_tokens.new_token()
        with respx.mock() as mock:
            route = mock.post(CHECK_URL)
            route.side_effect = [
                httpx.Response(200, json=active()),
                httpx.Response(200, json={"active": False}),
            ]
            await checker.claims(token, address=None)
            await asyncio.sleep(0.06)
            with pytest.raises(InvalidToken):
                await checker.claims(token, address=None)

    async def test_an_expired_token_is_refused_from_the_cache(
        self, http: httpx.AsyncClient
    ) -> None:
        checker = PersonalTokenChecker(CHECK_URL, http)
        token = personal_tokens.new_token()
        with respx.mock() as mock:
            mock.post(CHECK_URL).respond(json=active(exp=int(time.time()) + 1))
            await checker.claims(token, address=None)
            await asyncio.sleep(1.1)
            with pytest.raises(InvalidToken, match="expired"):
                await checker.claims(token, address=None)

    async def test_cache_is_bounded(self, http: httpx.AsyncClient) -> None:
        checker = PersonalTokenChecker(CHECK_URL, http, cache_size=3)
        with respx.mock() as mock:
            mock.post(CHECK_URL).respond(json={"active": False})
            for _ in range(10):
                with pytest.raises(InvalidToken):
                    await checker.claims(personal_tokens.new_token(), address=None)
        assert len(checker) == 3

    @pytest.mark.parametrize(
        "answer",
        [
            httpx.Response(503),
            httpx.Response(200, json={"active": True}),
            httpx.Response(200, json=active(ver="1")),
            httpx.Response(200, text="not json"),
        ],
    )
    async def test_a_failed_or_malformed_check_refuses(
        self, http: httpx.AsyncClient, answer: httpx.Response
    ) -> None:
        checker = PersonalTokenChecker(CHECK_URL, http)
        with respx.mock() as mock:
            mock.post(CHECK_URL).mock(return_value=answer)
            with pytest.raises(InvalidToken, match="cannot be checked"):
                await checker.claims(personal_tokens.new_token(), address=None)


class TestRemoteVerifier:
    """A PAT through the verifier the gateway and notes-service build: the
    revocation list judges its claims as it judges a JWT's."""

    async def verify_with_list(self, revoked: dict[str, Any], answers: list[dict[str, Any]]) -> Any:
        settings = VerifierSettings(
            jwks_url=JWKS_URL,
            revocations_url=REVOCATIONS_URL,
            revocations_poll_interval_seconds=60,
        )
        remote = build_remote_verifier(settings, audiences=[TokenIssuer().audience])
        token = personal_tokens.new_token()
        try:
            with respx.mock() as mock:
                mock.get(REVOCATIONS_URL).respond(json={"revoked": [], **revoked})
                check = mock.post(CHECK_URL)
                check.side_effect = [httpx.Response(200, json=a) for a in answers]
                try:
                    return await remote.verifier.verify(token, address="192.0.2.1")
                finally:
                    assert check.call_count == len(answers)
        finally:
            await remote.aclose()

    async def test_accepted(self) -> None:
        claims = await self.verify_with_list({}, [active()])
        assert claims.subject == "user-1"

    async def test_revoked_token_refused(self) -> None:
        with pytest.raises(InvalidToken, match="not valid"):
            await self.verify_with_list(
                {"sessions": [{"sid": "token-1"}]}, [active(), {"active": False}]
            )

    async def test_deleted_owner_refused(self) -> None:
        with pytest.raises(InvalidToken, match="not valid"):
            await self.verify_with_list(
                {"revoked": [{"sub": "user-1", "min_version": None}]}, [active(), {"active": False}]
            )

    async def test_a_password_change_is_survived(self) -> None:
        """The list ends version 0; auth-service, asked again, says version 1 is current."""
        claims = await self.verify_with_list(
            {"revoked": [{"sub": "user-1", "min_version": 1}]}, [active(), active(ver=1)]
        )
        assert claims.version == 1
