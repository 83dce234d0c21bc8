"""docker-compose.yml: its structure, and agreement with the code.

Docker does not run on our machines, so nothing here starts a container: the
file is read as YAML (the `x-` anchors merged by the loader) and checked.
"""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.deployment import (
    GRACEFUL_SHUTDOWN_SECONDS,
    ROOT,
    SECRET_NAME,
    ServiceSpec,
    load_compose,
    serves,
    service_urls,
    services,
    settings_env_names,
)

SERVICES = services()
DATABASE_SERVICES = [s for s in SERVICES if s.migrates]
# postgresql://<role>:${<PASSWORD VARIABLE>...}@<host>:<port>/<database>
DATABASE_URL = re.compile(r"postgresql://(?P<user>\w+):(?P<password>\$\{[^}]+\})(?P<rest>@.+)")
INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?P<op>:?[-?])?(?P<rest>[^}]*)\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


def _service(compose: dict[str, Any], name: str) -> dict[str, Any]:
    return dict(compose["services"][name])


def _migrate_name(spec: ServiceSpec) -> str:
    return spec.name.removesuffix("-service") + "-migrate"


def _seconds(duration: str) -> float:
    match = re.fullmatch(r"(\d+)(s|m)", duration)
    assert match, duration
    return int(match[1]) * (60 if match[2] == "m" else 1)


def test_the_services(compose: dict[str, Any]) -> None:
    expected = {"postgres", *(s.name for s in SERVICES), *map(_migrate_name, DATABASE_SERVICES)}
    assert set(compose["services"]) == expected


def test_only_the_gateway_is_published(compose: dict[str, Any]) -> None:
    published = {name for name, s in compose["services"].items() if s.get("ports")}
    assert published == {"gateway"}
    [mapping] = _service(compose, "gateway")["ports"]
    assert mapping.rsplit(":", 1)[1] == str(
        next(s for s in SERVICES if s.name == "gateway").default_port
    )


def test_the_backend_network_has_no_way_out(compose: dict[str, Any]) -> None:
    """Only the gateway (its published port), auth-service (its SMTP server)
    and webhooks-service (the consumers' endpoints), each on a network of its
    own, reach beyond `backend`."""
    assert compose["networks"]["backend"]["internal"] is True
    assert compose["networks"]["mail"].get("internal", False) is False
    for name, definition in compose["services"].items():
        networks = definition.get("networks", [])
        assert "backend" in networks, name
        expected = {
            "gateway": ["backend", "public"],
            "auth-service": ["backend", "mail"],
            "webhooks-service": ["backend", "webhooks-egress"],
        }
        assert networks == expected.get(name, ["backend"]), name


def test_auth_service_mails_through_the_operators_smtp_server(compose: dict[str, Any]) -> None:
    """AUTH_SMTP_URL and the sender come from the environment (.env); unset,
    each email is written to a folder the read-only container can write."""
    auth = _service(compose, "auth-service")
    env = auth["environment"]
    for variable in ("AUTH_SMTP_URL", "AUTH_MAIL_FROM"):
        match = INTERPOLATION.fullmatch(env[variable])
        assert match is not None, variable
        assert match["name"] == variable
        assert match["op"] == ":-", variable
    assert _default(env["AUTH_SMTP_URL"]) == ""  # empty means no server (auth_service.config)
    assert auth["read_only"] is True
    assert any(Path(env["AUTH_MAIL_DIR"]).is_relative_to(t) for t in auth["tmpfs"])


def test_links_in_emails_lead_to_the_published_gateway(compose: dict[str, Any]) -> None:
    public = _service(compose, "auth-service")["environment"]["AUTH_PUBLIC_URL"]
    match = INTERPOLATION.fullmatch(public)
    assert match is not None
    assert match["op"] == ":-"
    [mapping] = _service(compose, "gateway")["ports"]
    published_port = _default(mapping.rsplit(":", 1)[0])
    assert urlsplit(_default(public)).port == int(published_port)


