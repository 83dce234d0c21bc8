from functools import lru_cache
from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from platform_common.settings import BackendSettings
from platform_common.verification import VerifierSettings

# Seconds between a delivery's attempts: 14 retries over about 3 days (3.15),
# the Standard Webhooks recommendation stretched to the 3 days.
DEFAULT_RETRY_SCHEDULE: list[float] = [
    5,
    30,
    120,
    600,
    1800,
    3600,
    7200,
    14400,
    28800,
    43200,
    43200,
    43200,
    43200,
    43200,
]


class Settings(VerifierSettings, BackendSettings):
    """The database, logging and draining (BackendSettings), the token check
    (VerifierSettings), and the deliveries, under `WEBHOOKS_`."""

    model_config = SettingsConfigDict(env_prefix="WEBHOOKS_")

    # User tokens carry the platform audience; service tokens for /internal/
    # routes (notes-service's publisher, auth-service's purge) are minted for
    # webhooks-service alone.
    jwt_audiences: list[str] = ["notes-platform", "webhooks-service"]
    # Hosts (names or addresses, as written in endpoint URLs) exempt from the
    # address and port checks (webhooks_service.addresses): for development
    # and tests, whose receivers listen on 127.0.0.1. Empty in production.
    allowed_hosts: list[str] = []
    # Deliveries: the workers of this process (each sends one at a time).
    delivery_enabled: bool = True
    delivery_concurrency: int = Field(default=32, ge=1, le=1000)
    # How often an idle worker looks for due deliveries (a new event on this
    # replica wakes them at once).
    delivery_poll_interval_seconds: float = Field(default=0.2, gt=0)
    # A claimed delivery is another worker's again after this (a crash mid-send).
    delivery_lease_seconds: float = Field(default=30.0, gt=0)
    delivery_timeout_seconds: float = Field(default=15.0, gt=0)
    retry_schedule_seconds: list[float] = Field(
        default_factory=lambda: list(DEFAULT_RETRY_SCHEDULE), min_length=1
    )
    # An endpoint that has failed without a success for this long is disabled.
    disable_after_seconds: float = Field(default=5 * 24 * 3600, gt=0)
    # Old secret keeps signing beside the new one after a rotation, this long.
    secret_rotation_overlap_seconds: int = Field(default=24 * 3600, ge=0, le=7 * 24 * 3600)
    # Delivered and failed deliveries (with their attempts) are kept this long.
    delivery_retention_days: int = Field(default=30, ge=1)
    # Endpoints a person may have.
    max_endpoints_per_user: int = Field(default=20, ge=1)
    # Mailing the owner of an endpoint the service disabled
    # (webhooks_service.notices): auth-service's notices route, with this
    # client's token (client credentials, scope notices:send). No secret: no
    # notices sent, each stays pending until one is set.
    auth_url: str = "http://127.0.0.1:8001"
    notices_client_id: str = "webhooks-service"
    notices_client_secret: SecretStr | None = None

    @model_validator(mode="after")
    def _lease_outlasts_an_attempt(self) -> Self:
        # A lease shorter than an attempt would let a second worker send the
        # same delivery while the first still waits for its answer.
        if self.delivery_lease_seconds <= self.delivery_timeout_seconds:
            raise ValueError("delivery_lease_seconds must exceed delivery_timeout_seconds")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
