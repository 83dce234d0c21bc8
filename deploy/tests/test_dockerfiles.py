"""deploy/docker: one image per service, built from the repository root."""

from __future__ import annotations

import re

import pytest
import run_local

from platform_common import http_protocol
from tests.deployment import (
    GRACEFUL_SHUTDOWN_SECONDS,
    ROOT,
    SECRET_NAME,
    Instruction,
    ServiceSpec,
    dockerfile_instructions,
    serves,
    services,
)

SERVICES = services()
PINNED_BASE = re.compile(r"python:3\.11\.\d+-slim(-[a-z]+)?")


def _all(instructions: list[Instruction], keyword: str) -> list[Instruction]:
    return [i for i in instructions if i.keyword == keyword]


def _last_stage(instructions: list[Instruction]) -> list[Instruction]:
    starts = [n for n, i in enumerate(instructions) if i.keyword == "FROM"]
    return instructions[starts[-1] :]


def _copy_sources(copy: Instruction) -> list[str]:
    """The build-context paths a COPY takes (none for COPY --from=<stage>)."""
    if "--from" in copy.arguments:
        return []
    words = [w for w in copy.arguments.split() if not w.startswith("--")]
    return words[:-1]


def _base_images(instructions: list[Instruction]) -> list[str]:
    defaults = {}
    for arg in _all(instructions, "ARG"):
        name, _, value = arg.arguments.partition("=")
        defaults[name] = value
    images = []
    for from_ in _all(instructions, "FROM"):
        image = from_.arguments.split()[0]
        reference = re.fullmatch(r"\$\{?(\w+)\}?", image)
        images.append(defaults[reference[1]] if reference else image)
    return images


def test_one_dockerfile_per_service() -> None:
    assert {p.name for p in (ROOT / "deploy" / "docker").glob("*Dockerfile")} == {
        s.dockerfile.name for s in SERVICES
    }


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_base_image_is_a_pinned_slim_python(spec: ServiceSpec) -> None:
    images = _base_images(dockerfile_instructions(spec.dockerfile))
    assert images
    for image in images:
        assert PINNED_BASE.fullmatch(image), image


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_runs_as_an_unprivileged_user(spec: ServiceSpec) -> None:
    users = _all(_last_stage(dockerfile_instructions(spec.dockerfile)), "USER")
    assert users, "no USER in the final stage"
    user = users[-1].arguments.split(":")[0]
    assert user not in ("root", "0")
    # Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
    assert user.isdigit()


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_installs_with_the_constraints(spec: ServiceSpec) -> None:
    instructions = dockerfile_instructions(spec.dockerfile)
    installs = [i for i in _all(instructions, "RUN") if "pip install" in i.arguments]
    assert installs
    for install in installs:
        assert "-c constraints.txt" in install.arguments
    copied = [
        i.arguments.split()[0] for i in _all(instructions, "COPY") if "--from" not in i.arguments
    ]
    assert {"constraints.txt", "common", spec.name} <= set(copied)


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_copies_only_what_exists(spec: ServiceSpec) -> None:
    for copy in _all(dockerfile_instructions(spec.dockerfile), "COPY"):
        for source in _copy_sources(copy):
            assert (ROOT / source).exists(), source
            assert not re.search(r"secret|\.pem$|\.key$|\.env", source), source


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_migrations_ship_in_the_database_services_images(spec: ServiceSpec) -> None:
    final = _last_stage(dockerfile_instructions(spec.dockerfile))
    targets = {
        i.arguments.split()[-2]: i.arguments.split()[-1] for i in _all(final, "COPY")
    }  # source -> destination, relative to WORKDIR
    [workdir] = [i.arguments for i in _all(final, "WORKDIR")]
    if spec.migrates:
        assert targets[f"{spec.name}/alembic.ini"] == "./alembic.ini"
        assert targets[f"{spec.name}/migrations"] == "./migrations"
        assert workdir == "/app"  # where `alembic upgrade head` finds alembic.ini
    else:
        assert not any("alembic" in source for source in targets)


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_health_check(spec: ServiceSpec) -> None:
    [check] = _all(_last_stage(dockerfile_instructions(spec.dockerfile)), "HEALTHCHECK")
    command = check.exec_form()
    assert command[:2] == ["python", "-c"]
    assert f"'http://127.0.0.1:{spec.default_port}/health/live'" in command[2]
    assert serves(spec.package, "/health/live")
    compile(command[2], "HEALTHCHECK", "exec")


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_command_runs_uvicorn_like_the_local_runner(spec: ServiceSpec) -> None:
    final = _last_stage(dockerfile_instructions(spec.dockerfile))
    [cmd] = _all(final, "CMD")
    command = cmd.exec_form()
    assert not _all(final, "ENTRYPOINT")
    assert command[:3] == ["uvicorn", "--factory", f"{spec.package}.main:app"]

    def option(name: str) -> str:
        return command[command.index(name) + 1]

    assert option("--host") == "0.0.0.0"  # noqa: S104 - inside the container
    assert int(option("--port")) == spec.default_port
    assert [p.arguments for p in _all(final, "EXPOSE")] == [str(spec.default_port)]
    assert int(option("--timeout-graceful-shutdown")) == GRACEFUL_SHUTDOWN_SECONDS
    for argument in run_local.UVICORN_FLAGS:
        assert argument in command


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_uvicorn_bounds_the_request_head(spec: ServiceSpec) -> None:
    """The image and the local runner serve with the platform's protocol:
    uvicorn's own httptools one holds a slow or endless request head for ever."""
    [cmd] = _all(_last_stage(dockerfile_instructions(spec.dockerfile)), "CMD")
    for command in (cmd.exec_form(), list(run_local.UVICORN_FLAGS)):
        assert command[command.index("--http") + 1] == http_protocol.PROTOCOL


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_uvicorn_believes_no_forwarded_header(spec: ServiceSpec) -> None:
    """Forwarded headers are applied inside each app, from its trusted proxies
    only (`<PREFIX>_TRUSTED_PROXIES`); uvicorn's own handling, which would
    believe them from 127.0.0.1 or from anyone (`--forwarded-allow-ips *`), is
    off in the image and in the local runner alike."""
    [cmd] = _all(_last_stage(dockerfile_instructions(spec.dockerfile)), "CMD")
    for command in (cmd.exec_form(), list(run_local.UVICORN_FLAGS)):
        assert "--no-proxy-headers" in command
        assert "--proxy-headers" not in command
        assert not [a for a in command if a.startswith("--forwarded-allow-ips")]


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_no_secret_in_the_image(spec: ServiceSpec) -> None:
    for instruction in dockerfile_instructions(spec.dockerfile):
        if instruction.keyword in ("ENV", "ARG", "LABEL"):
            for name in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", instruction.arguments):
                assert not SECRET_NAME.search(name), instruction
        assert "BEGIN" not in instruction.arguments
        assert "PRIVATE KEY" not in instruction.arguments


def test_the_build_context_leaves_out_local_state_and_secrets() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().splitlines())
    for entry in (
        ".git",
        "**/.venv",
        "**/.data",
        "**/__pycache__",
        "**/.mypy_cache",
        "**/.ruff_cache",
        "**/.pytest_cache",
        "tests-e2e",
        "bench/results",
        ".env",
        "deploy/secrets",
    ):
        assert entry in ignored, entry
