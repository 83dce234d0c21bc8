"""Issue 14: search and sorted cursor pages of a user with 10x the bench user's notes.

Compared (p99) with the plain list page ("GET /notes/") in the report: the goal is within 2x.
"""

from __future__ import annotations

import asyncio

import httpx

from accounts import register, user_id_of
from data import SEARCH_WORDS, seed_big_owner
from harness import Harness
from load import lua_script
from meter import Measurement


def follow_links(gateway: str, first: str, headers: dict[str, str], pages: int) -> list[str]:
    """The paths of the first `pages` cursor pages, from rel="next" links."""
    paths = [first]
    while len(paths) < pages:
        response = httpx.get(gateway + paths[-1], headers=headers, timeout=30)
        response.raise_for_status()
        following = response.links.get("next")
        if following is None:
            break
        paths.append(following["url"])
    return paths


def measure(bench: Harness) -> list[Measurement]:
    gateway = bench.gateway
    _, token = register(gateway, "bench-big")
    headers = {"Authorization": f"Bearer {token}"}
    asyncio.run(
        seed_big_owner(
            bench.database_url, user_id_of(gateway, token), bench.profile.user_notes * 10
        )
    )
    pages = {
        "GET /notes/?q= (search)": [f"/notes/?q={word}&limit=50" for word in SEARCH_WORDS],
        "GET /notes/?sort=-updated_date&cursor=": follow_links(
            gateway, "/notes/?sort=-updated_date&limit=50", headers, 20
        ),
        "GET /notes/?sort=title&cursor=": follow_links(
            gateway, "/notes/?sort=title&limit=50", headers, 20
        ),
        "GET /notes/?q=&cursor= (search pages)": follow_links(
            gateway, "/notes/?q=garden&limit=50", headers, 20
        ),
    }
    results = []
    for number, (name, paths) in enumerate(pages.items()):
        script = lua_script(
            bench.folder, f"search-{number}", method="GET", headers=headers, paths=paths
        )
        results.append(bench.meter.median(name, "gateway", gateway, script))
    return results
