from functools import partial
from pathlib import Path

import pytest

from platform_common.testing.issuer import TokenIssuer
from platform_common.testing.service import ServiceUnderTest
from webhooks_service.config import Settings
from webhooks_service.deps import get_session
from webhooks_service.main import create_app

# issuer, jwks, engine; database_url, settings, app, session, client, alice, bob from `service`.
pytest_plugins = ["platform_common.testing.fixtures"]

SERVICE_ROOT = Path(__file__).resolve().parents[1]
SERVICE_AUDIENCE = "webhooks-service"


@pytest.fixture(scope="session")
def service() -> ServiceUnderTest:
    return ServiceUnderTest(
        "webhooks_test",
        SERVICE_ROOT,
        create_app,
        "http://webhooks.test",
        # The tests' workers are their own (tests/test_worker.py).
        settings=partial(Settings, delivery_enabled=False),
        session_dependency=get_session,
        user_scope="webhooks",
    )


def service_headers(
    issuer: TokenIssuer, scope: str, subject: str = "notes-service"
) -> dict[str, str]:
    token = issuer.token(subject, scope=scope, aud=SERVICE_AUDIENCE)
    return {"Authorization": f"Bearer {token}"}
