"""The platform's services, listed once.

Read by deploy/run_local.py (what `make run` and the e2e tests start, on which
ports, wired to what), deploy/export_openapi.py (`make openapi`: the
committed documents and the gateway's route labels), deploy/tests (the
images, compose and Kubernetes must match it) and the Makefile
(`python3 deploy/services.py packages`: what is linted). Standard library
only: the Makefile reads it before any virtualenv exists.

A service behind the gateway says what the gateway forwards to it
(`Upstream`): `make run` gives the gateway that entry of GATEWAY_UPSTREAMS
with the replicas' URLs, and compose and Kubernetes carry the same entry
(deploy/tests check it). auth-service and notes-service are `BUILT_IN`: the
gateway has their entries itself (DEFAULT_UPSTREAMS in
gateway/gateway/upstreams.py) and is told only where they run.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GATEWAY = "gateway"
# The issuer of the tokens: verifiers read its keys and revocation list.
AUTH = "auth-service"
# Where notes-service publishes note changes (its client in AUTH_CLIENTS: run_local.py).
WEBHOOKS = "webhooks-service"


@dataclass(frozen=True)
class Upstream:
    """What the gateway forwards to a service: the fields of its GATEWAY_UPSTREAMS
    entry but the URLs (gateway/gateway/upstreams.py says what each means)."""

    prefixes: tuple[str, ...] = ()  # first path segments: ("/webhooks",)
    exact_paths: tuple[str, ...] = ()
    open_routes: tuple[str, ...] = ()  # "METHOD /path": no token needed

    def exposes(self, path: str) -> bool:
        """Whether the gateway forwards `path` here (as gateway.routing.PublicPaths)."""
        return path in self.exact_paths or any(
            path == prefix or path.startswith(prefix + "/") for prefix in self.prefixes
        )

    def entry(self, name: str, urls: list[str]) -> dict[str, object]:
        """Its GATEWAY_UPSTREAMS entry (a built-in upstream's: where it runs only)."""
        if self == BUILT_IN:
            return {"name": name, "urls": urls}
        entry: dict[str, object] = {"name": name, "prefixes": list(self.prefixes)}
        if self.exact_paths:
            entry["exact_paths"] = list(self.exact_paths)
        if self.open_routes:
            entry["open_routes"] = list(self.open_routes)
        return {**entry, "urls": urls}


# An upstream the gateway knows itself (its DEFAULT_UPSTREAMS).
BUILT_IN = Upstream()


@dataclass(frozen=True)
class Service:
    name: str  # folder, process, compose service, Kubernetes Deployment and Service
    package: str  # its Python package, with main.py's `app` factory and config.Settings
    env_prefix: str  # of its settings, without the underscore: AUTH_PORT, AUTH_WORKERS...
    default_port: int
    migrates: bool = False  # a database of its own: <PREFIX>_DATABASE_URL, Alembic
    verifies_tokens: bool = False  # auth-service's JWKS, revocation list and issuer
    upstream: Upstream | None = None  # behind the gateway; its openapi.json is committed
    # Settings (without the prefix) naming every replica of another service:
    # ("NOTES_URL", "notes-service") is AUTH_NOTES_URL for auth-service.
    calls: tuple[tuple[str, str], ...] = ()

    @property
    def module(self) -> str:
        """The uvicorn factory."""
        return f"{self.package}.main:app"

    @property
    def port_variable(self) -> str:
        return f"{self.env_prefix}_PORT"

    @property
    def workers_variable(self) -> str:
        """`<PREFIX>_WORKERS`: how many uvicorn worker processes serve this service."""
        return f"{self.env_prefix}_WORKERS"

    @property
    def folder(self) -> Path:
        return ROOT / self.name

    @property
    def exists(self) -> bool:
        return (self.folder / "pyproject.toml").exists()

    @property
    def settings_prefix(self) -> str:
        """What its Settings' variables start with: `AUTH_`."""
        return f"{self.env_prefix}_"

    @property
    def dockerfile(self) -> Path:
        return ROOT / "deploy" / "docker" / f"{self.name}.Dockerfile"

    @property
    def migration_job(self) -> str:
        """Its Kubernetes Job, which runs the migrations: `auth-migrate`."""
        return self.name.removesuffix("-service") + "-migrate"


SERVICES = (
    Service(
        AUTH,
        "auth_service",
        "AUTH",
        8001,
        migrates=True,
        upstream=BUILT_IN,
        calls=(("NOTES_URL", "notes-service"), ("WEBHOOKS_URL", "webhooks-service")),
    ),
    Service(
        "notes-service",
        "notes_service",
        "NOTES",
        8002,
        migrates=True,
        verifies_tokens=True,
        upstream=BUILT_IN,
        # The outbox's publisher: its service token, and where it sends note changes.
        calls=(("AUTH_URL", AUTH), ("WEBHOOKS_URL", WEBHOOKS)),
    ),
    Service(
        "webhooks-service",
        "webhooks_service",
        "WEBHOOKS",
        8003,
        migrates=True,
        verifies_tokens=True,
        upstream=Upstream(prefixes=("/webhooks",)),
        # The owners' notices: its service token, and auth-service's notices route.
        calls=(("AUTH_URL", AUTH),),
    ),
    Service(GATEWAY, "gateway", "GATEWAY", 8000, verifies_tokens=True),
)


def main(arguments: list[str]) -> int:
    """`packages`: each service's package directory (`auth-service/auth_service`...)."""
    if arguments != ["packages"]:
        print("usage: services.py packages", file=sys.stderr)
        return 2
    print(" ".join(f"{s.name}/{s.package}" for s in SERVICES))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
