from alembic import context

from auth_service import models  # noqa: F401  (registers the tables on Base.metadata)
from auth_service.config import get_settings
from auth_service.db import SCHEMA, Base
from platform_common.migration_env import MigrationTimeouts, run_migrations

settings = get_settings()
url = context.config.get_main_option("sqlalchemy.url") or settings.database_url
run_migrations(url, Base.metadata, SCHEMA, MigrationTimeouts.of(settings))
