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


def listing(*entries: tuple[str, int | None]) -> dict[str, object]:
    return {"revoked": [{"sub": sub, "min_version": version} for sub, version in entries]}


class TestParseRevocations:
    def test_strictest_entry_per_subject(self) -> None:
        document = listing(("a", 3), ("a", 5), ("b", 1), ("c", 2), ("c", None))
        assert parse_revocations(document) == {"a": 5, "b": 1, "c": None}

    @pytest.mark.parametrize(
        "entry",
        [
            "a",
            None,
            {"sub": 1, "min_version": 1},
            {"sub": "x", "min_version": "1"},
            {"sub": "y", "min_version": True},
            {"sub": "z", "min_version": 1.5},
            {"sub": "w", "min_version": -1},
            {"sub": "v"},
            {"sub": "u", "revoked_at": 7},  # the format before token versions
        ],
    )
    def test_refuses_a_malformed_entry(self, entry: object) -> None:
        # The whole list, not just the entry: skipping it would quietly let that
        # subject's tokens through, while a refused list keeps the last good one.
        with pytest.raises(ValueError, match="malformed revocation entry"):
            parse_revocations({"revoked": [{"sub": "ok", "min_version": 1}, entry]})

    @pytest.mark.parametrize("document", [[], {}, {"revoked": {}}, "text", None])
    def test_refuses_non_lists(self, document: object) -> None:
        with pytest.raises(ValueError, match="not a revocation list"):
            parse_revocations(document)


class TestRevokedSubjects:
    async def test_versions_below_the_minimum_are_revoked(self, http: httpx.AsyncClient) -> None:
        subjects = RevokedSubjects(URL, http)
        with respx.mock:
            respx.get(URL).respond(json=listing(("u", 2), ("gone", None)))
            await subjects.refresh()
        assert subjects.is_revoked("u", 0)
        assert subjects.is_revoked("u", 1)
        assert not subjects.is_revoked("u", 2)  # issued after the change
        assert not subjects.is_revoked("u", 3)
        assert subjects.is_revoked("gone", 0)  # deleted: no version is valid
        assert subjects.is_revoked("gone", 10**6)
        assert not subjects.is_revoked("other", 0)

    async def test_refresh_replaces_the_list(self, http: httpx.AsyncClient) -> None:
        subjects = RevokedSubjects(URL, http)
        assert (subjects.loaded, subjects.age, len(subjects)) == (False, None, 0)
        with respx.mock:
            route = respx.get(URL).respond(json=listing(("u", 1)))
            assert await subjects.refresh()
            assert subjects.is_revoked("u", 0)
            route.respond(json=listing(("v", 1)))
            assert await subjects.refresh()
        assert not subjects.is_revoked("u", 0)
        assert subjects.is_revoked("v", 0)
        assert subjects.loaded
        assert subjects.age is not None

    @pytest.mark.parametrize(
        "failure",
        [
            httpx.Response(503),
            httpx.Response(200, content=b"not json"),
            httpx.Response(200, json={"keys": []}),
            httpx.Response(200, json={"revoked": [{"sub": "u", "revoked_at": 10}]}),
            httpx.ConnectError("auth-service down"),
            httpx.ReadTimeout("slow"),
        ],
    )
    async def test_failed_fetch_keeps_the_stale_list(
        self, http: httpx.AsyncClient, failure: httpx.Response | Exception
    ) -> None:
        subjects = RevokedSubjects(URL, http)
        with respx.mock:
            route = respx.get(URL).respond(json=listing(("u", 1)))
            await subjects.refresh()
            route.side_effect = [failure]
            assert not await subjects.refresh()
        assert subjects.is_revoked("u", 0)

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


def verifier_for(
    issuer: TokenIssuer, subjects: RevokedSubjects | None
) -> AccessTokenVerifier[StaticKeys]:
    return AccessTokenVerifier(
        StaticKeys(parse_jwks(issuer.jwks())),
        issuer=issuer.issuer,
        audiences=[issuer.audience],
        revocations=subjects,
    )


