from auth_service import models  # noqa: F401  (registers the tables on Base.metadata)
from auth_service.db import SCHEMA, Base
from platform_common.testing.migrations import round_trip, schema_differences, schema_tables
from tests.conftest import SERVICE_ROOT


async def test_migrations_match_models(database_url: str) -> None:
    assert await schema_differences(database_url, Base.metadata, SCHEMA) == []


async def test_upgrade_downgrade_upgrade() -> None:
    result = await round_trip(SERVICE_ROOT, Base.metadata, SCHEMA, prefix="auth_migrations")
    assert {"users", "refresh_tokens", "alembic_version"} <= result.upgraded
    assert result.downgraded == {"alembic_version"}
    assert result.differences == []


async def test_public_schema_untouched(database_url: str) -> None:
    assert await schema_tables(database_url, "public") == set()
