"""Failed-login throttling through the gateway, from several loopback addresses.

auth-service counts attempts per (account, address) before the password is
checked, whatever the body looks like; a stranger's failures do not lock the
owner out of an address the owner has logged in from. The address is the one
the gateway forwards (X-Forwarded-For set to its peer, trusted by the
services from the gateway only), so each test picks its own loopback
address with httpx's `local_address`.

A burst of 1,000 bad logins leaves `/health/ready` answering 200 and other
routes answering throughout.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
from api_client import ApiClient, random_email
from run_local import LocalSystem

WRONG = "not-the-password"
LIMIT = 5  # AUTH_LOGIN_LIMIT_PER_ACCOUNT_ADDRESS's default


def client_from(system: LocalSystem, address: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=system.url("gateway"),
        transport=httpx.AsyncHTTPTransport(local_address=address),
        timeout=30.0,
    )


def form(username: str, password: str) -> dict[str, str]:
    return {"grant_type": "password", "username": username, "password": password}


def bypass_requests(victim: str) -> list[dict[str, object]]:
    """The request bodies that went around the gateway's own parser (issue 11, item 1)."""
    urlencoded = {"Content-Type": "application/x-www-form-urlencoded"}
    return [
        {"data": form(victim, WRONG), "files": {"x": ("x", b"x")}},  # multipart
        {
            "content": f"grant_type=password&username=decoy%40e2e.example&username={victim}"
            f"&password={WRONG}".encode(),
            "headers": urlencoded,
        },
        {"data": {**form(victim, WRONG), **{f"f{i}": "x" for i in range(25)}}},
        {
            "content": f"grant_type=password&username={victim}&password={WRONG}&n=".encode()
            + b"\xff",
            "headers": urlencoded,
        },
    ]


async def stranger_then_owner(system: LocalSystem, owner: dict[str, str]) -> None:
    async with (
        client_from(system, "127.0.0.2") as stranger,
        client_from(system, "127.0.0.3") as home,
    ):
        first = await home.post("/auth/token", data=form(owner["email"], owner["password"]))
        assert first.status_code == 200, first.text
        statuses = []
        for request in bypass_requests(owner["email"]) * 3:  # 12 attempts
            response = await stranger.post("/auth/token", **request)  # type: ignore[arg-type]
            statuses.append(response.status_code)
        assert statuses == [400] * LIMIT + [429] * (12 - LIMIT)
        assert int(response.headers["Retry-After"]) > 0
        assert response.json()["error"] == "slow_down"
        own = await home.post("/auth/token", data=form(owner["email"], owner["password"]))
        assert own.status_code == 200, own.text


def test_stranger_does_not_lock_out_the_owner(system: LocalSystem, api: ApiClient) -> None:
    owner = api.register()
    asyncio.run(stranger_then_owner(system, owner))


async def burst(system: LocalSystem, headers: dict[str, str], note_id: int) -> None:
    limit = asyncio.Semaphore(100)  # client concurrency; the server sees 100 at a time
    done = asyncio.Event()
    answers: Counter[int] = Counter()
    probes: list[tuple[int, int]] = []

    async with (
        client_from(system, "127.0.0.9") as attacker,
        client_from(system, "127.0.0.10") as bystander,
    ):

        async def bad_login() -> None:
            async with limit:
                response = await attacker.post("/auth/token", data=form(random_email(), WRONG))
                answers[response.status_code] += 1

        async def probe() -> None:
            while not done.is_set():
                ready = await bystander.get("/health/ready")
                note = await bystander.get(f"/notes/{note_id}", headers=headers)
                probes.append((ready.status_code, note.status_code))
                await asyncio.sleep(0.05)

        prober = asyncio.create_task(probe())
        async with asyncio.timeout(50):  # "well under a minute": a guard, not a measurement
            await asyncio.gather(*(bad_login() for _ in range(1000)))
        done.set()
        await prober
    # Each either reached the password check (400) or found every hashing
    # slot and queue place taken (503 at once); none waited for a connection.
    assert set(answers) <= {400, 503}, answers
    assert sum(answers.values()) == 1000
    assert probes
    assert set(probes) == {(200, 200)}


def test_thousand_bad_logins_leave_the_service_ready(system: LocalSystem, api: ApiClient) -> None:
    headers = api.new_user()
    note = api.create_note(headers)
    asyncio.run(burst(system, headers, note["id"]))