class TestVerifierWithRevocations:
    async def test_older_token_version_refused(self, http: httpx.AsyncClient) -> None:
        issuer = TokenIssuer()
        subjects = RevokedSubjects(URL, http)
        verifier = verifier_for(issuer, subjects)
        old = issuer.token("user", ver=1)
        unversioned = issuer.token("user")  # no `ver`: version 0
        with respx.mock:
            respx.get(URL).respond(json=listing(("user", 2), ("gone", None)))
            await subjects.refresh()
        with pytest.raises(InvalidToken, match="token revoked"):
            await verifier.verify(old)
        with pytest.raises(InvalidToken, match="token revoked"):
            await verifier.verify(unversioned)
        with pytest.raises(InvalidToken, match="token revoked"):
            await verifier.verify(issuer.token("gone", ver=7))
        # The current version, and other subjects, are unaffected.
        assert (await verifier.verify(issuer.token("user", ver=2))).version == 2
        assert (await verifier.verify(issuer.token("someone"))).subject == "someone"

    async def test_a_token_accepted_once_is_refused_after_the_change(
        self, http: httpx.AsyncClient
    ) -> None:
        issuer = TokenIssuer()
        subjects = RevokedSubjects(URL, http)
        verifier = verifier_for(issuer, subjects)
        token = issuer.token("user", ver=0)
        with respx.mock:
            route = respx.get(URL).respond(json=listing())
            await subjects.refresh()
            assert (await verifier.verify(token)).subject == "user"
            route.respond(json=listing(("user", 1)))
            await subjects.refresh()
        with pytest.raises(InvalidToken, match="token revoked"):
            await verifier.verify(token)

    async def test_fails_closed_until_the_list_loads(self, http: httpx.AsyncClient) -> None:
        issuer = TokenIssuer()
        subjects = RevokedSubjects(URL, http, retry_floor=3600)
        verifier = verifier_for(issuer, subjects)
        with respx.mock:
            route = respx.get(URL).respond(503)
            with pytest.raises(InvalidToken, match="revocation list not loaded"):
                await verifier.verify(issuer.token("user"))
            assert route.call_count == 1
            # Within the retry floor no second load is attempted: a flood of
            # tokens cannot turn into a flood of fetches.
            for _ in range(5):
                with pytest.raises(InvalidToken, match="revocation list not loaded"):
                    await verifier.verify(issuer.token("user"))
            assert route.call_count == 1
        assert not subjects.loaded

    async def test_a_failed_first_poll_does_not_hold_back_the_first_request(
        self, http: httpx.AsyncClient
    ) -> None:
        """auth-service was still starting when the poller first asked."""
        issuer = TokenIssuer()
        subjects = RevokedSubjects(URL, http, retry_floor=3600)
        verifier = verifier_for(issuer, subjects)
        with respx.mock:
            route = respx.get(URL).respond(503)
            assert not await subjects.refresh()
            route.respond(json=listing())
            assert (await verifier.verify(issuer.token("user"))).subject == "user"
        assert subjects.loaded

    async def test_first_verify_loads_the_list(self, http: httpx.AsyncClient) -> None:
        issuer = TokenIssuer()
        subjects = RevokedSubjects(URL, http)
        verifier = verifier_for(issuer, subjects)
        with respx.mock:
            route = respx.get(URL).respond(json=listing(("revoked-user", 1)))
            tokens = [issuer.token("user") for _ in range(10)]
            claims = await asyncio.gather(*(verifier.verify(token) for token in tokens))
            with pytest.raises(InvalidToken, match="token revoked"):
                await verifier.verify(issuer.token("revoked-user"))
        assert {c.subject for c in claims} == {"user"}
        assert subjects.loaded
        assert route.call_count == 1  # one load, under the lock, for ten requests

    async def test_without_revocations_nothing_changes(self) -> None:
        issuer = TokenIssuer()
        verifier = verifier_for(issuer, None)
        assert verifier.revocations is None
        assert (await verifier.verify(issuer.token("u"))).subject == "u"
