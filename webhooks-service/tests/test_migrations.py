from platform_common.testing.migrations import round_trip, schema_differences
from tests.conftest import SERVICE_ROOT
from webhooks_service.db import SCHEMA, Base


async def test_models_and_migrations_agree(database_url: str) -> None:
    assert await schema_differences(database_url, Base.metadata, SCHEMA) == []


async def test_upgrade_downgrade_upgrade() -> None:
    result = await round_trip(SERVICE_ROOT, Base.metadata, SCHEMA, prefix="webhooks_migrations")
    assert {"endpoints", "events", "deliveries", "attempts", "alembic_version"} <= result.upgraded
    assert result.downgraded == {"alembic_version"}
    assert result.differences == []
