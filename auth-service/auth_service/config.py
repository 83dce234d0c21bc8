"""Settings, all from `AUTH_*` environment variables.

Signing keys (`AUTH_SIGNING_KEYS_DIR`): a directory of PEM files, one key per
file, the file name without `.pem` being the key id (`kid`). A private RSA key
can sign and has its public half published; a file holding only a public RSA
key is published but never signs, which keeps a retired key verifiable until
the last token it signed has expired. `AUTH_ACTIVE_KEY_ID` names the key that
signs; unset, it is the private key whose id sorts last, so date-named files
(`2026-11-21.pem`) rotate by adding a file. Rotation: add the new key, wait
for verifiers to refresh their JWKS (`NOTES_JWKS_MAX_AGE_SECONDS`), switch the
active id, and later replace the old private key by its public half.

Without `AUTH_SIGNING_KEYS_DIR` (development), a key is generated once under
`.data/auth-keys/` and reused on the next start.
"""

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ClientConfig(BaseModel):
    """A service allowed the client-credentials grant."""

    secret: SecretStr = Field(min_length=16)
    scopes: list[str] = Field(min_length=1)
    # The service the tokens are for; it must list this audience in its settings.
    audience: str = Field(min_length=1)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AUTH_")

    database_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    db_pool_size: int = Field(default=10, ge=1)
    log_level: str = "INFO"

    jwt_issuer: str = "notes-platform-auth"
    jwt_audience: str = "notes-platform"
    user_scope: str = "notes"
    access_token_lifetime_seconds: int = Field(default=900, ge=30, le=3600)
    refresh_token_lifetime_seconds: int = Field(default=30 * 24 * 3600, ge=60)
    signing_keys_dir: Path | None = None
    active_key_id: str | None = None

    # JSON, e.g. {"auth-service-outbox": {"secret": "...", "scopes": ["notes:purge"],
    # "audience": "notes-service"}}
    clients: dict[str, ClientConfig] = {}

    first_superuser_email: str | None = None
    first_superuser_password: SecretStr | None = None

    # argon2id; the defaults are OWASP's recommendation (m=19 MiB, t=2, p=1).
    # Raising them upgrades every stored hash at its owner's next login.
    argon2_memory_cost_kib: int = Field(default=19456, ge=8)
    argon2_time_cost: int = Field(default=2, ge=1)
    argon2_parallelism: int = Field(default=1, ge=1)
    # Hashes computed at once; the rest wait, so a burst of logins cannot take
    # every worker thread (or all the memory: each hash holds memory_cost KiB).
    password_hashing_concurrency: int = Field(default=4, ge=1)


@lru_cache
def get_settings() -> Settings:
    return Settings()
