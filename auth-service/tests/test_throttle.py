"""Failed-login throttling in auth-service (issue 11, items 1 and 2).

Counted before the password is checked, whatever the body looks like, per
(account, address), per address, and per account for unknown addresses only.
The hasher's calls are counted: an attempt refused by the throttle never
reaches it.
"""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts import throttle
from auth_service.security import PasswordHasher
from tests.conftest import COMMITTED_DOMAIN, PASSWORD, ClientAt, register, unique_email

WRONG = "not the password"
LIMIT = 5  # AUTH_LOGIN_LIMIT_PER_ACCOUNT_ADDRESS's default


@pytest.fixture
def hashes(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password the app's hasher verifies, in order."""
    hasher: PasswordHasher = app.state.auth.hasher
    verify = hasher.verify
    seen: list[str] = []

    async def counting(password: str, hashed: str | None) -> tuple[bool, str | None]:
        seen.append(password)
        return await verify(password, hashed)

    monkeypatch.setattr(hasher, "verify", counting)
    return seen


def token_form(username: str, password: str) -> dict[str, str]:
    return {"grant_type": "password", "username": username, "password": password}


def multipart(fields: list[tuple[str, str]]) -> tuple[bytes, dict[str, str]]:
    body = b"".join(
        b'--b0undary\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
        % (name.encode(), value.encode())
        for name, value in fields
    )
    return body + b"--b0undary--\r\n", {"Content-Type": "multipart/form-data; boundary=b0undary"}


def urlencoded(raw: bytes) -> dict[str, Any]:
    return {"content": raw, "headers": {"Content-Type": "application/x-www-form-urlencoded"}}


def bodies(victim: str) -> dict[str, dict[str, Any]]:
    """Item 1's bodies that went around the gateway's parser, each with a wrong password."""
    fields = list(token_form(victim, WRONG).items())
    content, headers = multipart(fields)
    return {
        "urlencoded": {"data": dict(fields)},
        "multipart": {"content": content, "headers": headers},
        "repeated username": urlencoded(
            f"grant_type=password&username=decoy%40example.com&username={victim}"
            f"&password={WRONG}".encode()
        ),
        "more than 20 fields": {"data": {**dict(fields), **{f"f{i}": "x" for i in range(25)}}},
        "non-UTF-8 byte in another field": urlencoded(
            f"grant_type=password&username={victim}&password={WRONG}&note=".encode() + b"\xff"
        ),
    }


def assert_throttled(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["error"] == "slow_down"
    assert set(response.json()) == {"error", "error_description"}
    assert 0 < int(response.headers["Retry-After"]) <= 3600  # the longest window


class TestCountedBeforeTheHash:
    @pytest.mark.parametrize(
        "body",
        [
            "urlencoded",
            "multipart",
            "repeated username",
            "more than 20 fields",
            "non-UTF-8 byte in another field",
        ],
    )
    async def test_every_body_is_counted(
        self, client: httpx.AsyncClient, hashes: list[str], body: str
    ) -> None:
        victim = (await register(client))["email"]
        hashes.clear()
        statuses = []
        for _ in range(12):
            response = await client.post("/auth/token", **bodies(victim)[body])
            statuses.append(response.status_code)
        assert statuses == [400] * LIMIT + [429] * (12 - LIMIT)
        assert hashes == [WRONG] * LIMIT
        assert_throttled(response)

    async def test_the_account_is_counted_in_its_normal_form(
        self, client: httpx.AsyncClient, hashes: list[str]
    ) -> None:
        victim = (await register(client))["email"]
        hashes.clear()
        spellings = [victim, victim.upper(), f"  {victim} ", victim.title()]
        responses = [
            await client.post("/auth/token", data=token_form(spellings[i % 4], WRONG))
            for i in range(8)
        ]
        assert [r.status_code for r in responses] == [400] * LIMIT + [429] * 3
        assert len(hashes) == LIMIT

    async def test_unknown_accounts_are_counted_too(
        self, client: httpx.AsyncClient, hashes: list[str]
    ) -> None:
        statuses = [
            (
                await client.post("/auth/token", data=token_form("nobody@example.com", WRONG))
            ).status_code
            for _ in range(7)
        ]
        assert statuses == [400] * LIMIT + [429] * 2


@pytest.fixture
async def committed_throttle(app: FastAPI) -> AsyncIterator[None]:
    """Counters written by committed_client's requests are removed afterwards."""
    yield
    async with app.state.auth.sessionmaker() as cleanup:
        await cleanup.execute(text("TRUNCATE auth.login_attempts, auth.known_login_addresses"))
        await cleanup.commit()


class TestConcurrentBurst:
    async def test_at_most_the_limit_reach_the_hash(
        self, committed_client: httpx.AsyncClient, hashes: list[str], committed_throttle: None
    ) -> None:
        victim = (await register(committed_client, email=unique_email(COMMITTED_DOMAIN)))["email"]
        hashes.clear()
        responses = await asyncio.gather(
            *(
                committed_client.post("/auth/token", data=token_form(victim, WRONG))
                for _ in range(12)
            )
        )
        assert sorted(r.status_code for r in responses) == [400] * LIMIT + [429] * (12 - LIMIT)
        assert hashes == [WRONG] * LIMIT


class TestNoLockoutByStrangers:
    async def test_owner_logs_in_from_a_known_address(
        self, client: httpx.AsyncClient, client_at: ClientAt
    ) -> None:
        owner = (await register(client))["email"]
        home, stranger, elsewhere = (
            client_at("127.0.0.3"),
            client_at("127.0.0.2"),
            client_at("127.0.0.4"),
        )
        assert (await home.post("/auth/token", data=token_form(owner, PASSWORD))).status_code == 200
        # Past the per-(account, address) limit and the account-wide ceiling (50).
        for _ in range(60):
            await stranger.post("/auth/token", data=token_form(owner, WRONG))
        assert_throttled(await stranger.post("/auth/token", data=token_form(owner, PASSWORD)))
        # The owner's known address is held only to its own limit.
        own = await home.post("/auth/token", data=token_form(owner, PASSWORD))
        assert own.status_code == 200
        # An address that never logged in meets the account-wide ceiling: the
        # price of stopping a distributed guess (README, Login throttling).
        assert_throttled(await elsewhere.post("/auth/token", data=token_form(owner, PASSWORD)))
        # The stranger's address is not barred from other accounts.
        other = (await register(client))["email"]
        answer = await stranger.post("/auth/token", data=token_form(other, PASSWORD))
        assert answer.status_code == 200

    async def test_per_address_limit_spares_known_accounts(
        self, client: httpx.AsyncClient, client_at: ClientAt
    ) -> None:
        sprayer = client_at("127.0.0.5")
        owner = (await register(client))["email"]
        assert (await sprayer.post("/auth/token", data=token_form(owner, PASSWORD))).is_success
        statuses = [
            (await sprayer.post("/auth/token", data=token_form(unique_email(), WRONG))).status_code
            for _ in range(101)
        ]
        assert statuses == [400] * 100 + [429]
        assert_throttled(
            await sprayer.post(
                "/auth/token", data=token_form((await register(client))["email"], PASSWORD)
            )
        )
        assert (await sprayer.post("/auth/token", data=token_form(owner, PASSWORD))).is_success

    async def test_successful_logins_do_not_use_up_the_address(
        self, client: httpx.AsyncClient, client_at: ClientAt
    ) -> None:
        """Many people behind one address (an office, a NAT) all log in."""
        office = client_at("127.0.0.6")
        for _ in range(110):
            email = (await register(client))["email"]
            response = await office.post("/auth/token", data=token_form(email, PASSWORD))
            assert response.status_code == 200, response.text


class TestPurge:
    async def test_old_counters_and_addresses_removed(
        self, app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await client.post("/auth/token", data=token_form(unique_email(), WRONG))
        email = (await register(client))["email"]
        await client.post("/auth/token", data=token_form(email, PASSWORD))
        count = text(
            "SELECT (SELECT count(*) FROM auth.login_attempts),"
            " (SELECT count(*) FROM auth.known_login_addresses)"
        )
        # (unknown account, address), address, unknown account; (email, address),
        # email; the registration's emails to the address (auth_service.accounts.users).
        assert tuple((await session.execute(count)).one()) == (6, 1)
        limits = app.state.auth.token_policy.login_limits
        await throttle.purge(session, limits=limits)
        assert tuple((await session.execute(count)).one()) == (6, 1)  # all still current
        await session.execute(
            text("UPDATE auth.login_attempts SET window_started_at = now() - interval '2 hours'")
        )
        await session.execute(
            text("UPDATE auth.known_login_addresses SET last_login_at = now() - interval '91 days'")
        )
        await throttle.purge(session, limits=limits)
        assert tuple((await session.execute(count)).one()) == (0, 0)


class TestAddressKeys:
    """Issue 33, item 9: every address of one IPv6 /64 is one client to the
    login and reset counters; an IPv4-mapped IPv6 address is its IPv4 one."""

    @pytest.mark.parametrize(
        ("addresses", "elsewhere"),
        [
            ([f"2001:db8:5:6::{n:x}" for n in range(1, LIMIT + 2)], "2001:db8:5:7::1"),
            (["::ffff:198.51.100.40", "198.51.100.40"] * 3, "198.51.100.41"),
        ],
        ids=["one /64", "IPv4-mapped is IPv4"],
    )
    async def test_login_counters(
        self,
        client: httpx.AsyncClient,
        client_at: ClientAt,
        hashes: list[str],
        addresses: list[str],
        elsewhere: str,
    ) -> None:
        victim = (await register(client))["email"]
        hashes.clear()
        statuses = [
            (await client_at(a).post("/auth/token", data=token_form(victim, WRONG))).status_code
            for a in addresses
        ]
        assert statuses == [400] * LIMIT + [429]
        assert hashes == [WRONG] * LIMIT
        other = await client_at(elsewhere).post("/auth/token", data=token_form(victim, WRONG))
        assert other.status_code == 400

    async def test_reset_requests_per_address(self, client_at: ClientAt) -> None:
        """AUTH_PASSWORD_RESET_LIMIT_PER_ADDRESS (20) for the whole /64."""
        statuses = [
            (
                await client_at(f"2001:db8:5:8::{n:x}").post(
                    "/auth/password-reset", json={"email": unique_email()}
                )
            ).status_code
            for n in range(1, 22)
        ]
        assert statuses == [202] * 20 + [429]
        elsewhere = await client_at("2001:db8:5:9::1").post(
            "/auth/password-reset", json={"email": unique_email()}
        )
        assert elsewhere.status_code == 202

    @pytest.mark.parametrize(
        ("address", "key"),
        [("2001:db8:5:6::1", "2001:db8:5:6::/64"), ("::ffff:198.51.100.40", "198.51.100.40")],
    )
    def test_counter_key_of_an_address(self, address: str, key: str) -> None:
        # recovery.py keys its counters with throttle.counter_key(address).
        assert throttle.counter_key(address) == throttle.counter_key(key)
        assert throttle.counter_key("someone@example.com", address) == throttle.counter_key(
            "someone@example.com", key
        )