def test_verifiers_expect_the_issuer_auth_service_signs_as(compose: dict[str, Any]) -> None:
    """auth-service's issuer is AUTH_PUBLIC_URL + /auth (RFC 8414 §2); the
    verifiers are told the same explicitly, from the same variable."""
    public = _service(compose, "auth-service")["environment"]["AUTH_PUBLIC_URL"]
    verifiers = {"gateway": "GATEWAY_JWT_ISSUER", "notes-service": "NOTES_JWT_ISSUER"}
    for name, variable in verifiers.items():
        assert _service(compose, name)["environment"][variable] == public + "/auth", name


def test_postgres(compose: dict[str, Any]) -> None:
    postgres = _service(compose, "postgres")
    assert re.fullmatch(r"postgres:\d+\.\d+(-\w+)?", postgres["image"]), "pin the version"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    volumes = postgres["volumes"]
    data = [v for v in volumes if v.endswith(":/var/lib/postgresql/data")]
    assert data, "a named volume for the data"
    assert data[0].split(":")[0] in compose["volumes"]
    [init] = [v for v in volumes if "/docker-entrypoint-initdb.d/" in v]
    source = init.split(":")[0]
    assert (ROOT / source).is_file()
    environment = postgres["environment"]
    passwords = [
        "AUTH_DB_PASSWORD",
        "AUTH_MIGRATION_DB_PASSWORD",
        "NOTES_DB_PASSWORD",
        "NOTES_MIGRATION_DB_PASSWORD",
    ]
    for name in ("POSTGRES_PASSWORD", *passwords):
        assert INTERPOLATION.fullmatch(environment[name])["op"] == ":?", name  # type: ignore[index]
    # The init script reads exactly these variables.
    script = (ROOT / source).read_text()
    for name in (*passwords, "POSTGRES_USER", "POSTGRES_DB"):
        assert name in script


def _default_role(variable: str) -> str:
    """The role name init-roles.sh gives when `variable` is unset."""
    script = (ROOT / "deploy" / "postgres" / "init-roles.sh").read_text()
    match = re.search(r"\$\{" + variable + r":-(\w+)\}", script)
    assert match, variable
    return match[1]


@pytest.mark.parametrize("spec", DATABASE_SERVICES, ids=lambda s: s.name)
def test_migrations_run_once_before_their_service(
    spec: ServiceSpec, compose: dict[str, Any]
) -> None:
    migrate = _service(compose, _migrate_name(spec))
    app = _service(compose, spec.name)
    assert migrate["command"] == ["alembic", "upgrade", "head"]
    assert migrate["restart"] == "no"
    assert migrate["image"] == app["image"]
    assert migrate["build"] == app["build"]
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert app["depends_on"][_migrate_name(spec)] == {"condition": "service_completed_successfully"}
    # Same database, the schema owner for the migrations, the runtime role
    # (row privileges only) for the service; each with its own password.
    variable = f"{spec.settings_prefix}DATABASE_URL"
    migration = DATABASE_URL.fullmatch(migrate["environment"][variable])
    runtime = DATABASE_URL.fullmatch(app["environment"][variable])
    assert migration
    assert runtime
    assert migration["rest"] == runtime["rest"]
    assert migration["rest"].startswith("@postgres:")
    assert migration["user"] == _default_role(f"{spec.settings_prefix}MIGRATION_DB_USER")
    assert runtime["user"] == _default_role(f"{spec.settings_prefix}DB_USER")
    for url, password in (
        (migration, f"{spec.settings_prefix}MIGRATION_DB_PASSWORD"),
        (runtime, f"{spec.settings_prefix}DB_PASSWORD"),
    ):
        assert INTERPOLATION.fullmatch(url["password"])["name"] == password  # type: ignore[index]


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_service_agrees_with_the_code(spec: ServiceSpec, compose: dict[str, Any]) -> None:
    app = _service(compose, spec.name)
    assert app["build"] == {
        "context": ".",
        "dockerfile": str(spec.dockerfile.relative_to(ROOT)),
    }
    drain = float(app["environment"].get(f"{spec.settings_prefix}SHUTDOWN_DRAIN_SECONDS", 0))
    assert _seconds(app["stop_grace_period"]) > drain + GRACEFUL_SHUTDOWN_SECONDS
    if spec.name != "gateway":  # the gateway publishes one host port
        assert app["deploy"]["replicas"] >= 2
    assert app["restart"] == "unless-stopped"
    assert app["read_only"] is True
    known = settings_env_names(spec.package)
    names = [spec.name] + ([_migrate_name(spec)] if spec.migrates else [])
    for name in names:
        for variable in _service(compose, name)["environment"]:
            assert variable.startswith(spec.settings_prefix), f"{name}: {variable} is not its own"
            assert variable in known, f"{spec.name} does not read {variable}"


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_healthcheck_asks_a_health_route(spec: ServiceSpec, compose: dict[str, Any]) -> None:
    test = " ".join(_service(compose, spec.name)["healthcheck"]["test"])
    match = re.search(r"http://127\.0\.0\.1:(\d+)(/[^'\" ]*)", test)
    assert match, test
    assert int(match[1]) == spec.default_port
    assert match[2].startswith("/health/")
    assert serves(spec.package, match[2])


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_urls_name_services_and_routes_that_exist(
    spec: ServiceSpec, compose: dict[str, Any]
) -> None:
    for name, value in _service(compose, spec.name)["environment"].items():
        for url in service_urls(str(value)):
            target = next(s for s in SERVICES if s.name == url.host)
            assert url.port == target.default_port, name
            if url.path not in ("", "/"):
                assert serves(target.package, url.path), f"{name}: {target.name} lacks {url.path}"


