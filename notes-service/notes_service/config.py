from functools import lru_cache

from pydantic import Field
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


@lru_cache
def get_settings() -> Settings:
    return Settings()
