from auth_service import models  # noqa: F401  (registers the tables on Base.metadata)
from auth_service.db import SCHEMA, Base
from platform_common.testing.migrations import MigrationSuite, schema_tables
from tests.conftest import SERVICE_ROOT


class TestMigrations(MigrationSuite):
    service_root = SERVICE_ROOT
    metadata = Base.metadata
    schema = SCHEMA
    env_prefix = "AUTH"
    created_tables = frozenset({"users", "refresh_tokens"})
    before_blocked = "3d7a9c5e2f14"
    blocked_table = "auth.outbox_events"

    async def test_public_schema_untouched(self, database_url: str) -> None:
        assert await schema_tables(database_url, "public") == set()
