from functools import lru_cache
from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from platform_common.settings import BackendSettings
from platform_common.verification import VerifierSettings


class Settings(VerifierSettings, BackendSettings):
    """The database, logging and draining (BackendSettings), and the token check
    (VerifierSettings: JWKS, issuers, revocation list), under `NOTES_`."""

    model_config = SettingsConfigDict(env_prefix="NOTES_")

    # User tokens carry the platform audience; service tokens for /internal/
    # routes are minted for notes-service alone.
    jwt_audiences: list[str] = ["notes-platform", "notes-service"]
    # How long an Idempotency-Key's first answer is replayed (then the key is free again).
    idempotency_ttl_seconds: int = Field(default=24 * 3600, ge=1)
    # The search bulkhead (notes_service.bulkhead): searches running at once
    # per process, below db_pool_size so that reads always find a connection
    # (0: unbounded); past the wait a search is answered 503.
    search_concurrency: int = Field(default=4, ge=0)
    search_wait_seconds: float = Field(default=1.0, gt=0)

    # Note changes for webhooks (notes_service.publisher). Empty: no outbox
    # event is written and nothing is published. Several replicas:
    # comma-separated or a JSON list (platform_common.replicas).
    webhooks_url: str = ""
    webhooks_timeout_seconds: float = Field(default=10.0, gt=0)
    # The publisher's service token: the client-credentials grant at
    # auth-service's /auth/token (a list of replicas, like webhooks_url).
    auth_url: str = "http://127.0.0.1:8001"
    webhooks_client_id: str = "notes-service"
    webhooks_client_secret: SecretStr | None = None
    outbox_batch_size: int = Field(default=100, ge=1, le=500)
    # Each process's own writes wake its publisher at once; this is for the others'.
    outbox_poll_interval_seconds: float = Field(default=1.0, gt=0)
    outbox_backoff_base_seconds: float = Field(default=1.0, gt=0)
    outbox_backoff_cap_seconds: float = Field(default=60.0, gt=0)
    # How long claimed events are hidden from other publishers while being
    # sent; after a crash they are sent again once this passes.
    outbox_lease_seconds: float = Field(default=30.0, gt=0)

    @property
    def outbox_enabled(self) -> bool:
        return bool(self.webhooks_url.strip())

    @model_validator(mode="after")
    def _searches_leave_connections(self) -> Self:
        if self.search_concurrency >= self.db_pool_size:
            raise ValueError("search_concurrency must be below db_pool_size (or 0: unbounded)")
        return self

    @model_validator(mode="after")
    def _publisher_complete(self) -> Self:
        if not self.outbox_enabled:
            return self
        if self.webhooks_client_secret is None:
            raise ValueError("webhooks_url is set: webhooks_client_secret is needed too")
        # A token fetch and a batch's call both fit in a lease, so a batch is
        # never sent twice because its lease ran out while it was in flight.
        if self.outbox_lease_seconds <= 2 * self.webhooks_timeout_seconds:
            raise ValueError("outbox_lease_seconds must exceed twice webhooks_timeout_seconds")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
