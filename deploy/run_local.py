"""Run the whole platform on this machine: `make run`.

Starts the embedded Postgres when no DATABASE_URL is set (data kept under
.data/), runs every service's Alembic migrations, starts every service with
uvicorn, prefixes each output line with the service's name, and stops
everything (Postgres included) on one Ctrl-C. The end-to-end tests start the
system through `LocalSystem` too, so they exercise this very code path.

The services are deploy/services.py's. `REPLICAS=N` (default 1) starts N
processes of each but the gateway: replica k (from 0) listens on its
service's port + 100·k (auth-service 8001, 8101, ...; notes-service 8002,
8102, ...), is named `<service>-<k+1>` from the second on, and every caller
is given every replica's URL: the gateway balances over them (each
upstream's `urls` in GATEWAY_UPSTREAMS), and the JWKS and revocation list
(the verifiers: gateway, notes-service) and the outbox's purges
(AUTH_NOTES_URL) go to each replica in turn, the next when one refuses
(platform_common.replicas).

Clients are told about the gateway actually started: AUTH_PUBLIC_URL (the
RFC 8414 metadata's endpoints, the links in emails) is
`http://127.0.0.1:$GATEWAY_PORT` unless set, and the issuer the verifiers
expect (GATEWAY_JWT_ISSUER, NOTES_JWT_ISSUER) is that URL + /auth, as
auth-service derives it.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import FrameType
from typing import IO, TypeVar

import httpx
from services import AUTH, GATEWAY, SERVICES, WEBHOOKS, Service
from supervision import Supervisor

T = TypeVar("T", list, dict)  # type: ignore[type-arg]

__all__ = ["SERVICES", "LocalSystem", "Service", "free_port", "free_ports", "replica_names"]
GRACEFUL_SHUTDOWN_SECONDS = 10
# Replica k of a service listens on the service's port + REPLICA_PORT_STEP·k.
REPLICA_PORT_STEP = 100
# With several replicas, a stopping one first drains (platform_common.draining)
# so that the gateway leaves it before it closes its idle connections.
DRAIN_SECONDS_WITH_REPLICAS = "1"
# prometheus_client's multiprocess mode: where every worker writes its metrics.
MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# notes-service's client for its publisher's tokens (auth_clients): the secret
# is made afresh for each run, the same for every process it starts.
PUBLISHER_CLIENT_ID = "notes-service"
PUBLISHER_SECRET = secrets.token_urlsafe(32)
# webhooks-service's client for mailing the owners of endpoints it disables
# (auth-service's notices route, whose tokens carry auth-service's own audience).
NOTICES_CLIENT_ID = "webhooks-service"
NOTICES_SECRET = secrets.token_urlsafe(32)
NOTICES_AUDIENCE = "notes-platform"


# The same for every service, here and in the images (deploy/tests check it).
# X-Forwarded-* are applied inside each app, from the peers its
# <PREFIX>_TRUSTED_PROXIES names only; uvicorn's own handling, which believes
# any local peer, stays off so that the app's is the one place. The HTTP
# protocol is uvicorn's httptools one with the request head bounded in size
# and time (platform_common.http_protocol).
UVICORN_FLAGS = (
    "--no-access-log",
    "--no-proxy-headers",
    "--no-server-header",  # `Server: uvicorn` would name the software to attack
    "--http",
    "platform_common.http_protocol:BoundedHttpToolsProtocol",
)


def worker_count(service: Service, env: Mapping[str, str]) -> int:
    value = env.get(service.workers_variable, "1").strip() or "1"
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{service.workers_variable} must be a whole number >= 1, not {value!r}")
    return int(value)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def replica_names(service: str, count: int) -> list[str]:
    """Process names: the service's own for the first replica, `<service>-2`, ... after."""
    return [service if k == 0 else f"{service}-{k + 1}" for k in range(count)]


def service_of(name: str) -> Service:
    for service in SERVICES:
        if name == service.name or name.removeprefix(service.name + "-").isdigit():
            return service
    raise KeyError(name)


def _counts(replicas: int, gateways: int) -> dict[str, int]:
    return {s.name: gateways if s.name == GATEWAY else replicas for s in SERVICES}


