"""What the public may see of the gateway, and what it cannot grow (issue 11, item 6).

The test clients of the other files connect from 127.0.0.1, inside the
gateway's default internal networks; here a client on 127.0.0.2 stands for the
public.
"""

import secrets
import time
from collections.abc import Iterator

import httpx
import pytest
from api_client import ApiClient
from run_local import LocalSystem


@pytest.fixture
def public(system: LocalSystem) -> Iterator[httpx.Client]:
    transport = httpx.HTTPTransport(local_address="127.0.0.2")
    with httpx.Client(base_url=system.url("gateway"), transport=transport, timeout=10) as client:
        yield client


def gateway_series(api: ApiClient) -> set[str]:
    text = api.http.get("/metrics").text
    return {
        line.rsplit(" ", 1)[0]
        for line in text.splitlines()
        if line.startswith("http_requests_total{") and 'service="gateway"' in line
    }


def wait_until_ready(api: ApiClient) -> None:
    """Right after start-up the gateway waits for its first revocation list."""
    deadline = time.monotonic() + 15
    while api.http.get("/health/ready").status_code != 200:
        assert time.monotonic() < deadline, api.http.get("/health/ready").json()
        time.sleep(0.1)


class TestInternalsNotPublic:
    def test_public_gets_no_metrics_and_a_plain_readiness(
        self, api: ApiClient, public: httpx.Client
    ) -> None:
        assert public.get("/metrics").status_code == 404
        wait_until_ready(api)
        ready = public.get("/health/ready")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ok"}

    def test_internal_clients_get_the_details(self, api: ApiClient) -> None:
        wait_until_ready(api)
        assert api.http.get("/metrics").status_code == 200
        checks = api.http.get("/health/ready").json()["checks"]
        assert checks["revocations"] == {"ok": True}
        assert checks["notes-service"]["replicas"][0]["circuit"] == "closed"


def live_calls(system: LocalSystem) -> float:
    """How many `/health/live` requests notes-service has answered (its own metrics)."""
    text = httpx.get(f"{system.url('notes-service')}/metrics").text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("http_requests_total{") and 'route="/health/live"' in line
    )


class TestPublicReadinessIsShared:
    def test_public_calls_do_not_reach_the_upstream_each(
        self, system: LocalSystem, api: ApiClient, public: httpx.Client
    ) -> None:
        """Issue 33, item 8: one check per GATEWAY_PUBLIC_READINESS_CACHE_SECONDS (1 s)."""
        wait_until_ready(api)
        time.sleep(1.1)  # past any public answer an earlier test left
        before = live_calls(system)
        started = time.monotonic()
        answers = [public.get("/health/ready") for _ in range(100)]
        elapsed = time.monotonic() - started
        assert {a.status_code for a in answers} == {200}
        # At most one check per started second (and one more at the edge).
        assert 1 <= live_calls(system) - before <= int(elapsed) + 2


class TestMetricSeries:
    def test_300_spellings_of_a_note_id_add_no_series(self, api: ApiClient) -> None:
        user = api.new_user()
        note_id = api.create_note(user, "one note", "many names")["id"]
        # Every status this route can answer, and a scrape, once before counting.
        for warm_up in (str(note_id), "999999999", "not-a-number"):
            api.http.get(f"/notes/{warm_up}", headers=user)
        gateway_series(api)
        before = gateway_series(api)
        spellings = [
            *(f"{'0' * n}{note_id}" for n in range(1, 76)),
            *(f"{note_id}.{'0' * n}" for n in range(1, 76)),
            *(f"+{'0' * n}{note_id}" for n in range(75)),
            *(secrets.token_hex(8) for _ in range(75)),
        ]
        for spelling in spellings:
            api.http.get(f"/notes/{spelling}", headers=user)
        assert len(set(spellings)) == 300
        assert gateway_series(api) == before
