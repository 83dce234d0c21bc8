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

import export_openapi
import pytest
import run_local
import services

from tests.deployment import ROOT, by_kind, load_compose, render_kustomization

DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# Two replicas of each service and two gateways, on fixed ports: the gateways
# on 7000 and 7100, the k-th service of the list on 7001 + k and 7101 + k.
PORTS = {
    name: (7000 if s.name == services.GATEWAY else 7001 + index) + 100 * replica
    for index, s in enumerate(services.SERVICES)
    for replica, name in enumerate(run_local.replica_names(s.name, 2))
}
HTTP_METHODS = frozenset({"get", "head", "post", "put", "patch", "delete", "options"})
AUTH_URLS = ["http://127.0.0.1:7001", "http://127.0.0.1:7101"]
NOTES_URLS = ["http://127.0.0.1:7002", "http://127.0.0.1:7102"]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    prefixes = tuple(f"{s.env_prefix}_" for s in services.SERVICES)
    for variable in list(os.environ):
        if variable.startswith(prefixes):
            monkeypatch.delenv(variable)


def environment(**given: str) -> dict[str, str]:
    return run_local.service_environment(DATABASE_URL, PORTS, given)


def replicas(service: str) -> list[str]:
    return [f"http://127.0.0.1:{PORTS[name]}" for name in run_local.replica_names(service, 2)]


def wired_entries() -> list[dict[str, Any]]:
    """Each upstream service's entry, as `make run` gives it to the gateway."""
    return [s.upstream.entry(s.name, replicas(s.name)) for s in services.SERVICES if s.upstream]


def test_the_runner_reads_the_list() -> None:
    assert run_local.SERVICES is services.SERVICES


def test_the_built_in_upstreams_are_the_gateways_defaults() -> None:
    table = importlib.import_module("gateway.upstreams").DEFAULT_UPSTREAMS
    built_in = {s.name for s in services.SERVICES if s.upstream == services.BUILT_IN}
    assert built_in == {u.name for u in table}


def test_an_upstreams_entry_is_one_the_gateway_takes() -> None:
    """What `make run` and the deploy files give the gateway for a declared upstream."""
    spec = importlib.import_module("gateway.upstreams").UpstreamSpec
    declared = services.Upstream(
        prefixes=("/hooks",),
        exact_paths=("/.well-known/hooks",),
        open_routes=("GET /hooks/status", "HEAD /hooks/status"),
    )
    entry = declared.entry("hooks-service", ["http://127.0.0.1:8003"])
    taken = spec.model_validate(entry)
    assert (taken.prefixes, taken.exact_paths, taken.open_routes) == (
        declared.prefixes,
        declared.exact_paths,
        declared.open_routes,
    )
    assert declared.exposes("/hooks/1")
    assert declared.exposes("/.well-known/hooks")
    assert not declared.exposes("/hooksx")
    assert not declared.exposes("/notes")
    for service in services.SERVICES:
        if service.upstream not in (None, services.BUILT_IN):
            spec.model_validate(service.upstream.entry(service.name, ["http://x.test"]))


def committed_documents() -> dict[str, dict[str, Any]]:
    return {
        s.name: json.loads((s.folder / "openapi.json").read_text())
        for s in services.SERVICES
        if s.upstream is not None
    }


def test_the_route_labels_are_every_upstreams_documented_paths() -> None:
    """gateway/gateway/route_templates.json is what `make openapi` writes."""
    written = json.loads((ROOT / "gateway" / "gateway" / "route_templates.json").read_text())
    assert written["templates"] == export_openapi.route_templates(committed_documents())
    assert "/notes/{note_id}" in written["templates"]


def test_open_routes_are_the_documented_operations_without_security() -> None:
    """Every upstream's open routes (its entry's, or the gateway's own for a built-in
    one) are what its document marks as needing no token, a GET's HEAD beside it."""
    defaults = {u.name: u for u in importlib.import_module("gateway.upstreams").DEFAULT_UPSTREAMS}
    for name, document in committed_documents().items():
        service = next(s for s in services.SERVICES if s.name == name)
        assert service.upstream is not None
        declared = service.upstream if service.upstream != services.BUILT_IN else defaults[name]
        exposes = export_openapi.forwarded(service)
        documented = set()
        for path, item in document["paths"].items():
            for method in HTTP_METHODS & set(item) if exposes(path) else ():
                if not item[method].get("security"):
                    documented.add(f"{method.upper()} {path}")
                    if method == "get":
                        documented.add(f"HEAD {path}")
        assert set(declared.open_routes) == documented, name


def declared_entries(environment: dict[str, Any]) -> list[dict[str, Any]]:
    """The GATEWAY_UPSTREAMS entries a deployment gives the gateway."""
    return list(json.loads(environment.get("GATEWAY_UPSTREAMS", "[]")))


def expected_entries() -> list[dict[str, Any]]:
    """Each declared upstream's entry, at its compose and Kubernetes Service name.
    (The built-in ones are GATEWAY_AUTH_URL and GATEWAY_NOTES_URL there.)"""
    return [
        s.upstream.entry(s.name, [f"http://{s.name}:{s.default_port}"])
        for s in services.SERVICES
        if s.upstream is not None and s.upstream != services.BUILT_IN
    ]


