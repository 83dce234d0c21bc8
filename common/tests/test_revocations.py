import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import NamedTuple

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
        assert parse_revocations(document).subjects == {"a": 5, "b": 1, "c": None}

    def test_sessions_and_clients(self) -> None:
        document = {
            **listing(("a", 1)),
            "sessions": [{"sid": "s1"}, {"sid": "s2"}, {"sid": "s1"}],
            # A client listed twice keeps its latest not_before: the strictest.
            "clients": [
                {"client_id": "app", "not_before": 100},
                {"client_id": "app", "not_before": 200},
                {"client_id": "app", "not_before": 150},
                {"client_id": "other", "not_before": 0},
            ],
        }
        parsed = parse_revocations(document)
        assert parsed.subjects == {"a": 1}
        assert parsed.sessions == {"s1", "s2"}
        assert parsed.clients == {"app": 200, "other": 0}

    def test_a_list_without_sessions_or_clients(self) -> None:
        """An auth-service from before sessions and clients were listed: none are."""
        parsed = parse_revocations(listing(("a", 1)))
        assert (parsed.sessions, parsed.clients) == (frozenset(), {})

    @pytest.mark.parametrize(
        "extra",
        [
            {"sessions": {}},
            {"sessions": None},
            {"sessions": ["s1"]},
            {"sessions": [{"sid": 1}]},
            {"sessions": [{"sid": ""}]},
            {"sessions": [{}]},
            {"clients": "app"},
            {"clients": [{"client_id": "app"}]},
            {"clients": [{"not_before": 1}]},
            {"clients": [{"client_id": "app", "not_before": "1"}]},
            {"clients": [{"client_id": "app", "not_before": 1.5}]},
            {"clients": [{"client_id": "app", "not_before": True}]},
            {"clients": [{"client_id": "app", "not_before": -1}]},
            {"clients": [{"client_id": "app", "not_before": None}]},
            {"clients": [{"client_id": 7, "not_before": 1}]},
            {"clients": [{"client_id": "", "not_before": 1}]},
        ],
    )
    def test_refuses_a_malformed_session_or_client(self, extra: dict[str, object]) -> None:
        # As for subjects: the whole list is refused (and the last good one kept).
        with pytest.raises(ValueError, match="malformed revocation"):
            parse_revocations({**listing(("ok", 1)), **extra})

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


@dataclass(frozen=True)
class Token:
    """What the list judges a token by (platform_common.tokens.AccessClaims has these)."""

    subject: str = "user"
    version: int = 0
    session_id: str | None = None
    client_id: str | None = None
    issued_at: int = 0


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

    async def test_sessions_and_clients_are_revoked(self, http: httpx.AsyncClient) -> None:
        revocations = RevokedSubjects(URL, http)
        with respx.mock:
            respx.get(URL).respond(
                json={
                    **listing(),
                    "sessions": [{"sid": "ended"}],
                    "clients": [{"client_id": "app", "not_before": 1000}],
                }
            )
            await revocations.refresh()
        assert revocations.refuses(Token(session_id="ended"))
        assert not revocations.refuses(Token(session_id="live"))
        assert revocations.refuses(Token(client_id="app", issued_at=999))
        # Issued at or after not_before: after the client's revocation.
        assert not revocations.refuses(Token(client_id="app", issued_at=1000))
        assert not revocations.refuses(Token(client_id="other", issued_at=0))
        assert not revocations.refuses(Token())
        assert len(revocations) == 2

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


class Verifying(NamedTuple):
    issuer: TokenIssuer
    subjects: RevokedSubjects
    verifier: AccessTokenVerifier[StaticKeys]


def verifying(http: httpx.AsyncClient, **options: float) -> Verifying:
    """A verifier of a new issuer's tokens, with its revocation list at URL."""
    issuer = TokenIssuer()
    subjects = RevokedSubjects(URL, http, **options)
    return Verifying(issuer, subjects, verifier_for(issuer, subjects))


class TestVerifierWithRevocations:
    async def test_older_token_version_refused(self, http: httpx.AsyncClient) -> None:
        issuer, subjects, verifier = verifying(http)
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

    async def test_tokens_of_a_listed_session_refused(self, http: httpx.AsyncClient) -> None:
        issuer, revocations, verifier = verifying(http)
        ended = issuer.token("user", ver=0, sid="ended")
        live = issuer.token("user", ver=0, sid="live")
        with respx.mock:
            route = respx.get(URL).respond(json=listing())
            await revocations.refresh()
            assert (await verifier.verify(ended)).session_id == "ended"  # accepted, then cached
            route.respond(json={**listing(), "sessions": [{"sid": "ended"}]})
            await revocations.refresh()
        with pytest.raises(InvalidToken, match="token revoked"):
            await verifier.verify(ended)
        assert (await verifier.verify(live)).session_id == "live"
        assert (await verifier.verify(issuer.token("user"))).session_id is None

    async def test_tokens_a_listed_client_was_issued_before_refused(
        self, http: httpx.AsyncClient
    ) -> None:
        issuer, revocations, verifier = verifying(http)
        now = int(time.time())
        before = issuer.token("user", client_id="app", iat=now - 5)
        after = issuer.token("user", client_id="app", iat=now)
        with respx.mock:
            respx.get(URL).respond(
                json={**listing(), "clients": [{"client_id": "app", "not_before": now}]}
            )
            await revocations.refresh()
        with pytest.raises(InvalidToken, match="token revoked"):
            await verifier.verify(before)
        assert (await verifier.verify(after)).client_id == "app"
        other = issuer.token("user", client_id="other", iat=now - 5)
        assert (await verifier.verify(other)).client_id == "other"
        # A token naming no client is not the client's, whatever its subject.
        assert (await verifier.verify(issuer.token("app", iat=now - 5))).client_id is None

    async def test_a_token_accepted_once_is_refused_after_the_change(
        self, http: httpx.AsyncClient
    ) -> None:
        issuer, subjects, verifier = verifying(http)
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
        issuer, subjects, verifier = verifying(http, retry_floor=3600)
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
        issuer, subjects, verifier = verifying(http, retry_floor=3600)
        with respx.mock:
            route = respx.get(URL).respond(503)
            assert not await subjects.refresh()
            route.respond(json=listing())
            assert (await verifier.verify(issuer.token("user"))).subject == "user"
        assert subjects.loaded

    async def test_first_verify_loads_the_list(self, http: httpx.AsyncClient) -> None:
        issuer, subjects, verifier = verifying(http)
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
