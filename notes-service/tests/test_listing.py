"""GET /notes/: cursor pages (RFC 8288 Link), search (`q`) and order (`sort`)."""

import base64
import json
import re
from typing import Any

import httpx
import pytest

from platform_common.testing.issuer import User
from tests.test_routes import create

LINK = re.compile(r'<([^>]*)>; rel="(next|prev)"')


def links(response: httpx.Response) -> dict[str, str]:
    return {rel: url for url, rel in LINK.findall(response.headers.get("Link", ""))}


async def follow(
    client: httpx.AsyncClient, user: User, first: str, rel: str = "next"
) -> list[list[dict[str, Any]]]:
    pages = []
    url: str | None = first
    while url is not None:
        response = await client.get(url, headers=user.headers)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        url = links(response).get(rel)
    return pages


async def numbered_notes(client: httpx.AsyncClient, user: User, count: int) -> list[dict[str, Any]]:
    """`count` notes of `user`, titled "note 0" onwards, in the order they were created."""
    return [await create(client, user, title=f"note {i}") for i in range(count)]


def ids(notes: list[dict[str, Any]]) -> list[int]:
    return [note["id"] for note in notes]


class TestCursorPages:
    async def test_next_visits_every_note_once_in_order(
        self, client: httpx.AsyncClient, alice: User, bob: User
    ) -> None:
        mine = await numbered_notes(client, alice, 7)
        await create(client, bob)
        pages = await follow(client, alice, "/notes/?limit=3")
        assert [len(page) for page in pages] == [3, 3, 1]
        assert [note for page in pages for note in page] == mine

    async def test_first_page_links_next_only_and_counts(
        self, client: httpx.AsyncClient, alice: User
    ) -> None:
        await numbered_notes(client, alice, 3)
        response = await client.get("/notes/?limit=2", headers=alice.headers)
        assert set(links(response)) == {"next"}
        assert response.headers["X-Total-Count"] == "3"
        assert links(response)["next"].startswith("/notes?limit=2&cursor=")

    async def test_cursor_pages_link_back(self, client: httpx.AsyncClient, alice: User) -> None:
        notes = await numbered_notes(client, alice, 5)
        first = await client.get("/notes/?limit=2", headers=alice.headers)
        second = await client.get(links(first)["next"], headers=alice.headers)
        assert ids(second.json()) == ids(notes[2:4])
        assert "X-Total-Count" not in second.headers
        back = await client.get(links(second)["prev"], headers=alice.headers)
        assert back.json() == first.json()
        assert set(links(back)) == {"next"}
        assert ids((await client.get(links(back)["next"], headers=alice.headers)).json()) == ids(
            notes[2:4]
        )

    async def test_prev_from_the_last_page_walks_back_to_the_first(
        self, client: httpx.AsyncClient, alice: User
    ) -> None:
        notes = await numbered_notes(client, alice, 5)
        forward = await follow(client, alice, "/notes/?limit=2")
        last = await client.get("/notes/?limit=2", headers=alice.headers)
        while "next" in links(last):
            last = await client.get(links(last)["next"], headers=alice.headers)
        backward = await follow(client, alice, links(last)["prev"], rel="prev")
        assert [ids(p) for p in backward] == [ids(p) for p in reversed(forward[:-1])]
        assert ids(forward[-1]) == ids(notes[4:])

    async def test_empty_list_has_no_links(self, client: httpx.AsyncClient, alice: User) -> None:
        response = await client.get("/notes/?limit=2", headers=alice.headers)
        assert "Link" not in response.headers

    async def test_deleted_cursor_note_does_not_break_the_walk(
        self, client: httpx.AsyncClient, alice: User
    ) -> None:
        notes = await numbered_notes(client, alice, 4)
        first = await client.get("/notes/?limit=2", headers=alice.headers)
        await client.delete(f"/notes/{notes[1]['id']}", headers=alice.headers)
        second = await client.get(links(first)["next"], headers=alice.headers)
        assert ids(second.json()) == ids(notes[2:])

    @pytest.mark.parametrize(
        "cursor",
        [
            "garbage",
            "e30",  # {}
            base64.urlsafe_b64encode(b"[1,2]").decode().rstrip("="),
            base64.urlsafe_b64encode(b"\xff\xfe").decode().rstrip("="),
            "A",
        ],
    )
    async def test_garbage_cursor_is_422(
        self, client: httpx.AsyncClient, alice: User, cursor: str
    ) -> None:
        response = await client.get(f"/notes/?cursor={cursor}", headers=alice.headers)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", "cursor"]

    @pytest.mark.parametrize(
        "change",
        [
            {"i": "1"},
            {"i": 0},
            {"i": 2**63},
            {"i": True},
            {"d": "sideways"},
            {"k": "2026-01-01T00:00:00"},
            {"k": 5},
            {"o": "title"},
            {"s": "x"},
            {"extra": 1},
        ],
    )
    async def test_tampered_cursor_is_422(
        self, client: httpx.AsyncClient, alice: User, change: dict[str, Any]
    ) -> None:
        await numbered_notes(client, alice, 3)
        first = await client.get("/notes/?limit=1&sort=created_date", headers=alice.headers)
        cursor = links(first)["next"].split("cursor=")[1]
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        tampered = base64.urlsafe_b64encode(json.dumps({**payload, **change}).encode())
        url = f"/notes/?limit=1&sort=created_date&cursor={tampered.decode().rstrip('=')}"
        response = await client.get(url, headers=alice.headers)
        assert response.status_code == 422, response.text

    async def test_cursor_of_another_sort_or_search_is_422(
        self, client: httpx.AsyncClient, alice: User
    ) -> None:
        await numbered_notes(client, alice, 3)
        first = await client.get("/notes/?limit=1&sort=title", headers=alice.headers)
        cursor = links(first)["next"].split("cursor=")[1]
        for query in ("sort=-title", "", "sort=title&q=note"):
            response = await client.get(f"/notes/?cursor={cursor}&{query}", headers=alice.headers)
            assert response.status_code == 422

    async def test_cursor_with_offset_is_422(self, client: httpx.AsyncClient, alice: User) -> None:
        await numbered_notes(client, alice, 3)
        first = await client.get("/notes/?limit=1", headers=alice.headers)
        response = await client.get(links(first)["next"] + "&offset=0", headers=alice.headers)
        assert response.status_code == 422
        assert response.json()["detail"][0]["msg"] == "cursor and offset cannot be combined"

    async def test_offset_pages_still_work(self, client: httpx.AsyncClient, alice: User) -> None:
        notes = await numbered_notes(client, alice, 5)
        response = await client.get("/notes/?offset=3&limit=5", headers=alice.headers)
        assert ids(response.json()) == ids(notes[3:])
        assert response.headers["X-Total-Count"] == "5"


