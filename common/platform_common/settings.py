"""The settings every service reads alike, declared once.

Each service's `Settings` extends these with its own fields and its own
`env_prefix` (`AUTH_`, `NOTES_`, `GATEWAY_`), which applies to the inherited
fields too: `NOTES_LOG_LEVEL`, `AUTH_DATABASE_URL`. The verifier's settings
(JWKS, issuers, revocation list) are platform_common.verification's.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings


class ServiceSettings(BaseSettings):
    log_level: str = "INFO"
    # On SIGTERM, keep serving this long with `Connection: close` (and
    # /health/ready 503) before the graceful shutdown: callers leave first
    # (platform_common/draining.py). 0: stop at once.
    shutdown_drain_seconds: float = Field(default=0.0, ge=0)


class BackendSettings(ServiceSettings):
    """A service behind the gateway, with a database of its own (auth, notes)."""

    database_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    db_pool_size: int = Field(default=10, ge=1)
    # Migrations (platform_common.migration_env, docs/migrations.md): a statement
    # waiting longer than this for a lock gives up, so that it does not queue the
    # service's own queries behind it; and no statement runs longer than the second.
    migration_lock_timeout_seconds: float = Field(default=5.0, gt=0)
    migration_statement_timeout_seconds: float = Field(default=300.0, gt=0)
    # Peers whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses
    # or CIDRs): the gateway's. Anyone else's forwarded headers are ignored.
    trusted_proxies: list[str] = ["127.0.0.1", "::1"]
