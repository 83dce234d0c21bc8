from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from gateway.quotas import parse_rate
from gateway.upstreams import AUTH, NOTES, UpstreamSpec, resolve_table
from platform_common.replicas import split_urls
from platform_common.settings import ServiceSettings
from platform_common.verification import VerifierSettings

# The settings of before GATEWAY_UPSTREAMS, per default upstream: (single URL,
# replicas, read timeout). Still read: when set, folded into the table.
SETTINGS_OF_BEFORE = {
    AUTH: ("auth_url", "auth_urls", "auth_timeout_seconds"),
    NOTES: ("notes_url", "notes_urls", "notes_timeout_seconds"),
}


class Settings(VerifierSettings, ServiceSettings):
    # A refused value is not repeated in the error: URLs may carry credentials.
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", hide_input_in_errors=True)

    # Read by the local runner for uvicorn's --port.
    port: int = Field(default=8000, ge=1, le=65535)

    # The table of upstreams (gateway/upstreams.py), a JSON list: an entry
    # naming a default upstream sets its urls (its replicas, each balanced
    # over: gateway/balancer.py) and timeout_seconds (for each read of its
    # answer); an entry with a new name adds an upstream (name, prefixes,
    # exact_paths, urls, timeout_seconds, open_routes).
    upstreams: list[dict[str, Any]] = []
    # The default upstreams' settings of before the table (SETTINGS_OF_BEFORE),
    # their defaults the table's: the single URL; the replicas, comma-separated
    # or a JSON list, replacing it when set; the read timeout.
    auth_url: str = "http://127.0.0.1:8001"
    notes_url: str = "http://127.0.0.1:8002"
    auth_urls: str = ""
    notes_urls: str = ""
    auth_timeout_seconds: float = Field(default=10.0, gt=0)
    notes_timeout_seconds: float = Field(default=10.0, gt=0)
    connect_timeout_seconds: float = Field(default=2.0, gt=0)
    # aiohttp's pool by default; httpx's own is slower under load (gateway/aiohttp_sender.py).
    upstream_client: Literal["aiohttp", "httpx"] = "aiohttp"
    upstream_max_connections: int = Field(default=200, ge=1)
    upstream_keepalive_connections: int = Field(default=100, ge=1)

    # The token check (platform_common.verification.VerifierSettings: the
    # issuers, the JWKS cache, the revocation list). Empty URLs mean every
    # auth-service replica's /auth/.well-known/jwks.json and
    # /internal/revocations (platform_common.replicas: each in turn, the next
    # when one refuses).
    jwks_url: str = ""
    revocations_url: str = ""
    jwt_audience: str = "notes-platform"
    max_authorization_bytes: int = Field(default=8192, ge=256)

    max_body_bytes: int = Field(default=1024 * 1024, ge=1)
    # A request body must keep coming (each part within the idle deadline) and
    # be complete within the total one, or the request ends with 408.
    body_idle_timeout_seconds: float = Field(default=10.0, gt=0)
    body_total_timeout_seconds: float = Field(default=60.0, gt=0)

    # Networks of the proxies in front of the gateway, whose X-Forwarded-For
    # it believes (gateway/client_address.py). Empty: clients connect directly.
    trusted_proxies: list[IPv4Network | IPv6Network] = []
    # Clients (after the rule above) that may read /metrics and the detailed
    # readiness report; everyone else gets 404 and a plain ready/not ready.
    internal_networks: list[IPv4Network | IPv6Network] = [
        IPv4Network("127.0.0.1/32"),
        IPv6Network("::1/128"),
    ]

    circuit_failure_threshold: int = Field(default=5, ge=1)
    circuit_reset_seconds: float = Field(default=10.0, gt=0)

    openapi_refresh_seconds: float = Field(default=30.0, ge=0)
    health_timeout_seconds: float = Field(default=1.0, gt=0)
    # One public /health/ready answer serves every public caller this long
    # (gateway/readiness.py); internal networks always get a fresh report.
    public_readiness_cache_seconds: float = Field(default=1.0, gt=0)

    # Requests each consumer may send per window (gateway/quotas.py): a user
    # (token subject) on token routes, a client address on open ones.
    rate_limit: str = "1200/minute"
    # Shares the quota counters between gateway instances; empty: each counts alone.
    redis_url: SecretStr = SecretStr("")

    cors_origins: list[str] = []
    cors_allow_credentials: bool = False

    @field_validator("rate_limit")
    @classmethod
    def _rate(cls, value: str) -> str:
        parse_rate(value)
        return value

    @model_validator(mode="after")
    def _upstream_table(self) -> "Settings":
        # A bad table is refused here, at start-up, not when the state is built.
        resolve_table(self.upstreams, self._settings_of_before())
        return self

    @model_validator(mode="after")
    def _check(self) -> "Settings":
        if not self.jwks_url:
            self.jwks_url = _each(self.auth_replicas, "/auth/.well-known/jwks.json")
        if not self.revocations_url:
            self.revocations_url = _each(self.auth_replicas, "/internal/revocations")
        if self.cors_allow_credentials and "*" in self.cors_origins:
            # Browsers refuse it anyway, and echoing any origin with credentials is worse.
            raise ValueError("CORS: a wildcard origin cannot be combined with credentials")
        return self

    @property
    def upstream_table(self) -> tuple[UpstreamSpec, ...]:
        """Every upstream, the defaults first (gateway/upstreams.py)."""
        return resolve_table(self.upstreams, self._settings_of_before())

    @property
    def auth_replicas(self) -> list[str]:
        return next(list(u.urls) for u in self.upstream_table if u.name == AUTH)

    def _settings_of_before(self) -> dict[str, dict[str, Any]]:
        """The values of SETTINGS_OF_BEFORE that are set, as table fields by upstream."""
        entries = {entry.get("name"): entry for entry in self.upstreams}
        values: dict[str, dict[str, Any]] = {}
        for name, (url, urls, timeout) in SETTINGS_OF_BEFORE.items():
            replicas = split_urls(getattr(self, urls))
            sources = {
                "urls": [f for f in (url, urls) if f in self.model_fields_set and getattr(self, f)],
                "timeout_seconds": [timeout] if timeout in self.model_fields_set else [],
            }
            given: dict[str, Any] = {}
            if sources["urls"]:
                given["urls"] = replicas or [getattr(self, url)]
            if sources["timeout_seconds"]:
                given["timeout_seconds"] = getattr(self, timeout)
            for field in sorted(set(given) & set(entries.get(name, {}))):
                variables = " and ".join(f"GATEWAY_{f.upper()}" for f in sources[field])
                raise ValueError(
                    f"{name}'s {field} is set twice, in GATEWAY_UPSTREAMS and {variables}: keep one"
                )
            values[name] = given
        return values


def _each(urls: list[str], path: str) -> str:
    return ",".join(url.rstrip("/") + path for url in urls)


@lru_cache
def get_settings() -> Settings:
    return Settings()
