from notes_service.db import SCHEMA, Base
from platform_common.testing.migrations import MigrationSuite
from tests.conftest import SERVICE_ROOT


class TestMigrations(MigrationSuite):
    service_root = SERVICE_ROOT
    metadata = Base.metadata
    schema = SCHEMA
    env_prefix = "NOTES"
    created_tables = frozenset({"notes"})
    before_blocked = "5f3a9d2c7b10"
    blocked_table = "notes.notes"