def test_no_secret_is_written_in_the_file(compose: dict[str, Any]) -> None:
    for name, definition in compose["services"].items():
        for variable, value in definition.get("environment", {}).items():
            text = str(value)
            if SECRET_NAME.search(variable):
                assert INTERPOLATION.fullmatch(text), f"{name}: {variable} must come from outside"
            # Credentials inside URLs come from the environment too.
            for password in re.findall(r"://[^:/@]+:([^@]*)@", text):
                assert INTERPOLATION.fullmatch(password), f"{name}: {variable}"


def test_signing_keys_come_from_a_mounted_directory(compose: dict[str, Any]) -> None:
    auth = _service(compose, "auth-service")
    keys_dir = auth["environment"]["AUTH_SIGNING_KEYS_DIR"]
    [volume] = [v for v in auth["volumes"] if v.split(":")[-2] == keys_dir]
    assert volume.endswith(":ro")
    # The default source is git-ignored and kept out of the build context.
    source = INTERPOLATION.fullmatch(volume.rsplit(":", 2)[0])
    assert source is not None
    default = source["rest"]
    assert source["op"] == ":-"
    assert default.startswith("./deploy/secrets/")
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert "deploy/secrets/" in ignored
    assert "deploy/secrets" in (ROOT / ".dockerignore").read_text().splitlines()
    assert Path(keys_dir).is_absolute()


@pytest.mark.parametrize("spec", [s for s in SERVICES if s.name != "gateway"], ids=lambda s: s.name)
def test_services_believe_forwarded_headers_from_the_backend_network_only(
    spec: ServiceSpec, compose: dict[str, Any]
) -> None:
    """The gateway reaches the services over `backend`, whose subnet is fixed
    so that it can be named; clients reach only the gateway."""
    [subnet] = [c["subnet"] for c in compose["networks"]["backend"]["ipam"]["config"]]
    backend = ipaddress.ip_network(_default(subnet))
    value = _service(compose, spec.name)["environment"][f"{spec.settings_prefix}TRUSTED_PROXIES"]
    trusted = [ipaddress.ip_network(_default(n)) for n in json.loads(value)]
    assert trusted == [backend]


def test_the_gateway_believes_no_forwarded_header(compose: dict[str, Any]) -> None:
    # Published directly: its peers are the clients (GATEWAY_TRUSTED_PROXIES empty).
    assert "GATEWAY_TRUSTED_PROXIES" not in _service(compose, "gateway")["environment"]


def _default(text: str) -> str:
    """`${VAR:-default}` → default: the value compose uses when VAR is unset."""
    match = INTERPOLATION.fullmatch(text)
    if match is None:
        return text
    assert match["op"] == ":-", text
    return match["rest"]