def test_compose_gives_the_gateway_every_declared_upstream() -> None:
    gateway = load_compose()["services"]["gateway"]["environment"]
    assert declared_entries(gateway) == expected_entries()


def test_kubernetes_gives_the_gateway_every_declared_upstream() -> None:
    config = by_kind(render_kustomization(), "ConfigMap")["gateway-config"]["data"]
    assert declared_entries(config) == expected_entries()


@pytest.mark.parametrize("service", services.SERVICES, ids=lambda s: s.name)
def test_the_settings_prefix_is_the_services(service: services.Service) -> None:
    """The runner's <PREFIX>_WORKERS, _DATABASE_URL, ... are the ones the service reads."""
    settings = importlib.import_module(f"{service.package}.config").Settings
    assert settings.model_config["env_prefix"] == f"{service.env_prefix}_"


def test_each_package_is_first_party_for_isort() -> None:
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())
    first_party = settings["tool"]["ruff"]["lint"]["isort"]["known-first-party"]
    # notes_platform: the API's Python client (clients/python), no service.
    libraries = {"platform_common", "notes_platform", "tests"}
    assert set(first_party) == {*libraries, *(s.package for s in services.SERVICES)}


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
    assert done.stdout.split()[:2] == ["auth-service/auth_service", "notes-service/notes_service"]
    assert done.stdout.split() == [f"{s.name}/{s.package}" for s in services.SERVICES]


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
        entries = json.loads(env["GATEWAY_UPSTREAMS"])
        assert entries[:2] == [
            {"name": "auth-service", "urls": AUTH_URLS},
            {"name": "notes-service", "urls": NOTES_URLS},
        ]
        assert entries == wired_entries()

    def test_an_upstream_declared_by_the_caller_is_added(self) -> None:
        echo = {"name": "extra", "prefixes": ["/extra-upstream"], "urls": ["http://127.0.0.1:9"]}
        notes = {"name": "notes-service", "timeout_seconds": 2}
        env = environment(GATEWAY_UPSTREAMS=json.dumps([notes, echo]))
        wired = wired_entries()
        assert wired[1] == {"name": "notes-service", "urls": NOTES_URLS}
        wired[1]["timeout_seconds"] = 2
        assert json.loads(env["GATEWAY_UPSTREAMS"]) == [*wired, echo]

    def test_the_callers_urls_win(self) -> None:
        notes = {"name": "notes-service", "urls": ["http://elsewhere:8002"]}
        env = environment(GATEWAY_UPSTREAMS=json.dumps([notes]))
        assert json.loads(env["GATEWAY_UPSTREAMS"])[1] == notes

    def test_urls_given_the_old_way_are_kept(self) -> None:
        env = environment(GATEWAY_NOTES_URLS="http://elsewhere:8002")
        named = [e["name"] for e in json.loads(env["GATEWAY_UPSTREAMS"])]
        assert named == [e["name"] for e in wired_entries() if e["name"] != "notes-service"]
        assert env["GATEWAY_NOTES_URLS"] == "http://elsewhere:8002"

    @pytest.mark.parametrize("value", ['{"name": "echo"}', "not json"])
    def test_a_table_that_is_not_a_list_is_refused(self, value: str) -> None:
        with pytest.raises(ValueError, match="GATEWAY_UPSTREAMS must be a JSON list"):
            environment(GATEWAY_UPSTREAMS=value)

    def test_the_gateway_reads_it_as_meant(self, monkeypatch: pytest.MonkeyPatch) -> None:
        echo = {"name": "extra", "prefixes": ["/extra-upstream"], "urls": ["http://127.0.0.1:9"]}
        env = environment(GATEWAY_UPSTREAMS=json.dumps([echo]), GATEWAY_NOTES_TIMEOUT_SECONDS="2")
        for name, value in env.items():
            if name.startswith("GATEWAY_"):
                monkeypatch.setenv(name, value)
        settings: Any = importlib.import_module("gateway.config").Settings()
        table = {u.name: u for u in settings.upstream_table}
        assert list(table) == [*(e["name"] for e in wired_entries()), "extra"]
        assert list(table["auth-service"].urls) == AUTH_URLS
        assert list(table["notes-service"].urls) == NOTES_URLS
        assert table["notes-service"].timeout_seconds == 2
        assert list(table["extra"].urls) == ["http://127.0.0.1:9"]


def test_replicas_of_every_service_but_the_gateway() -> None:
    ports = run_local.free_ports(replicas=3, gateways=2)
    names = [name for name in ports if not name.startswith("gateway")]
    assert len(names) == 3 * (len(services.SERVICES) - 1)
    assert [name for name in ports if name.startswith("gateway")] == ["gateway", "gateway-2"]


def test_every_service_folder_exists() -> None:
    for service in services.SERVICES:
        assert service.exists, service.name
        assert (Path(service.folder) / service.package / "main.py").exists()
