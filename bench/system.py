"""The platform, started the way `make run` does, set for measuring."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from run_local import LocalSystem, free_ports


@contextmanager
def running_system(database_url: str) -> Iterator[tuple[LocalSystem, Path]]:
    """The three services, one worker each, migrated and answering; and a folder for the
    run's files (the services' data, wrk's scripts), removed after."""
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        system = LocalSystem(
            database_url=database_url,
            ports=free_ports(),
            extra_env={
                "PLATFORM_DATA_DIR": folder,
                # Logins are what the burst measures, not what the limiter refuses.
                "AUTH_LOGIN_LIMIT_PER_ADDRESS": "1000000",
                "AUTH_LOGIN_LIMIT_PER_ACCOUNT": "1000000",
                "AUTH_LOGIN_LIMIT_PER_ACCOUNT_ADDRESS": "1000000",
                # The bench's tokens (its accounts', the mixed workload's people's)
                # outlive the whole run, ~30 min: the default 15 expired under
                # the last phases (the webhooks phase's endpoint was refused 401).
                "AUTH_ACCESS_TOKEN_LIFETIME_SECONDS": "3600",
                # Throughput is measured, not the per-consumer quota.
                "GATEWAY_RATE_LIMIT": "100000000/minute",
                # One worker each first; the bench sets 2 for its last part.
                "AUTH_WORKERS": "1",
                "NOTES_WORKERS": "1",
                "GATEWAY_WORKERS": "1",
                "WEBHOOKS_WORKERS": "1",
                # The webhooks phase's receiver listens on this machine.
                "WEBHOOKS_ALLOWED_HOSTS": '["127.0.0.1"]',
            },
            quiet=True,
        )
        system.migrate()
        try:
            system.start_all()
            yield system, Path(folder)
        finally:
            system.stop_all()
