"""Settings, all from `AUTH_*` environment variables.

Signing keys (`AUTH_SIGNING_KEYS_DIR`): a directory of PEM files, one key per
file, the file name without `.pem` being the key id (`kid`). A private RSA key
can sign and has its public half published; a file holding only a public RSA
key is published but never signs, which keeps a retired key verifiable until
the last token it signed has expired. `AUTH_ACTIVE_KEY_ID` names the key that
signs; unset, it is the private key whose id sorts last, so date-named files
(`2026-11-21.pem`) rotate by adding a file. Rotation: add the new key, wait
for verifiers to refresh their JWKS (`NOTES_JWKS_MAX_AGE_SECONDS`), switch the
active id, and later replace the old private key by its public half. Keys
are read at start-up: each step is a rolling restart of the replicas
(docs/architecture.md, "Key rotation"; proven by tests-e2e/test_scale_out.py).

Without `AUTH_SIGNING_KEYS_DIR` (development), a key is generated once in
`AUTH_DEVELOPMENT_KEYS_DIR` (`$PLATFORM_DATA_DIR/auth-keys`, by default
`.data/auth-keys/` at the repository's root) and reused on the next start.

Account deletion (`AUTH_NOTES_URL`, `AUTH_OUTBOX_*`): the deletion commits an
outbox event; the dispatcher polls for due events every
`AUTH_OUTBOX_POLL_INTERVAL_SECONDS` and asks notes-service to purge the
user's notes, retrying failures after base·2^(attempt-1) seconds (capped at
`AUTH_OUTBOX_BACKOFF_CAP_SECONDS`, half of it random jitter).
"""

import os
from functools import lru_cache
from pathlib import Path
from typing import Self
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from platform_common.settings import BackendSettings
from platform_common.tokens import LEGACY_ISSUER

FIRST_SUPERUSER_PASSWORD_MIN_LENGTH = 12
# auth-service/auth_service/config.py → the repository's root.
REPO_ROOT = Path(__file__).resolve().parents[2]


def _data_dir() -> Path:
    # The same folder `make run` keeps its embedded Postgres in.
    return Path(os.environ.get("PLATFORM_DATA_DIR", REPO_ROOT / ".data"))


def _development_keys_dir() -> Path:
    return _data_dir() / "auth-keys"


def _mail_dir() -> Path:
    return _data_dir() / "mail"


# Client scopes of RFC 7662 introspection (auth_service.oauth.introspection): the
# first lets a client call POST /auth/introspect, the second also shows it
# the user's email (`username`).
INTROSPECT_SCOPE = "introspect"
INTROSPECT_USERNAME_SCOPE = "introspect:username"


class ClientConfig(BaseModel):
    """A service allowed the client-credentials grant."""

    secret: SecretStr = Field(min_length=16)
    scopes: list[str] = Field(min_length=1)
    # The service the tokens are for; it must list this audience in its settings.
    audience: str = Field(min_length=1)
    # With scope `introspect`: the audiences (`aud`) of the tokens this client
    # may introspect, usually its own as a resource server; any other token
    # is `{"active": false}` to it.
    introspection_audiences: list[str] = []

    @model_validator(mode="after")
    def _introspection_complete(self) -> Self:
        """Half-configured introspection fails at start-up, not at the first call."""
        introspects = INTROSPECT_SCOPE in self.scopes
        if introspects and not self.introspection_audiences:
            raise ValueError(f"scope {INTROSPECT_SCOPE} needs introspection_audiences")
        if not introspects and INTROSPECT_USERNAME_SCOPE in self.scopes:
            raise ValueError(f"scope {INTROSPECT_USERNAME_SCOPE} needs {INTROSPECT_SCOPE}")
        if not introspects and self.introspection_audiences:
            raise ValueError(f"introspection_audiences needs scope {INTROSPECT_SCOPE}")
        return self