class TestSort:
    @pytest.mark.parametrize(
        ("sort", "expected"),
        [
            ("title", ["alpha", "bravo", "bravo", "charlie"]),
            ("-title", ["charlie", "bravo", "bravo", "alpha"]),
        ],
    )
    async def test_title_with_ties_by_id(
        self, client: httpx.AsyncClient, alice: User, sort: str, expected: list[str]
    ) -> None:
        made: dict[str, list[int]] = {}
        for title in ("bravo", "charlie", "bravo", "alpha"):
            note = await create(client, alice, title=title)
            made.setdefault(title, []).append(note["id"])
        response = await client.get(f"/notes/?sort={sort}", headers=alice.headers)
        assert [n["title"] for n in response.json()] == expected
        bravo = [n["id"] for n in response.json() if n["title"] == "bravo"]
        assert bravo == (made["bravo"] if sort == "title" else made["bravo"][::-1])

    @pytest.mark.parametrize(
        "sort",
        ["title", "-title", "created_date", "-created_date", "updated_date", "-updated_date"],
    )
    async def test_cursor_walk_matches_the_whole_sorted_list(
        self, client: httpx.AsyncClient, alice: User, sort: str
    ) -> None:
        for title in ("delta", "alpha", "charlie", "alpha", "bravo", "echo", "alpha"):
            await create(client, alice, title=title)
        whole = (await client.get(f"/notes/?sort={sort}", headers=alice.headers)).json()
        pages = await follow(client, alice, f"/notes/?sort={sort}&limit=2")
        assert [n for page in pages for n in page] == whole
        key = sort.lstrip("-")
        pairs = [(n[key], n["id"]) for n in whole]
        assert pairs == sorted(pairs, reverse=sort.startswith("-"))

    async def test_unknown_sort_is_422(self, client: httpx.AsyncClient, alice: User) -> None:
        for sort in ("owner_id", "id", "--title", "rank"):
            response = await client.get(f"/notes/?sort={sort}", headers=alice.headers)
            assert response.status_code == 422


