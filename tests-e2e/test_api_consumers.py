"""Issue 14 end to end, through the gateway: conditional requests, safe retries,
merge patches, cursor pages, search and sort, quotas.

Races run as real concurrent HTTP requests against the running system: their
outcome does not depend on how they interleave (two writes with one If-Match:
one 200, one 412; N posts with one key: one note).
"""

from __future__ import annotations

import gzip
import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from api_client import ApiClient
from run_local import LocalSystem
from systems import extra_gateway

NOTE = {"title": "a title", "description": "a description"}


def at_once(count: int, call: Callable[[], httpx.Response]) -> list[httpx.Response]:
    """`count` calls released together from their own threads."""
    barrier = threading.Barrier(count)

    def run() -> httpx.Response:
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: run(), range(count)))


def client_of(api: ApiClient) -> httpx.Client:
    return httpx.Client(base_url=str(api.http.base_url), timeout=10.0)


class TestConditionalRequests:
    def test_etag_and_not_modified(self, api: ApiClient) -> None:
        user = api.new_user()
        created = api.http.post("/notes/", json=NOTE, headers=user)
        tag = created.headers["ETag"]
        path = f"/notes/{created.json()['id']}"
        cached = api.http.get(path, headers={**user, "If-None-Match": tag})
        assert (cached.status_code, cached.content, cached.headers["ETag"]) == (304, b"", tag)
        changed = api.http.put(path, json={**NOTE, "title": "changed"}, headers=user)
        assert changed.headers["ETag"] != tag
        fresh = api.http.get(path, headers={**user, "If-None-Match": tag})
        assert (fresh.status_code, fresh.json()["title"]) == (200, "changed")

    def test_stale_if_match_is_412_and_changes_nothing(self, api: ApiClient) -> None:
        user = api.new_user()
        created = api.http.post("/notes/", json=NOTE, headers=user)
        path = f"/notes/{created.json()['id']}"
        current = api.http.put(path, json={**NOTE, "title": "second"}, headers=user)
        stale = {**user, "If-Match": created.headers["ETag"]}
        assert api.http.put(path, json=NOTE, headers=stale).status_code == 412
        assert api.http.patch(path, json={"title": "third"}, headers=stale).status_code == 412
        assert api.http.delete(path, headers=stale).status_code == 412
        assert api.http.get(path, headers=user).json() == current.json()
        fresh = {**user, "If-Match": current.headers["ETag"]}
        assert api.http.delete(path, headers=fresh).status_code == 200

    def test_two_puts_racing_with_one_if_match(self, api: ApiClient) -> None:
        user = api.new_user()
        created = api.http.post("/notes/", json=NOTE, headers=user)
        path = f"/notes/{created.json()['id']}"
        headers = {**user, "If-Match": created.headers["ETag"]}
        with client_of(api) as http:
            titles = iter(["writer one", "writer two"])
            lock = threading.Lock()

            def put() -> httpx.Response:
                with lock:
                    title = next(titles)
                return http.put(path, json={**NOTE, "title": title}, headers=headers)

            responses = at_once(2, put)
        assert sorted(r.status_code for r in responses) == [200, 412]
        (winner,) = [r for r in responses if r.status_code == 200]
        stored = api.http.get(path, headers=user)
        assert stored.json() == winner.json()
        assert stored.headers["ETag"] == winner.headers["ETag"]


