"""deploy/services.py is the one list of services: the runner, the OpenAPI
export, the Makefile and the linters' settings all follow it."""

import importlib
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import run_local
import services

from tests.deployment import ROOT

DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# Two replicas of each service and two gateways, on fixed ports.
PORTS = {
    "auth-service": 7001,
    "auth-service-2": 7101,
    "notes-service": 7002,
    "notes-service-2": 7102,
    "gateway": 7000,
    "gateway-2": 7100,
}
AUTH_URLS = ["http://127.0.0.1:7001", "http://127.0.0.1:7101"]
NOTES_URLS = ["http://127.0.0.1:7002", "http://127.0.0.1:7102"]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in list(os.environ):
        if variable.startswith(("GATEWAY_", "AUTH_", "NOTES_")):
            monkeypatch.delenv(variable)


def environment(**given: str) -> dict[str, str]:
    return run_local.service_environment(DATABASE_URL, PORTS, given)


def test_the_runner_reads_the_list() -> None:
    assert run_local.SERVICES is services.SERVICES


def test_the_upstreams_are_the_gateways() -> None:
    """Each upstream service is one of the gateway's platform upstreams, and back."""
    table = importlib.import_module("gateway.upstreams").PLATFORM_UPSTREAMS
    assert {s.name for s in services.SERVICES if s.upstream} == {u.name for u in table}


def test_each_package_is_first_party_for_isort() -> None:
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())
    first_party = settings["tool"]["ruff"]["lint"]["isort"]["known-first-party"]
    assert set(first_party) == {"platform_common", "tests", *(s.package for s in services.SERVICES)}


def test_every_package_is_installed_for_development() -> None:
    lines = (ROOT / "requirements-dev.txt").read_text().splitlines()
    for service in services.SERVICES:
        assert f"-e ./{service.name}" in lines


def test_the_makefile_checks_every_package() -> None:
    done = subprocess.run(
        ["make", "-n", "lint", "typecheck", "unit"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    lines = done.stdout.splitlines()
    bandit = next(line for line in lines if "bandit" in line).split()
    loops = [line.split(";")[0].split() for line in lines if line.startswith("for p in ")]
    assert len(loops) == 2  # typecheck, unit
    for service in services.SERVICES:
        assert f"{service.name}/{service.package}" in bandit
        assert all(service.name in loop for loop in loops)


def test_the_package_list_for_the_makefile() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "services.py"), "packages"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert done.stdout.split() == [
        "auth-service/auth_service",
        "notes-service/notes_service",
        "gateway/gateway",
    ]


class TestWiring:
    def test_what_it_was_before_the_list(self) -> None:
        """The same variables, with the gateway's upstreams in its table."""
        env = environment()
        assert env["AUTH_DATABASE_URL"] == env["NOTES_DATABASE_URL"] == DATABASE_URL
        assert env["AUTH_NOTES_URL"] == ",".join(NOTES_URLS)
        jwks = ",".join(f"{url}/auth/.well-known/jwks.json" for url in AUTH_URLS)
        revocations = ",".join(f"{url}/internal/revocations" for url in AUTH_URLS)
        assert env["NOTES_JWKS_URL"] == env["GATEWAY_JWKS_URL"] == jwks
        assert env["NOTES_REVOCATIONS_URL"] == env["GATEWAY_REVOCATIONS_URL"] == revocations
        for prefix in ("AUTH", "NOTES", "GATEWAY"):
            assert env[f"{prefix}_SHUTDOWN_DRAIN_SECONDS"] == "1"
        assert env["GATEWAY_JWT_ISSUER"] == env["NOTES_JWT_ISSUER"] == "http://127.0.0.1:7000/auth"
        assert "GATEWAY_AUTH_URLS" not in env  # the settings of before are not needed
        assert json.loads(env["GATEWAY_UPSTREAMS"]) == [
            {"name": "auth-service", "urls": AUTH_URLS},
            {"name": "notes-service", "urls": NOTES_URLS},
        ]

    def test_an_upstream_declared_by_the_caller_is_added(self) -> None:
        echo = {"name": "echo", "prefixes": ["/echo"], "urls": ["http://127.0.0.1:9"]}
        notes = {"name": "notes-service", "timeout_seconds": 2}
        env = environment(GATEWAY_UPSTREAMS=json.dumps([notes, echo]))
        assert json.loads(env["GATEWAY_UPSTREAMS"]) == [
            {"name": "auth-service", "urls": AUTH_URLS},
            {"name": "notes-service", "urls": NOTES_URLS, "timeout_seconds": 2},
            echo,
        ]

    def test_the_callers_urls_win(self) -> None:
        notes = {"name": "notes-service", "urls": ["http://elsewhere:8002"]}
        env = environment(GATEWAY_UPSTREAMS=json.dumps([notes]))
        assert json.loads(env["GATEWAY_UPSTREAMS"])[1] == notes

    def test_urls_given_the_old_way_are_kept(self) -> None:
        env = environment(GATEWAY_NOTES_URLS="http://elsewhere:8002")
        assert [e["name"] for e in json.loads(env["GATEWAY_UPSTREAMS"])] == ["auth-service"]
        assert env["GATEWAY_NOTES_URLS"] == "http://elsewhere:8002"

    @pytest.mark.parametrize("value", ['{"name": "echo"}', "not json"])
    def test_a_table_that_is_not_a_list_is_refused(self, value: str) -> None:
        with pytest.raises(ValueError, match="GATEWAY_UPSTREAMS must be a JSON list"):
            environment(GATEWAY_UPSTREAMS=value)

    def test_the_gateway_reads_it_as_meant(self, monkeypatch: pytest.MonkeyPatch) -> None:
        echo = {"name": "echo", "prefixes": ["/echo"], "urls": ["http://127.0.0.1:9"]}
        env = environment(GATEWAY_UPSTREAMS=json.dumps([echo]), GATEWAY_NOTES_TIMEOUT_SECONDS="2")
        for name, value in env.items():
            if name.startswith("GATEWAY_"):
                monkeypatch.setenv(name, value)
        settings: Any = importlib.import_module("gateway.config").Settings()
        table = {u.name: u for u in settings.upstream_table}
        assert list(table) == ["auth-service", "notes-service", "echo"]
        assert list(table["auth-service"].urls) == AUTH_URLS
        assert list(table["notes-service"].urls) == NOTES_URLS
        assert table["notes-service"].timeout_seconds == 2
        assert list(table["echo"].urls) == ["http://127.0.0.1:9"]


def test_replicas_of_every_service_but_the_gateway() -> None:
    ports = run_local.free_ports(replicas=3, gateways=2)
    names = [name for name in ports if not name.startswith("gateway")]
    assert len(names) == 3 * (len(services.SERVICES) - 1)
    assert [name for name in ports if name.startswith("gateway")] == ["gateway", "gateway-2"]


def test_every_service_folder_exists() -> None:
    for service in services.SERVICES:
        assert service.exists, service.name
        assert (Path(service.folder) / service.package / "main.py").exists()