def free_ports(replicas: int = 1, gateways: int = 1) -> dict[str, int]:
    counts = _counts(replicas, gateways)
    return {
        name: free_port()
        for service in SERVICES
        for name in replica_names(service.name, counts[service.name])
    }


def ports_from_environment(replicas: int = 1) -> dict[str, int]:
    ports = {}
    for service in SERVICES:
        base = int(os.environ.get(service.port_variable, service.default_port))
        count = _counts(replicas, 1)[service.name]
        for k, name in enumerate(replica_names(service.name, count)):
            ports[name] = base + REPLICA_PORT_STEP * k
    return ports


def service_urls(ports: Mapping[str, int], service: str) -> list[str]:
    return [
        f"http://127.0.0.1:{port}"
        for name, port in ports.items()
        if service_of(name).name == service
    ]


def public_environment(env: Mapping[str, str], ports: Mapping[str, int]) -> dict[str, str]:
    """Where clients reach the platform, unless `env` says: the (first) gateway.

    AUTH_PUBLIC_URL makes the RFC 8414 metadata's endpoints, the links in
    emails and the tokens' issuer (`<public URL>/auth`), which the verifiers
    are told here too: with GATEWAY_PORT=9000 they all name 127.0.0.1:9000.
    """
    public_url = env.get("AUTH_PUBLIC_URL") or f"http://127.0.0.1:{ports[GATEWAY]}"
    issuer = public_url.rstrip("/") + "/auth"
    verifiers = {f"{s.env_prefix}_JWT_ISSUER": issuer for s in SERVICES if s.verifies_tokens}
    return {"AUTH_PUBLIC_URL": public_url, **verifiers}


def _json_setting(env: Mapping[str, str], name: str, kind: type[T], shape: str) -> T:
    """A JSON setting of `env` (empty: an empty `kind`), refused unless it is a `kind`."""
    try:
        value = json.loads(env.get(name) or "null")
    except ValueError:
        value = ""
    value = kind() if value is None else value
    if not isinstance(value, kind):
        raise ValueError(f"{name} must be {shape}")
    return value


def gateway_upstreams(env: Mapping[str, str], urls: Mapping[str, list[str]]) -> str:
    """GATEWAY_UPSTREAMS: each upstream service's entry (deploy/services.py) with
    its replicas' URLs, under what `env` sets.

    An entry of `env`'s GATEWAY_UPSTREAMS for one of them wins field by field;
    any other entry is added (an upstream declared in configuration only). A
    service whose URLs `env` gives the gateway the old way
    (GATEWAY_<PREFIX>_URL or _URLS) keeps them.
    """
    wired = {
        s.name: s.upstream.entry(s.name, urls[s.name])
        for s in SERVICES
        if s.upstream is not None
        and not env.get(f"GATEWAY_{s.env_prefix}_URL")
        and not env.get(f"GATEWAY_{s.env_prefix}_URLS")
    }
    given = _json_setting(env, "GATEWAY_UPSTREAMS", list, "a JSON list of objects")
    added = []
    for entry in given:
        name = entry.get("name") if isinstance(entry, dict) else None
        if isinstance(name, str) and name in wired:
            wired[name] = {**wired[name], **entry}
        else:
            added.append(entry)  # the gateway says what is wrong with it, if anything
    return json.dumps([*wired.values(), *added])


def auth_clients(env: Mapping[str, str]) -> str:
    """AUTH_CLIENTS: `env`'s, with notes-service's publisher client and
    webhooks-service's notices client added unless it names them.

    The publisher gets tokens for webhooks-service (scope webhooks:publish)
    with NOTES_WEBHOOKS_CLIENT_SECRET; the notices client tokens for
    auth-service (scope notices:send) with WEBHOOKS_NOTICES_CLIENT_SECRET;
    by default each a random secret of this run.
    """
    clients = _json_setting(env, "AUTH_CLIENTS", dict, "a JSON object")
    client_id = env.get("NOTES_WEBHOOKS_CLIENT_ID") or PUBLISHER_CLIENT_ID
    clients.setdefault(
        client_id,
        {
            "secret": env["NOTES_WEBHOOKS_CLIENT_SECRET"],
            "scopes": ["webhooks:publish"],
            "audience": WEBHOOKS,
        },
    )
    clients.setdefault(
        env.get("WEBHOOKS_NOTICES_CLIENT_ID") or NOTICES_CLIENT_ID,
        {
            "secret": env["WEBHOOKS_NOTICES_CLIENT_SECRET"],
            "scopes": ["notices:send"],
            "audience": NOTICES_AUDIENCE,
        },
    )
    return json.dumps(clients)


