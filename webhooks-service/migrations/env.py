from alembic import context

from platform_common.migration_env import MigrationTimeouts, run_migrations
from webhooks_service import models  # noqa: F401  (registers the tables on Base.metadata)
from webhooks_service.config import get_settings
from webhooks_service.db import SCHEMA, Base

settings = get_settings()
url = context.config.get_main_option("sqlalchemy.url") or settings.database_url
run_migrations(url, Base.metadata, SCHEMA, MigrationTimeouts.of(settings))