class Settings(BackendSettings):
    """The database, logging and draining (BackendSettings), and the rest below, under `AUTH_`."""

    model_config = SettingsConfigDict(env_prefix="AUTH_")

    # The tokens' `iss` is jwt_issuer below (derived from public_url). These
    # are also accepted here (/auth/me, introspection) until their tokens expire.
    jwt_previous_issuers: list[str] = [LEGACY_ISSUER]
    jwt_audience: str = "notes-platform"
    user_scope: str = "notes"
    access_token_lifetime_seconds: int = Field(default=900, ge=30, le=3600)
    refresh_token_lifetime_seconds: int = Field(default=30 * 24 * 3600, ge=60)
    # After a client secret's rotation, the previous secret works this long
    # (time to redeploy the client with the new one).
    client_secret_grace_seconds: int = Field(default=24 * 3600, ge=0, le=30 * 24 * 3600)
    # The first-party public client of the gateway's /docs page (its Authorize
    # button: the authorization code flow with PKCE), registered at start-up
    # with the redirect URI <public URL>/docs/oauth2-redirect. Empty: none.
    docs_client_id: str = "notes-platform-docs"
    # The password grant for requests that name no client: deprecated (OAuth
    # 2.1 removes the grant), kept on so that today's scripts keep working.
    password_grant_without_client: bool = True
    signing_keys_dir: Path | None = None
    active_key_id: str | None = None
    # Only used when signing_keys_dir is unset: a key is generated here once.
    # The TOTP secrets' key too, when totp_encryption_keys is empty.
    development_keys_dir: Path = Field(default_factory=_development_keys_dir)
    # JSON list of Fernet keys (auth_service.accounts.secret_box): the first
    # encrypts TOTP secrets, every one decrypts (rotation).
    totp_encryption_keys: list[SecretStr] = []

    # JSON, e.g. {"auth-service-outbox": {"secret": "...", "scopes": ["notes:purge"],
    # "audience": "notes-service"}}; an introspecting resource server:
    # {"reports": {..., "scopes": ["introspect"], "audience": "...",
    # "introspection_audiences": ["notes-platform"]}} (ClientConfig).
    clients: dict[str, ClientConfig] = {}

    first_superuser_email: str | None = None
    # Checked at start-up (_first_superuser_password_is_strong).
    first_superuser_password: SecretStr | None = None

    # argon2id; the defaults are OWASP's recommendation (m=19 MiB, t=2, p=1).
    # Raising them upgrades every stored hash at its owner's next login.
    argon2_memory_cost_kib: int = Field(default=19456, ge=8)
    argon2_time_cost: int = Field(default=2, ge=1)
    argon2_parallelism: int = Field(default=1, ge=1)
    # Hashes computed at once; the rest wait, so a burst of logins cannot take
    # every worker thread (or all the memory: each hash holds memory_cost KiB,
    # kept by its thread's allocator arena). A hash is pure CPU: more at once
    # than cores adds memory, not logins per second (bench/README.md: 4 on 2
    # cores, 185 MiB after a 30 s login burst; 2, 147 MiB, the same req/s).
    password_hashing_concurrency: int = Field(default=min(4, os.cpu_count() or 1), ge=1)
    # Hashes allowed to wait for one of those slots; beyond, 503 + Retry-After
    # at once instead of an ever longer queue.
    password_hashing_queue_size: int = Field(default=64, ge=0)
    # Below the gateway's upstream timeout, so a queued login gets 503 from here.
    password_hashing_max_wait_seconds: float = Field(default=5.0, gt=0)

    # Failed-login throttling (auth_service.accounts.throttle; README "Login throttling").
    # Attempts are counted before the password is checked, per fixed window.
    login_limit_per_account_address: int = Field(default=5, ge=1)
    login_window_per_account_address_seconds: int = Field(default=900, ge=1)
    login_limit_per_address: int = Field(default=100, ge=1)
    login_window_per_address_seconds: int = Field(default=3600, ge=1)
    # Not applied to addresses that have logged into the account before.
    login_limit_per_account: int = Field(default=50, ge=1)
    login_window_per_account_seconds: int = Field(default=3600, ge=1)
    # An address that logged into an account is "known" to it for this long
    # after its last successful login.
    login_known_address_days: int = Field(default=90, ge=1)

    # Account deletion: the outbox dispatcher (auth_service.delivery.outbox).
    notes_url: str = "http://127.0.0.1:8002"
    notes_timeout_seconds: float = Field(default=5.0, gt=0)
    # And its webhook endpoints (webhooks-service; every replica, as notes_url).
    # Empty: no webhooks-service to purge.
    webhooks_url: str = "http://127.0.0.1:8003"
    webhooks_timeout_seconds: float = Field(default=5.0, gt=0)
    # Off in tests that drive the dispatcher by hand.
    outbox_enabled: bool = True
    outbox_poll_interval_seconds: float = Field(default=1.0, gt=0)
    outbox_batch_size: int = Field(default=20, ge=1, le=500)
    outbox_backoff_base_seconds: float = Field(default=1.0, gt=0)
    outbox_backoff_cap_seconds: float = Field(default=30.0, gt=0)
    # How long a claimed event is hidden from other dispatchers while it is
    # being delivered; after a crash it is delivered again once this passes.
    outbox_lease_seconds: float = Field(default=30.0, gt=0)
    # The `sub` of the dispatcher's notes:purge tokens.
    outbox_client_id: str = "auth-service-outbox"

    # Email (auth_service.delivery.mail). With no SMTP URL each message is written as an
    # .eml file under mail_dir (the `make run` default) and its path logged.
    # smtp://user:password@host:port (plain; add ?starttls=true to upgrade),
    # smtps://... (TLS from the start). Certificates are checked against the
    # system's CAs (SSL_CERT_FILE names others).
    smtp_url: SecretStr | None = None
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    mail_dir: Path = Field(default_factory=_mail_dir)
    mail_from: str = "notes-platform <no-reply@localhost>"
    # Where clients reach the API (the gateway): links in emails, the
    # endpoints of the RFC 8414 metadata, and the issuer (jwt_issuer).
    # `make run` sets it from the gateway's port (deploy/run_local.py).
    public_url: str = "http://127.0.0.1:8000"

    # Account lifecycle (auth_service.accounts.recovery).
    password_reset_lifetime_seconds: int = Field(default=1800, ge=60)
    verification_lifetime_seconds: int = Field(default=3 * 24 * 3600, ge=60)
    # Reset requests per window (auth_service.accounts.recovery): per (account, client
    # address); per client address; per account from addresses that never
    # logged into it, all together (the cap on mail to one address).
    password_reset_limit_per_account_address: int = Field(default=3, ge=1)
    password_reset_limit_per_address: int = Field(default=20, ge=1)
    password_reset_limit_per_account: int = Field(default=10, ge=1)
    password_reset_window_seconds: int = Field(default=3600, ge=1)
    # Emails registrations send to one address per window: the new account's
    # verification, then notices that someone tried to register it again
    # (auth_service.accounts.users.register_user); beyond, nothing (the answer is
    # the same).
    registration_mail_limit: int = Field(default=3, ge=1)
    registration_mail_window_seconds: int = Field(default=86400, ge=1)
    # Refuse the password grant to accounts whose address is not verified.
    require_verified_email: bool = False
    # Security events older than this are deleted by the service itself.
    event_retention_days: int = Field(default=90, ge=1)

    # GET /internal/revocations lists subjects revoked within the access-token
    # lifetime plus this margin (verifiers accept `exp` with some leeway too).
    revocation_leeway_seconds: int = Field(default=60, ge=0)

    @field_validator("public_url")
    @classmethod
    def _public_url_is_an_http_url(cls, value: str) -> str:
        """An absolute http(s) URL with no user, query or fragment (RFC 8414 §2
        asks all three of an issuer; https in production), stored without a
        trailing slash so that `public_url + "/auth/..."` is one URL."""
        parts = urlsplit(value)  # ValueError (a bad IPv6 literal) is a validation error too
        _ = parts.port  # raises ValueError when out of range
        plain = value.isprintable() and not any(c in value for c in " ?#@")
        if not (plain and parts.scheme in {"http", "https"} and parts.hostname):
            raise ValueError(
                "public_url must be an absolute http(s) URL without user, query or fragment"
            )
        return value.rstrip("/")

    @property
    def jwt_issuer(self) -> str:
        """The issuer identifier: auth-service's public URL (RFC 8414 §2).

        `<public_url>/auth`, not the bare public URL: the server is the part of
        the API under /auth, and its metadata is served by both rules RFC 8414
        §5 names for an issuer with a path: §3.1's, which inserts the
        well-known string before the path (/.well-known/oauth-authorization-server/auth),
        and OpenID Connect Discovery's, which appends it
        (/auth/.well-known/oauth-authorization-server, served since before).
        The bare URL's document would belong at the root of the gateway,
        outside every service's paths (docs/architecture.md, "Issuer").
        """
        return self.public_url + "/auth"

    @field_validator("smtp_url", mode="before")
    @classmethod
    def _empty_smtp_url_is_none(cls, value: object) -> object:
        # Deployments pass the variable through (`${AUTH_SMTP_URL:-}` in
        # docker-compose.yml): set but empty means no SMTP server.
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @model_validator(mode="after")
    def _first_superuser_password_is_strong(self) -> Self:
        """Refuse to start with a guessable first superuser: at least
        FIRST_SUPERUSER_PASSWORD_MIN_LENGTH characters, and neither the email
        nor its local part (compared case-insensitively)."""
        if self.first_superuser_password is None:
            return self
        password = self.first_superuser_password.get_secret_value()
        email = (self.first_superuser_email or "").strip().casefold()
        if len(password) < FIRST_SUPERUSER_PASSWORD_MIN_LENGTH:
            raise ValueError(
                "AUTH_FIRST_SUPERUSER_PASSWORD is too weak: it needs at least "
                f"{FIRST_SUPERUSER_PASSWORD_MIN_LENGTH} characters"
            )
        if password.casefold() in {email, email.partition("@")[0]}:
            raise ValueError(
                "AUTH_FIRST_SUPERUSER_PASSWORD is too weak: it is the superuser's email "
                "or the part before the @"
            )
        return self

    @model_validator(mode="after")
    def _introspection_audiences_are_issued(self) -> Self:
        # A misspelt audience would match no token: every answer inactive.
        issued = {self.jwt_audience, *(client.audience for client in self.clients.values())}
        for client_id, client in self.clients.items():
            unknown = sorted(set(client.introspection_audiences) - issued)
            if unknown:
                raise ValueError(
                    f"client {client_id}: introspection_audiences {', '.join(unknown)} "
                    f"are not issued for (AUTH_JWT_AUDIENCE or a client's audience)"
                )
        return self

    @model_validator(mode="after")
    def _lease_outlasts_a_delivery(self) -> Self:
        # A lease shorter than one HTTP call would let a second dispatcher
        # deliver the same event while the first is still waiting for it.
        # An account's deletion waits for notes-service, then webhooks-service.
        purge = self.notes_timeout_seconds + self.webhooks_timeout_seconds
        if self.outbox_lease_seconds <= max(purge, self.smtp_timeout_seconds):
            raise ValueError(
                "outbox_lease_seconds must exceed notes_timeout_seconds + webhooks_timeout_seconds"
                " and smtp_timeout_seconds"
            )
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