class TestIdempotencyKey:
    def test_retry_replays_and_other_body_is_refused(self, api: ApiClient) -> None:
        user = api.new_user()
        headers = {**user, "Idempotency-Key": str(uuid.uuid4())}
        first = api.http.post("/notes/", json=NOTE, headers=headers)
        again = api.http.post("/notes/", json=NOTE, headers=headers)
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.json() == first.json()
        assert again.headers["Idempotent-Replayed"] == "true"
        other = api.http.post("/notes/", json={**NOTE, "title": "other"}, headers=headers)
        assert other.status_code == 422
        assert api.http.get("/notes/", headers=user).headers["X-Total-Count"] == "1"

    def test_concurrent_posts_with_one_key_create_one_note(self, api: ApiClient) -> None:
        user = api.new_user()
        headers = {**user, "Idempotency-Key": "retry-storm"}
        with client_of(api) as http:
            responses = at_once(8, lambda: http.post("/notes/", json=NOTE, headers=headers))
        created = [r for r in responses if r.status_code == 201]
        busy = [r for r in responses if r.status_code == 409]
        assert len(created) + len(busy) == 8, [r.status_code for r in responses]
        originals = [r for r in created if "Idempotent-Replayed" not in r.headers]
        assert len(originals) == 1
        assert {r.json()["id"] for r in created} == {originals[0].json()["id"]}
        assert all(r.headers["Retry-After"] == "1" for r in busy)
        listing = api.http.get("/notes/", headers=user)
        assert listing.headers["X-Total-Count"] == "1"
        assert [n["id"] for n in listing.json()] == [originals[0].json()["id"]]


class TestMergePatch:
    def test_only_given_fields_change(self, api: ApiClient) -> None:
        user = api.new_user()
        note = api.create_note(user)
        response = api.http.patch(
            f"/notes/{note['id']}",
            content=b'{"description": "patched"}',
            headers={**user, "Content-Type": "application/merge-patch+json"},
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["title"], body["description"]) == (note["title"], "patched")
        assert body["updated_date"] > note["updated_date"]
        assert body["created_date"] == note["created_date"]

    def test_null_and_other_media_types_refused(self, api: ApiClient) -> None:
        user = api.new_user()
        note = api.create_note(user)
        path = f"/notes/{note['id']}"
        nulled = api.http.patch(path, json={"title": None}, headers=user)
        assert nulled.status_code == 422
        text = api.http.patch(
            path, content=b'{"title": "abc"}', headers={**user, "Content-Type": "text/plain"}
        )
        assert text.status_code == 415
        assert api.http.get(path, headers=user).json() == note


LINK = re.compile(r'<([^>]*)>; rel="(next|prev)"')


def next_link(response: httpx.Response) -> str | None:
    return {rel: url for url, rel in LINK.findall(response.headers.get("Link", ""))}.get("next")


class TestCursorPages:
    def test_every_note_once_while_others_come_and_go(self, api: ApiClient) -> None:
        user = api.new_user()
        kept = {api.create_note(user, title=f"kept {i:02}")["id"] for i in range(15)}
        doomed = [api.create_note(user, title=f"doomed {i:02}")["id"] for i in range(15)]
        stop = threading.Event()

        def churn() -> None:
            with client_of(api) as http:
                for number, note_id in enumerate(doomed):
                    if stop.is_set():
                        return
                    http.post("/notes/", json={**NOTE, "title": f"new {number:02}"}, headers=user)
                    http.delete(f"/notes/{note_id}", headers=user)

        writer = threading.Thread(target=churn)
        seen: list[int] = []
        url: str | None = "/notes/?limit=4&sort=-created_date"
        writer.start()
        try:
            while url is not None:
                page = api.http.get(url, headers=user)
                assert page.status_code == 200, page.text
                seen += [note["id"] for note in page.json()]
                url = next_link(page)
        finally:
            stop.set()
            writer.join()
        assert len(seen) == len(set(seen))
        assert kept <= set(seen)

    def test_garbage_cursor_is_422(self, api: ApiClient) -> None:
        user = api.new_user()
        response = api.http.get("/notes/?cursor=bm90LWEtY3Vyc29y", headers=user)
        assert response.status_code == 422


