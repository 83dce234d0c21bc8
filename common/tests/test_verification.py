"""The remote verifier the gateway and notes-service build (platform_common.verification)."""

import asyncio
from typing import Any

import httpx
import pytest
import respx

from platform_common.testing.issuer import TokenIssuer
from platform_common.tokens import LEGACY_ISSUER, InvalidToken
from platform_common.verification import VerifierSettings, build_remote_verifier

JWKS_URL = "http://auth.test/auth/.well-known/jwks.json"
REVOCATIONS_URL = "http://auth.test/internal/revocations"


def verifier_settings(**changes: Any) -> VerifierSettings:
    """A process's verifier settings, the URLs pointing at the mocked auth-service."""
    values: dict[str, Any] = {
        "jwks_url": JWKS_URL,
        "jwks_refetch_floor_seconds": 0.0,
        "revocations_url": REVOCATIONS_URL,
        "revocations_poll_interval_seconds": 0.01,
    }
    return VerifierSettings(**{**values, **changes})


async def test_verifies_with_the_jwks_and_refuses_revoked_subjects() -> None:
    issuer = TokenIssuer()
    token = issuer.token("user-1")
    remote = build_remote_verifier(verifier_settings(), audiences=[issuer.audience])
    try:
        with respx.mock(assert_all_mocked=True) as mock:
            mock.get(JWKS_URL).respond(json=issuer.jwks())
            polled = asyncio.Event()

            def revocation_list(_: httpx.Request) -> httpx.Response:
                polled.set()
                return httpx.Response(
                    200, json={"revoked": [{"sub": "user-1", "min_version": None}]}
                )

            listed = mock.get(REVOCATIONS_URL).mock(side_effect=revocation_list)
            assert (await remote.verifier.verify(issuer.token("user-2"))).subject == "user-2"
            async with remote.polling():
                for _ in range(2):  # after the second poll, the first one's list is in use
                    polled.clear()
                    await asyncio.wait_for(polled.wait(), timeout=5)
            calls = listed.call_count
            await asyncio.sleep(0.05)
            assert listed.call_count == calls  # the poller stopped with the block
            with pytest.raises(InvalidToken, match="revoked"):
                await remote.verifier.verify(token)
    finally:
        await remote.aclose()


@pytest.mark.parametrize(("previous", "legacy_accepted"), [([LEGACY_ISSUER], True), ([], False)])
async def test_issuers_from_the_settings(previous: list[str], legacy_accepted: bool) -> None:
    """Tokens carry JWT_ISSUER; JWT_PREVIOUS_ISSUERS are accepted too (issue 33)."""
    issuer = TokenIssuer(issuer="https://notes.example.com/auth")
    settings = verifier_settings(
        jwt_issuer=issuer.issuer, jwt_previous_issuers=previous, revocations_enabled=False
    )
    remote = build_remote_verifier(settings, audiences=[issuer.audience])
    try:
        with respx.mock(assert_all_mocked=True) as mock:
            mock.get(JWKS_URL).respond(json=issuer.jwks())
            assert (await remote.verifier.verify(issuer.token("now"))).subject == "now"
            legacy = issuer.token("before", iss=LEGACY_ISSUER)
            if legacy_accepted:
                assert (await remote.verifier.verify(legacy)).subject == "before"
            else:
                with pytest.raises(InvalidToken, match="invalid token"):
                    await remote.verifier.verify(legacy)
            with pytest.raises(InvalidToken, match="invalid token"):
                await remote.verifier.verify(issuer.token("x", iss="https://evil.example/auth"))
    finally:
        await remote.aclose()


async def test_revocations_switched_off_by_the_flag_alone() -> None:
    remote = build_remote_verifier(verifier_settings(revocations_enabled=False), audiences=["a"])
    try:
        assert remote.revocations is None
        assert remote.verifier.revocations is None
        async with remote.polling():
            pass  # nothing to poll, nothing to fail
    finally:
        await remote.aclose()


def test_enabled_without_url_refused() -> None:
    with pytest.raises(ValueError, match="no revocations URL"):
        build_remote_verifier(verifier_settings(revocations_url=""), audiences=["a"])


async def test_calls_to_auth_service_ignore_proxy_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:1")
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:1")
    remote = build_remote_verifier(verifier_settings(), audiences=["a"])
    try:
        assert remote.http.trust_env is False
    finally:
        await remote.aclose()
