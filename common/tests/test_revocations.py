import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from platform_common.revocations import RevokedSubjects, parse_revocations
from platform_common.testing.issuer import TokenIssuer
from platform_common.tokens import AccessTokenVerifier, InvalidToken, StaticKeys, parse_jwks

URL = "http://auth.test/internal/revocations"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


class TestParseRevocations:
    def test_latest_moment_per_subject(self) -> None:
        document = {
            "revoked": [
                {"sub": "a", "revoked_at": 100},
                {"sub": "a", "revoked_at": 90},
                {"sub": "b", "revoked_at": 5},
            ]
        }
        assert parse_revocations(document) == {"a": 100, "b": 5}

    def test_skips_malformed_entries(self) -> None:
        document = {
            "revoked": [
                "a",
                None,
                {"sub": 1, "revoked_at": 1},
                {"sub": "x", "revoked_at": "1"},
                {"sub": "y", "revoked_at": True},
                {"sub": "z", "revoked_at": 1.5},
                {"sub": "ok", "revoked_at": 7},
            ]
        }
        assert parse_revocations(document) == {"ok": 7}

    @pytest.mark.parametrize("document", [[], {}, {"revoked": {}}, "text", None])
    def test_refuses_non_lists(self, document: object) -> None:
        with pytest.raises(ValueError, match="not a revocation list"):
            parse_revocations(document)


class TestRevokedSubjects:
    async def test_tokens_issued_up_to_the_revocation_are_revoked(
        self, http: httpx.AsyncClient
    ) -> None:
        subjects = RevokedSubjects(URL, http)
        with respx.mock:
            respx.get(URL).respond(json={"revoked": [{"sub": "u", "revoked_at": 100}]})
            await subjects.refresh()
        assert subjects.is_revoked("u", 99)
        assert subjects.is_revoked("u", 100)  # the same second: refused
        assert not subjects.is_revoked("u", 101)  # a later login
        assert not subjects.is_revoked("other", 50)

    async def test_refresh_replaces_the_list(self, http: httpx.AsyncClient) -> None:
        subjects = RevokedSubjects(URL, http)
        assert (subjects.loaded, subjects.age, len(subjects)) == (False, None, 0)
        with respx.mock:
            route = respx.get(URL).respond(json={"revoked": [{"sub": "u", "revoked_at": 10}]})
            assert await subjects.refresh()
            assert subjects.is_revoked("u", 10)
            route.respond(json={"revoked": [{"sub": "v", "revoked_at": 10}]})
            assert await subjects.refresh()
        assert not subjects.is_revoked("u", 10)
        assert subjects.is_revoked("v", 10)
        assert subjects.loaded
        assert subjects.age is not None

    @pytest.mark.parametrize(
        "failure",
        [
            httpx.Response(503),
            httpx.Response(200, content=b"not json"),
            httpx.Response(200, json={"keys": []}),
            httpx.ConnectError("auth-service down"),
            httpx.ReadTimeout("slow"),
        ],
    )
    async def test_failed_fetch_keeps_the_stale_list(
        self, http: httpx.AsyncClient, failure: httpx.Response | Exception
    ) -> None:
        subjects = RevokedSubjects(URL, http)
        with respx.mock:
            route = respx.get(URL).respond(json={"revoked": [{"sub": "u", "revoked_at": 10}]})
            await subjects.refresh()
            route.side_effect = [failure]
            assert not await subjects.refresh()
        assert subjects.is_revoked("u", 10)

    async def test_poll_forever_polls_until_cancelled(self, http: httpx.AsyncClient) -> None:
        subjects = RevokedSubjects(URL, http, interval=0.01)
        third_poll = asyncio.Event()

        def answer(_request: httpx.Request) -> httpx.Response:
            if route.call_count >= 2:
                third_poll.set()
            return httpx.Response(200, json={"revoked": []})

        with respx.mock:
            route = respx.get(URL).mock(side_effect=answer)
            task = asyncio.create_task(subjects.poll_forever())
            await asyncio.wait_for(third_poll.wait(), timeout=5)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        assert subjects.loaded


class TestVerifierWithRevocations:
    async def test_revoked_subject_refused(self, http: httpx.AsyncClient) -> None:
        issuer = TokenIssuer()
        subjects = RevokedSubjects(URL, http)
        verifier = AccessTokenVerifier(
            StaticKeys(parse_jwks(issuer.jwks())),
            issuer=issuer.issuer,
            audiences=[issuer.audience],
            revocations=subjects,
        )
        token = issuer.token("deleted-user")
        assert (await verifier.verify(token)).subject == "deleted-user"
        claims = issuer.claims("deleted-user")
        with respx.mock:
            respx.get(URL).respond(
                json={"revoked": [{"sub": "deleted-user", "revoked_at": claims["iat"]}]}
            )
            await subjects.refresh()
        with pytest.raises(InvalidToken, match="token revoked"):
            await verifier.verify(token)
        # Other subjects, and tokens issued after the revocation, are unaffected.
        assert (await verifier.verify(issuer.token("someone"))).subject == "someone"
        later = issuer.sign({**claims, "iat": claims["iat"] + 1})
        assert (await verifier.verify(later)).subject == "deleted-user"

    async def test_without_revocations_nothing_changes(self) -> None:
        issuer = TokenIssuer()
        verifier = AccessTokenVerifier(
            StaticKeys(parse_jwks(issuer.jwks())), issuer=issuer.issuer, audiences=[issuer.audience]
        )
        assert verifier.revocations is None
        assert (await verifier.verify(issuer.token("u"))).subject == "u"