class TestSearchAndSort:
    def test_search_ranks_and_sort_orders(self, api: ApiClient) -> None:
        user = api.new_user()
        once = api.create_note(user, title="tomato soup", description="for winter")
        twice = api.create_note(user, title="tomato salad", description="tomato and basil")
        api.create_note(user, title="shopping list", description="milk and bread")
        ranked = api.http.get("/notes/", params={"q": "tomato"}, headers=user)
        assert [n["id"] for n in ranked.json()] == [twice["id"], once["id"]]
        assert ranked.headers["X-Total-Count"] == "2"
        by_title = api.http.get("/notes/", params={"q": "tomato", "sort": "title"}, headers=user)
        assert [n["id"] for n in by_title.json()] == [twice["id"], once["id"]]
        newest = api.http.get("/notes/", params={"sort": "-created_date"}, headers=user)
        dates = [n["created_date"] for n in newest.json()]
        assert dates == sorted(dates, reverse=True)
        assert len(dates) == 3


@pytest.fixture(scope="module")
def quota_gateway(system: LocalSystem) -> Iterator[str]:
    """A gateway of its own with a small quota; the shared one's is out of reach."""
    with extra_gateway(system, GATEWAY_RATE_LIMIT="5/minute") as url:
        yield url


class TestQuotas:
    def test_429_with_ratelimit_headers(self, api: ApiClient, quota_gateway: str) -> None:
        user = api.new_user()  # registered through the shared gateway
        other = api.new_user()
        with httpx.Client(base_url=quota_gateway, timeout=10.0) as http:
            answers = [http.get("/notes/", headers=user) for _ in range(6)]
            assert [a.status_code for a in answers] == [200] * 5 + [429]
            remaining = [_ratelimit(a)["r"] for a in answers]
            assert remaining == [4, 3, 2, 1, 0, 0]
            refused = answers[-1]
            assert refused.headers["RateLimit-Policy"] == '"consumer";q=5;w=60'
            assert refused.headers["Retry-After"] == str(_ratelimit(refused)["t"])
            assert refused.json() == {"detail": "Too Many Requests"}
            assert http.get("/notes/", headers=other).status_code == 200
            for _ in range(7):
                assert "RateLimit" not in http.get("/health/live").headers

    def test_refused_tokens_count_against_the_address(
        self, api: ApiClient, quota_gateway: str
    ) -> None:
        """Issue 33, item 7: forged tokens meet the address's quota, not the user's."""
        user = api.new_user()
        forged = {"Authorization": "Bearer " + user["Authorization"].split()[1][:-4] + "AAAA"}
        with _client_at(quota_gateway, "127.0.0.21") as http:
            answers = [http.get("/notes/", headers=forged) for _ in range(6)]
            assert [a.status_code for a in answers] == [401] * 5 + [429]
            assert [_ratelimit(a)["r"] for a in answers] == [4, 3, 2, 1, 0, 0]
            assert answers[-1].headers["Retry-After"] == str(_ratelimit(answers[-1])["t"])
            own = http.get("/notes/", headers=user)
            assert (own.status_code, _ratelimit(own)["r"]) == (200, 4)

    def test_public_readiness_counts_against_the_address(self, quota_gateway: str) -> None:
        """Issue 33, item 8."""
        with _client_at(quota_gateway, "127.0.0.22") as http:
            answers = [http.get("/health/ready") for _ in range(6)]
        assert [a.status_code for a in answers] == [200] * 5 + [429]
        assert answers[-1].json() == {"detail": "Too Many Requests"}


def _client_at(base_url: str, address: str) -> httpx.Client:
    """A client from `address` (127.0.0.x): outside the gateway's internal networks."""
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=base_url, transport=transport, timeout=10.0)


def _ratelimit(response: httpx.Response) -> dict[str, Any]:
    match = re.fullmatch(r'"consumer";r=(\d+);t=(\d+)', response.headers["RateLimit"])
    assert match is not None, response.headers["RateLimit"]
    return {"r": int(match.group(1)), "t": int(match.group(2))}


