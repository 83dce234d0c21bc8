"""The private Postgres (from the `pgserver` package) used when no URL is given."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pgserver.postgres_server import PostgresServer

REPO_ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    return Path(os.environ.get("PLATFORM_DATA_DIR", REPO_ROOT / ".data"))


def start_embedded_postgres(cleanup_mode: str | None = "stop") -> PostgresServer:
    """Start (or join) the embedded server; it stops when its last user exits."""
    return start_postgres(data_dir() / "postgres", cleanup_mode)


def start_postgres(pgdata: Path, cleanup_mode: str | None = "stop") -> PostgresServer:
    """A pgserver Postgres with its data in `pgdata`, created on first use."""
    pgdata.mkdir(parents=True, exist_ok=True)
    # platformdirs warns when XDG_RUNTIME_DIR is unset (as in CI) and falls
    # back to /tmp, which is fine for a private server.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # Imported here: services in production never load the embedded server.
        from pgserver.postgres_server import get_server

        return get_server(pgdata, cleanup_mode=cleanup_mode)


def restart_postgres(server: PostgresServer) -> None:
    """Fast restart (open connections are cut), as the fault tests need."""
    from pgserver._commands import pg_ctl  # type: ignore[attr-defined]  # built at import time

    pg_ctl(["-w", "restart", "-m", "fast"], pgdata=server.pgdata, user=server.system_user)
