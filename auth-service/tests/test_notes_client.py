"""Contract tests: the client's calls and the mocked answers follow notes-service's document
(the documented call itself: test_purge_clients)."""

import uuid

import httpx
import pytest
import respx

from auth_service.delivery.notes_client import PURGE_PATH, NotesClient, NotesServiceError
from tests.conftest import NOTES


@pytest.fixture
def client(notes_http: httpx.AsyncClient) -> NotesClient:
    return NotesClient(notes_http, access_token=lambda: "service-token")


class TestPurgeUserNotes:
    async def test_repeated_delivery_answers_zero(self, client: NotesClient) -> None:
        with respx.mock as mock:
            route = NOTES.route_template(mock, "DELETE", PURGE_PATH)
            route.side_effect = [
                NOTES.response("DELETE", PURGE_PATH, status=200, json={"deleted": 2}),
                NOTES.response("DELETE", PURGE_PATH, status=200, json={"deleted": 0}),
            ]
            user_id = uuid.uuid4()
            assert [await client.purge_user_notes(user_id) for _ in range(2)] == [2, 0]

    @pytest.mark.parametrize(
        ("answer", "message", "status"),
        [
            (httpx.Response(503, json={"detail": "down"}), "answered 503", 503),
            (httpx.Response(401, json={"detail": "Not authenticated"}), "answered 401", 401),
            (httpx.Response(403, json={"detail": "Insufficient scope"}), "answered 403", 403),
            (httpx.Response(200, text="<html>"), "unexpected body", None),
            (httpx.Response(200, json=[]), "unexpected body", None),
            (httpx.Response(200, json={"deleted": "3"}), "deleted='3'", None),
            (httpx.ConnectError("refused"), "unreachable", None),
            (httpx.ReadTimeout("frozen"), "timed out", None),
            (httpx.ConnectTimeout("no route"), "timed out", None),
        ],
    )
    async def test_failures_raise_typed_error(
        self,
        client: NotesClient,
        answer: httpx.Response | Exception,
        message: str,
        status: int | None,
    ) -> None:
        with respx.mock as mock:
            NOTES.route_template(mock, "DELETE", PURGE_PATH).side_effect = [answer]
            with pytest.raises(NotesServiceError, match=message) as caught:
                await client.purge_user_notes(uuid.uuid4())
        assert caught.value.status_code == status
