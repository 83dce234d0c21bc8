"""What the shared fixtures (platform_common.testing.fixtures) need of a suite's
service; apart from the plugin, so that a conftest can import it before pytest
loads the plugin (and rewrites its asserts)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from platform_common.testing.issuer import DEFAULT_SCOPE


@dataclass(frozen=True)
class ServiceUnderTest:
    """A suite's service: its migrated test database and how its app is made."""

    database: str  # the test database's name
    root: Path  # the service's folder (its alembic.ini)
    create_app: Callable[[Any], FastAPI]
    base_url: str  # where the `client` fixture's requests go
    # Its settings class (or a partial of it) for a resource server's settings
    # on the test database and the test issuer; a suite that builds its own
    # (auth-service) leaves it out and defines the `settings` fixture.
    settings: Callable[..., Any] | None = None
    # The app's session dependency, which `session` overrides (if any).
    session_dependency: Callable[..., Any] | None = None
    # What the tokens of the `alice` and `bob` fixtures grant.
    user_scope: str = DEFAULT_SCOPE
