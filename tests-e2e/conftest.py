"""Start the real platform (the `make run` code path) on free ports and a fresh database."""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from platform_common.embedded_postgres import start_postgres

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy"))

from api_client import ApiClient  # noqa: E402
from run_local import LocalSystem  # noqa: E402
from systems import running_system  # noqa: E402

if TYPE_CHECKING:
    from pgserver.postgres_server import PostgresServer


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A private server: the fault tests restart it, which no shared server should suffer."""
    with tempfile.TemporaryDirectory(prefix="e2e-pg-") as pgdata:
        server = start_postgres(Path(pgdata))
        try:
            yield server
        finally:
            server.cleanup()


@pytest.fixture(scope="session")
def database_url(postgres: PostgresServer) -> str:
    return str(postgres.get_uri())


@pytest.fixture(scope="session")
def system(database_url: str) -> Iterator[LocalSystem]:
    with (
        tempfile.TemporaryDirectory(prefix="e2e-data-") as data_dir,
        running_system(
            database_url,
            {
                "PLATFORM_DATA_DIR": data_dir,
                "AUTH_FIRST_SUPERUSER_EMAIL": "root@e2e.example",
                "AUTH_FIRST_SUPERUSER_PASSWORD": "root-password-e2e",
                "GATEWAY_NOTES_TIMEOUT_SECONDS": "2",
                "GATEWAY_CIRCUIT_RESET_SECONDS": "1",
                # Account deletion: retries come back quickly once notes-service does.
                "AUTH_OUTBOX_BACKOFF_CAP_SECONDS": "2",
                "AUTH_NOTES_TIMEOUT_SECONDS": "2",
                # Every test's client is 127.0.0.1 and test_fuzz posts hundreds of
                # failed logins: the per-address login limit would refuse the rest.
                "AUTH_LOGIN_LIMIT_PER_ADDRESS": "1000000",
                # Load and fuzz tests send far more than a consumer's quota;
                # test_api_consumers starts a gateway with a small one.
                "GATEWAY_RATE_LIMIT": "10000000/minute",
                # test_webhooks: receivers on this machine, retried within seconds.
                "WEBHOOKS_ALLOWED_HOSTS": '["127.0.0.1"]',
                "WEBHOOKS_RETRY_SCHEDULE_SECONDS": "[0.5, 0.5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]",
                "WEBHOOKS_DELIVERY_TIMEOUT_SECONDS": "3",
                "WEBHOOKS_DELIVERY_LEASE_SECONDS": "4",
            },
        ) as system,
    ):
        yield system


@pytest.fixture
def api(system: LocalSystem) -> Iterator[ApiClient]:
    with ApiClient(system.url("gateway")) as client:
        yield client


@pytest.fixture
def notes_service(system: LocalSystem) -> Iterator[httpx.Client]:
    """notes-service itself, not through the gateway (what it checks on its own)."""
    base_url = system.url("notes-service")
    with httpx.Client(base_url=base_url, timeout=10.0) as client:
        yield client


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The figures of test_scale_out.py and test_upgrade.py, one line per disturbance."""
    from scale_load import FIGURES

    for report, each in FIGURES.items():
        for figures in each:
            terminalreporter.write_line(f"{report}: {json.dumps(figures)}")
