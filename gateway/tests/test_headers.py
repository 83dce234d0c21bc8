import re

import httpx
import pytest
import respx

from gateway.headers import client_response_headers, upstream_request_headers
from tests.conftest import CLIENT_ADDRESS, NOTE, NOTES_URL, Upstream


class TestTowardsUpstream:
    async def test_hygiene(
        self,
        client: httpx.AsyncClient,
        note_route: respx.Route,
        auth_headers: dict[str, str],
    ) -> None:
        await client.get(
            "/notes/1",
            headers={
                **auth_headers,
                "Connection": "keep-alive, X-Secret-Hop",
                "X-Secret-Hop": "1",
                "Keep-Alive": "timeout=5",
                "Proxy-Authorization": "Basic abc",
                "TE": "trailers",
                "Upgrade": "h2c",
                "X-User-Id": "someone-else",
                "X-Forwarded-User": "admin",
                "X-Auth-Request-Email": "root@example.com",
                "X-Forwarded-For": "198.51.100.1",
                "X-Forwarded-Proto": "gopher",
                "X-Forwarded-Host": "evil.example",
                "Forwarded": "for=1.2.3.4",
                "X-Real-IP": "1.2.3.4",
                "Accept-Language": "fr",
                "Expect": "100-continue",
                "Cookie": "a=b",
                "User-Agent": "curl/8",
            },
        )
        sent = note_route.calls.last.request.headers
        for dropped in (
            "connection",
            "x-secret-hop",
            "keep-alive",
            "proxy-authorization",
            "te",
            "upgrade",
            "x-user-id",
            "x-forwarded-user",
            "x-auth-request-email",
            "x-forwarded-host",
            "forwarded",
            "x-real-ip",
            "expect",
        ):
            assert dropped not in sent, dropped
        assert sent["host"] == "notes.test"
        assert sent["x-forwarded-for"] == CLIENT_ADDRESS  # set, never appended to
        assert sent["x-forwarded-proto"] == "http"
        assert sent["authorization"] == auth_headers["Authorization"]
        # End-to-end headers go as sent, and nothing of httpx's own is added.
        assert sent["accept-language"] == "fr"
        assert sent["cookie"] == "a=b"
        assert sent["user-agent"] == "curl/8"

    def test_nothing_added_but_forwarding_headers(self) -> None:
        headers = upstream_request_headers(
            [(b"accept", b"*/*")], request_id="abcdefgh", client=None, scheme="https"
        )
        assert headers == [
            (b"accept", b"*/*"),
            (b"x-forwarded-proto", b"https"),
            (b"x-request-id", b"abcdefgh"),
        ]

    @pytest.mark.parametrize("connection_first", [True, False])
    def test_connection_names_a_header_before_or_after_it(self, connection_first: bool) -> None:
        connection = [(b"connection", b"keep-alive, X-Hop ,x-other-hop"), (b"connection", b"")]
        hops = [(b"x-hop", b"1"), (b"x-other-hop", b"2")]
        raw = [(b"accept", b"*/*"), *(connection + hops if connection_first else hops + connection)]
        assert upstream_request_headers(raw, request_id="abcdefgh", client=None, scheme="http") == [
            (b"accept", b"*/*"),
            (b"x-forwarded-proto", b"http"),
            (b"x-request-id", b"abcdefgh"),
        ]


class TestTowardsClient:
    async def test_hygiene(
        self,
        client: httpx.AsyncClient,
        notes_upstream: Upstream,
        auth_headers: dict[str, str],
    ) -> None:
        notes_upstream.route(
            "GET",
            "/notes",
            status=200,
            json=[NOTE],
            headers={
                "X-Total-Count": "1",
                "Connection": "close, X-Upstream-Hop",
                "X-Upstream-Hop": "1",
                "Keep-Alive": "timeout=5",
                "Server": "uvicorn",
                "Cache-Control": "no-store",
            },
        )
        response = await client.get("/notes", headers=auth_headers)
        assert response.status_code == 200
        for dropped in ("x-upstream-hop", "keep-alive", "server"):
            assert dropped not in response.headers, dropped
        assert response.headers["x-total-count"] == "1"
        assert response.headers["cache-control"] == "no-store"

    def test_repeated_headers_kept(self) -> None:
        raw = [(b"Set-Cookie", b"a=1"), (b"Set-Cookie", b"b=2"), (b"Transfer-Encoding", b"chunked")]
        assert client_response_headers(raw) == [(b"set-cookie", b"a=1"), (b"set-cookie", b"b=2")]

    @pytest.mark.parametrize("connection_first", [True, False])
    def test_connection_names_a_header_before_or_after_it(self, connection_first: bool) -> None:
        pair = [(b"Connection", b"close, X-Hop"), (b"X-Hop", b"1")]
        raw = [(b"ETag", b'"1.1"'), *(pair if connection_first else pair[::-1])]
        assert client_response_headers(raw) == [(b"etag", b'"1.1"')]


class TestRequestId:
    @pytest.fixture
    def listing(self, notes_upstream: Upstream) -> respx.Route:
        return notes_upstream.route("GET", "/notes", status=200, json=[])

    async def test_well_formed_id_kept_and_passed_on(
        self, client: httpx.AsyncClient, listing: respx.Route, auth_headers: dict[str, str]
    ) -> None:
        response = await client.get(
            "/notes", headers={**auth_headers, "X-Request-ID": "req-12345678"}
        )
        assert response.headers["x-request-id"] == "req-12345678"
        assert listing.calls.last.request.headers["x-request-id"] == "req-12345678"

    async def test_bad_id_replaced(
        self,
        client: httpx.AsyncClient,
        notes_upstream: Upstream,
        auth_headers: dict[str, str],
    ) -> None:
        route = notes_upstream.route(
            "GET", "/notes", status=200, json=[], headers={"X-Request-ID": "upstream-own"}
        )
        response = await client.get(
            "/notes", headers={**auth_headers, "X-Request-ID": "bad id <script>"}
        )
        generated = response.headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", generated)
        assert route.calls.last.request.headers["x-request-id"] == generated
        assert response.headers.get_list("x-request-id") == [generated]

    async def test_refusals_carry_an_id(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/notes")
        assert response.status_code == 401
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])

    async def test_upstream_url_untouched(
        self, client: httpx.AsyncClient, listing: respx.Route, auth_headers: dict[str, str]
    ) -> None:
        await client.get("/notes?limit=5&offset=0&x=%C3%A9", headers=auth_headers)
        assert listing.calls.last.request.url == httpx.URL(
            f"{NOTES_URL}/notes?limit=5&offset=0&x=%C3%A9"
        )
