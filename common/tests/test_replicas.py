"""Several URLs for one service: parsed alike, asked in turn, the next when one refuses."""

import httpx
import pytest
import respx

from platform_common.replicas import replica_client, replica_transport, split_urls

A = "http://auth-a.test"
B = "http://auth-b.test"


class TestSplitUrls:
    @pytest.mark.parametrize(
        "value",
        [f"{A},{B}", f" {A} , {B} ,", f'["{A}", "{B}"]', [A, B]],
    )
    def test_comma_separated_or_json(self, value: str | list[str]) -> None:
        assert split_urls(value) == [A, B]

    def test_one_url(self) -> None:
        assert split_urls(A) == [A]

    def test_json_must_be_a_list(self) -> None:
        for value in ('["x"', "[1]", '["x", 2]'):
            with pytest.raises(ValueError, match="JSON list of strings"):
                split_urls(value)


class TestReplicaClient:
    async def test_requests_take_turns(self) -> None:
        with respx.mock:
            a = respx.get(f"{A}/keys").respond(json={})
            b = respx.get(f"{B}/keys").respond(json={})
            async with replica_client(f"{A},{B}") as client:
                for _ in range(4):
                    assert (await client.get("/keys")).status_code == 200
            assert (a.call_count, b.call_count) == (2, 2)

    async def test_a_refused_connection_moves_to_the_next(self) -> None:
        with respx.mock:
            a = respx.delete(f"{A}/purge").mock(side_effect=httpx.ConnectError("refused"))
            b = respx.delete(f"{B}/purge").respond(status_code=204)
            async with replica_client([A, B]) as client:
                for _ in range(2):
                    assert (await client.delete("/purge")).status_code == 204
            assert (a.call_count, b.call_count) == (1, 2)
            assert b.calls.last.request.headers["host"] == "auth-b.test"

    async def test_every_replica_refusing_raises(self) -> None:
        with respx.mock:
            for url in (A, B):
                respx.get(f"{url}/keys").mock(side_effect=httpx.ConnectError("refused"))
            async with replica_client([A, B]) as client:
                with pytest.raises(httpx.ConnectError):
                    await client.get("/keys")

    async def test_other_services_and_a_lone_url_pass_through(self) -> None:
        other = "http://notes.test"
        with respx.mock:
            route = respx.get(f"{other}/x").respond(json={})
            async with httpx.AsyncClient(transport=replica_transport([A, B], [other])) as client:
                assert (await client.get(f"{other}/x")).status_code == 200
            assert route.call_count == 1

    async def test_two_services_each_spread_over_their_own(self) -> None:
        c, d = "http://notes-c.test", "http://notes-d.test"
        with respx.mock:
            routes = [respx.get(f"{url}/x").respond(json={}) for url in (A, B, c, d)]
            transport = replica_transport([A, B], [c, d])
            async with httpx.AsyncClient(transport=transport) as client:
                for _ in range(2):
                    await client.get(f"{A}/x")
                    await client.get(f"{c}/x")
            assert [r.call_count for r in routes] == [1, 1, 1, 1]