def exchange_in_two_writes(system: LocalSystem, head: bytes, body: bytes) -> tuple[int, bytes]:
    """Sends the head, then the body a moment later (as Ktor does); the one answer."""
    with socket.create_connection(("127.0.0.1", system.ports["gateway"]), timeout=10) as sock:
        sock.sendall(head)
        time.sleep(0.05)
        sock.sendall(body)
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += sock.recv(65536)
        top, _, content = answer.partition(b"\r\n\r\n")
        length = int(re.search(rb"(?i)\r\ncontent-length: *(\d+)", top)[1])  # type: ignore[index]
        while len(content) < length:
            content += sock.recv(65536)
    return int(top.split()[1]), content


class TestUpgradeOffers:
    """Java's HttpClient, Spring's RestClient and Ktor offer h2c on every request; the offer
    is declined and the request served as HTTP/1.1, its body included (RFC 9110 §7.8)."""

    def test_a_post_offering_h2c_creates_the_note(
        self, system: LocalSystem, api: ApiClient
    ) -> None:
        user = api.new_user()
        body = b'{"title": "from java", "description": "offered h2c"}'
        head = (
            b"POST /notes/ HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
            b"Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
            b"HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n"
            b"Authorization: " + user["Authorization"].encode() + b"\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)
        )
        status, content = exchange_in_two_writes(system, head, body)
        assert status == 201, content
        (note,) = api.http.get("/notes/", headers=user).json()
        assert (note["title"], note["description"]) == ("from java", "offered h2c")


class TestHead:
    """HEAD is GET without the body on every GET route, through the gateway (RFC 9110
    §9.3.2: every general-purpose server supports GET and HEAD)."""

    def test_a_note(self, api: ApiClient) -> None:
        user = api.new_user()
        path = f"/notes/{api.http.post('/notes/', json=NOTE, headers=user).json()['id']}"
        get = api.http.get(path, headers=user)
        head = api.http.head(path, headers=user)
        assert (head.status_code, head.content) == (200, b"")
        for name in ("ETag", "Content-Length", "Content-Type"):
            assert head.headers[name] == get.headers[name]
        cached = api.http.head(path, headers={**user, "If-None-Match": get.headers["ETag"]})
        assert cached.status_code == 304
        assert api.http.head(path).status_code == 401

    @pytest.mark.parametrize(
        "path", ["/auth/.well-known/jwks.json", "/notes/", "/auth/me", "/health/live", "/docs"]
    )
    def test_every_get_route_answers_it(self, api: ApiClient, path: str) -> None:
        user = api.new_user()
        get = api.http.get(path, headers=user)
        head = api.http.head(path, headers=user)
        assert (head.status_code, head.content) == (get.status_code, b"") == (200, b"")
        assert head.headers["Content-Type"] == get.headers["Content-Type"]


class TestBodyMediaType:
    @pytest.mark.parametrize("path", ["/notes/", "/auth/register"])
    def test_a_body_that_is_not_json_is_415(self, api: ApiClient, path: str) -> None:
        """RFC 9110 §15.5.16, with the media type taken in `Accept`; was a 422."""
        body = '{"title": "plain", "description": "text", "email": "x@example.com"}'
        response = api.http.post(
            path, content=body, headers={**api.new_user(), "Content-Type": "text/plain"}
        )
        assert response.status_code == 415
        assert response.headers["Accept"] == "application/json"

    def test_a_compressed_body_is_415(self, api: ApiClient) -> None:
        """Was a 400 "error parsing the body" from notes-service."""
        body = gzip.compress(json.dumps(NOTE).encode())
        headers = {**api.new_user(), "Content-Type": "application/json"}
        response = api.http.post(
            "/notes/", content=body, headers={**headers, "Content-Encoding": "gzip"}
        )
        assert response.status_code == 415
        assert response.headers["Accept-Encoding"] == "identity"


def test_a_created_note_is_at_its_location(api: ApiClient) -> None:
    """201 names what it created (RFC 9110 §15.3.2), a path valid at the gateway."""
    user = api.new_user()
    created = api.http.post("/notes/", json=NOTE, headers=user)
    assert created.headers["Location"] == f"/notes/{created.json()['id']}"
    assert api.http.get(created.headers["Location"], headers=user).json() == created.json()
