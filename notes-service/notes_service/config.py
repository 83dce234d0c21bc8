from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from platform_common.tokens import LEGACY_ISSUER


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NOTES_")

    database_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    db_pool_size: int = Field(default=10, ge=1)
    # Migrations (platform_common.migration_env, docs/migrations.md): a statement
    # waiting longer than this for a lock gives up, so that it does not queue the
    # service's own queries behind it; and no statement runs longer than the second.
    migration_lock_timeout_seconds: float = Field(default=5.0, gt=0)
    migration_statement_timeout_seconds: float = Field(default=300.0, gt=0)
    jwks_url: str = "http://127.0.0.1:8001/auth/.well-known/jwks.json"
    # auth-service's issuer: its public URL + /auth (AUTH_PUBLIC_URL; the
    # default is `make run`'s, which sets it from the gateway's port).
    jwt_issuer: str = "http://127.0.0.1:8000/auth"
    # Also accepted until their tokens expire: the issuer before it was a URL.
    # Empty it once auth-service has signed with jwt_issuer for an access-token
    # lifetime (README, "Issuer").
    jwt_previous_issuers: list[str] = [LEGACY_ISSUER]
    # User tokens carry the platform audience; service tokens for /internal/
    # routes are minted for notes-service alone.
    jwt_audiences: list[str] = ["notes-platform", "notes-service"]
    jwks_max_age_seconds: float = 300.0
    jwks_refetch_floor_seconds: float = 10.0
    # Users deleted or deactivated since their token was issued
    # (platform_common.revocations): their tokens are refused within about
    # one poll interval.
    revocations_url: str = "http://127.0.0.1:8001/internal/revocations"
    revocations_poll_interval_seconds: float = Field(default=2.0, gt=0)
    # Off only in tests that have no list to poll.
    revocations_enabled: bool = True
    # How long an Idempotency-Key's first answer is replayed (then the key is free again).
    idempotency_ttl_seconds: int = Field(default=24 * 3600, ge=1)
    log_level: str = "INFO"
    # Peers whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses
    # or CIDRs): the gateway's. Anyone else's forwarded headers are ignored.
    trusted_proxies: list[str] = ["127.0.0.1", "::1"]
    # On SIGTERM, keep serving this long with `Connection: close` (and
    # /health/ready 503) before the graceful shutdown: callers leave first
    # (platform_common/draining.py). 0: stop at once.
    shutdown_drain_seconds: float = Field(default=0.0, ge=0)


@lru_cache
def get_settings() -> Settings:
    return Settings()