def service_environment(
    database_url: str, ports: Mapping[str, int], overrides: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Variables that wire the services together; values already set win
    (`overrides` over the process's environment)."""
    urls = {s.name: service_urls(ports, s.name) for s in SERVICES}

    def each_auth(path: str) -> str:
        return ",".join(url + path for url in urls[AUTH])

    wiring = {}
    for service in SERVICES:
        prefix = service.env_prefix
        if service.migrates:
            wiring[f"{prefix}_DATABASE_URL"] = database_url
        if service.verifies_tokens:
            wiring[f"{prefix}_JWKS_URL"] = each_auth("/auth/.well-known/jwks.json")
            wiring[f"{prefix}_REVOCATIONS_URL"] = each_auth("/internal/revocations")
        for setting, target in service.calls:
            # A service not in the list (or not in this checkout) is not
            # wired: the setting keeps its default (NOTES_WEBHOOKS_URL: none,
            # so notes-service writes no outbox events).
            if target in urls and service_of(target).exists:
                wiring[f"{prefix}_{setting}"] = ",".join(urls[target])
        if len(ports) > len(SERVICES):
            wiring[f"{prefix}_SHUTDOWN_DRAIN_SECONDS"] = DRAIN_SECONDS_WITH_REPLICAS
    wiring["NOTES_WEBHOOKS_CLIENT_SECRET"] = PUBLISHER_SECRET
    wiring["WEBHOOKS_NOTICES_CLIENT_SECRET"] = NOTICES_SECRET
    env = {**wiring, **os.environ, **(overrides or {})}
    env["GATEWAY_UPSTREAMS"] = gateway_upstreams(env, urls)
    env["AUTH_CLIENTS"] = auth_clients(env)
    return {**public_environment(env, ports), **env}


def logging_environment(terminal: bool) -> dict[str, str]:
    """Readable log lines when a developer watches; JSON when piped (CI, files)."""
    if terminal and "LOG_FORMAT" not in os.environ:
        return {"LOG_FORMAT": "console"}
    return {}


def _pump(prefix: str, stream: IO[bytes]) -> None:
    with stream:
        for raw in iter(stream.readline, b""):
            line = raw.decode(errors="replace").rstrip("\n")
            sys.stdout.write(f"{prefix} | {line}\n")
            sys.stdout.flush()


@dataclass
class LocalSystem:
    """The running platform: a database URL, ports and one process per service."""

    database_url: str
    ports: dict[str, int]
    extra_env: dict[str, str] = field(default_factory=dict)
    quiet: bool = False  # drop the services' output (benchmarks)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # Per-service folders of Prometheus' multiprocess mode (several workers).
    metric_dirs: dict[str, tempfile.TemporaryDirectory[str]] = field(default_factory=dict)

    def _env(self) -> dict[str, str]:
        return service_environment(self.database_url, self.ports, self.extra_env)

    def url(self, name: str) -> str:
        """Where one service of this system answers on the loopback."""
        return f"http://127.0.0.1:{self.ports[name]}"

    @property
    def public_url(self) -> str:
        """Where clients reach this system (AUTH_PUBLIC_URL), without a trailing slash."""
        return self._env()["AUTH_PUBLIC_URL"].rstrip("/")

    def migrate(self) -> None:
        for service in SERVICES:
            if service.exists and service.migrates:
                self._log(service.name, "running migrations")
                process = subprocess.Popen(
                    [sys.executable, "-m", "alembic", "upgrade", "head"],
                    cwd=service.folder,
                    env=self._env(),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                )
                assert process.stdout is not None
                _pump(service.name, process.stdout)
                if process.wait() != 0:
                    raise RuntimeError(f"{service.name}: migrations failed")

    def start(self, name: str) -> None:
        running = self.processes.get(name)
        if running is not None and running.poll() is None:
            # A second one could not bind the port, and would be left behind.
            raise RuntimeError(f"{name} is already running")
        service = service_of(name)
        env = self._env()
        workers = worker_count(service, env)
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            service.module,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.ports[name]),
            "--timeout-graceful-shutdown",
            str(GRACEFUL_SHUTDOWN_SECONDS),
            *UVICORN_FLAGS,
        ]
        if workers > 1:
            command += ["--workers", str(workers)]
            # Each worker counts in its own memory; with this folder set, every
            # worker writes its metrics there and /metrics sums them all
            # (platform_common.observability). A fresh folder per start: files
            # of a previous run would add to the new counts.
            self._drop_metric_dir(name)
            folder = tempfile.TemporaryDirectory(prefix=f"{name}-metrics-")
            self.metric_dirs[name] = folder
            env[MULTIPROCESS_VARIABLE] = folder.name
        process = subprocess.Popen(
            command,
            cwd=service.folder,
            env=env,
            stdout=subprocess.DEVNULL if self.quiet else subprocess.PIPE,
            stderr=subprocess.STDOUT,
            # A process group of its own: Ctrl-C reaches us, and we stop the
            # children in order. Not a session of its own: Linux weighs each
            # session against the others as one (autogroup), whatever the
            # niceness of its threads, and auth-service's low-priority password
            # hashing then took a whole share of the CPU during a login burst.
            process_group=0,
        )
        self.processes[name] = process
        if process.stdout is not None:
            threading.Thread(target=_pump, args=(name, process.stdout), daemon=True).start()

    def start_all(self, timeout: float = 60.0) -> None:
        for name in self.ports:
            if service_of(name).exists:
                self.start(name)
        for name in self.processes:
            self.wait_ready(name, timeout)

    def wait_ready(self, name: str, timeout: float = 60.0) -> None:
        url = f"{self.url(name)}/health/live"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            process = self.processes[name]
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with status {process.returncode}")
            try:
                if httpx.get(url, timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{name} did not answer {url} within {timeout:.0f}s")

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            self._drop_metric_dir(name)
            return
        process.send_signal(sig)
        try:
            process.wait(GRACEFUL_SHUTDOWN_SECONDS + 5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self._drop_metric_dir(name)

    def _drop_metric_dir(self, name: str) -> None:
        folder = self.metric_dirs.pop(name, None)
        if folder is not None:
            folder.cleanup()

    def stop_all(self) -> None:
        for name in reversed(list(self.processes)):
            self.stop(name)

    @staticmethod
    def _log(name: str, message: str) -> None:
        print(f"{name} | {message}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--replicas",
        type=int,
        default=int(os.environ.get("REPLICAS", "1")),
        help="processes of auth-service and of notes-service (default: $REPLICAS or 1)",
    )
    arguments = parser.parse_args()
    if arguments.replicas < 1:
        parser.error("--replicas must be at least 1")
    database_url = os.environ.get("DATABASE_URL")
    embedded = None
    if not database_url:
        from platform_common.embedded_postgres import data_dir, start_embedded_postgres

        embedded = start_embedded_postgres()
        database_url = str(embedded.get_uri())
        print(f"postgres | embedded server running, data in {data_dir() / 'postgres'}", flush=True)

    system = LocalSystem(
        database_url=database_url,
        ports=ports_from_environment(arguments.replicas),
        # The services' stdout is a pipe to us: they cannot see our terminal.
        extra_env=logging_environment(sys.stdout.isatty()),
    )
    stopping = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    status = 0
    try:
        system.migrate()
        system.start_all()
        gateway = system.ports[GATEWAY]
        print(
            f"ready   | API docs: http://127.0.0.1:{gateway}/docs  (Ctrl-C stops everything)",
            flush=True,
        )
        supervisor = Supervisor(system, lambda line: print(f"runner  | {line}", flush=True))
        while not stopping.wait(0.5):
            supervisor.check(time.monotonic())
    except RuntimeError as exc:
        print(f"runner  | {exc}", flush=True)
        status = 1
    finally:
        print("runner  | stopping", flush=True)
        system.stop_all()
        if embedded is not None:
            embedded.cleanup()
            print("postgres | stopped", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