class TestSearch:
    async def test_matches_title_or_description_of_own_notes(
        self, client: httpx.AsyncClient, alice: User, bob: User
    ) -> None:
        in_title = await create(client, alice, title="Garden plans", description="spring")
        in_text = await create(client, alice, title="weekend", description="water the garden")
        await create(client, alice, title="groceries", description="milk and eggs")
        await create(client, bob, title="garden", description="bob's garden")
        response = await client.get("/notes/?q=garden&sort=created_date", headers=alice.headers)
        assert ids(response.json()) == [in_title["id"], in_text["id"]]
        assert response.headers["X-Total-Count"] == "2"

    async def test_best_match_first(self, client: httpx.AsyncClient, alice: User) -> None:
        once = await create(client, alice, title="tomato soup", description="a recipe")
        twice = await create(client, alice, title="tomato salad", description="tomato basil")
        response = await client.get("/notes/?q=tomato", headers=alice.headers)
        assert ids(response.json()) == [twice["id"], once["id"]]

    async def test_sort_overrides_rank(self, client: httpx.AsyncClient, alice: User) -> None:
        once = await create(client, alice, title="tomato soup", description="a recipe")
        twice = await create(client, alice, title="tomato salad", description="tomato basil")
        response = await client.get("/notes/?q=tomato&sort=-title", headers=alice.headers)
        assert ids(response.json()) == [once["id"], twice["id"]]

    async def test_ranked_cursor_walk(self, client: httpx.AsyncClient, alice: User) -> None:
        for i in range(6):
            await create(client, alice, title=f"tomato {i}", description="tomato " * (i % 3 + 1))
        await create(client, alice, title="unrelated", description="nothing here")
        whole = (await client.get("/notes/?q=tomato", headers=alice.headers)).json()
        assert len(whole) == 6
        pages = await follow(client, alice, "/notes/?q=tomato&limit=4")
        assert [n for page in pages for n in page] == whole

    @pytest.mark.parametrize("q", ['"unbalanced', "a & b | !c", "(:*)", "-", "or", "ü", "\\"])
    async def test_any_text_is_a_search(
        self, client: httpx.AsyncClient, alice: User, q: str
    ) -> None:
        await create(client, alice)
        response = await client.get("/notes/", params={"q": q}, headers=alice.headers)
        assert response.status_code == 200

    async def test_a_search_with_nul_is_422(self, client: httpx.AsyncClient, alice: User) -> None:
        # Postgres text cannot hold NUL: refused as input, never a 500.
        response = await client.get("/notes/", params={"q": "a\x00b"}, headers=alice.headers)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", "q"]

    async def test_phrase_and_exclusion(self, client: httpx.AsyncClient, alice: User) -> None:
        red_car = await create(client, alice, title="red car", description="fast")
        await create(client, alice, title="car red", description="slow")
        response = await client.get(
            "/notes/", params={"q": '"red car" -slow'}, headers=alice.headers
        )
        assert ids(response.json()) == [red_car["id"]]
