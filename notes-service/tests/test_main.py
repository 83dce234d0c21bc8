import httpx
import respx

from notes_service.config import Settings
from notes_service.main import create_app
from tests.conftest import User


async def test_database_down_is_503_not_500(
    settings: Settings, jwks: respx.Route, alice: User
) -> None:
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    app = create_app(
        settings.model_copy(update={"database_url": "postgresql://postgres@127.0.0.1:1/x"})
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://notes.test") as client:
            listing = await client.get("/notes/", headers=alice.headers)
            assert (listing.status_code, listing.json()) == (
                503,
                {"detail": "Database unavailable"},
            )
            assert (await client.get("/health/ready")).status_code == 503
            assert (await client.get("/health/live")).status_code == 200
