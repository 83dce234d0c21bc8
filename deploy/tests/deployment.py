"""What the tests read: the compose file, the rendered kustomization, the
Dockerfiles, and, on the code's side, each service's Settings and routes.

The service list comes from deploy/services.py, and the uvicorn options from
deploy/run_local.py, the runner `make run` uses: they are the reference the
deployments must match.
"""

from __future__ import annotations

import importlib
import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import services as platform_services
import yaml
from pydantic import AliasChoices, AliasPath
from starlette.applications import Starlette
from starlette.routing import Match

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
COMPOSE_FILE = ROOT / "docker-compose.yml"

# uvicorn's --timeout-graceful-shutdown in every image (checked in test_dockerfiles).
GRACEFUL_SHUTDOWN_SECONDS = 20

Manifest = dict[str, Any]


# A service as deploy/services.py lists it: the images, compose and Kubernetes must match it.
ServiceSpec = platform_services.Service


def services() -> list[ServiceSpec]:
    return list(platform_services.SERVICES)


def service(name: str) -> ServiceSpec:
    return next(s for s in services() if s.name == name)


# --- the code's side -------------------------------------------------------------


@cache
def settings_env_names(package: str) -> frozenset[str]:
    """Every environment variable the service's Settings reads (upper case)."""
    config = importlib.import_module(f"{package}.config")
    settings_class = config.Settings
    prefix = str(settings_class.model_config.get("env_prefix", ""))
    names: set[str] = set()
    for field_name, field in settings_class.model_fields.items():
        alias = field.validation_alias or field.alias  # an alias takes no prefix
        if alias is None:
            names.add(f"{prefix}{field_name}".upper())
        elif isinstance(alias, str):
            names.add(alias.upper())
        elif isinstance(alias, AliasChoices):
            names.update(c.upper() for c in alias.choices if isinstance(c, str))
        else:
            assert not isinstance(alias, AliasPath), f"{field_name}: alias paths unsupported"
    return frozenset(names)


def default_settings(package: str) -> Any:
    """The service's Settings as it starts with no variable set."""
    return importlib.import_module(f"{package}.config").Settings()


@cache
def _app(package: str) -> Starlette:
    main = importlib.import_module(f"{package}.main")
    return cast(Starlette, main.create_app())


def serves(package: str, path: str, method: str = "GET") -> bool:
    """Whether one of the app's routes answers `method path` (lifespan not started)."""
    scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}
    return any(route.matches(scope)[0] is Match.FULL for route in _app(package).routes)


# --- YAML ------------------------------------------------------------------------


def load_documents(path: Path) -> list[Manifest]:
    with path.open() as file:
        return [doc for doc in yaml.safe_load_all(file) if doc is not None]


def load_compose() -> dict[str, Any]:
    with COMPOSE_FILE.open() as file:
        return cast(dict[str, Any], yaml.safe_load(file))


CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PriorityClass"}


def render_kustomization(directory: Path = K8S) -> list[Manifest]:
    """A small stand-in for `kustomize build`: resources (files or nested
    kustomizations) and the namespace override; nothing else is supported,
    and the test fails on fields it would have to understand."""
    kustomization = load_documents(directory / "kustomization.yaml")[0]
    supported = {"apiVersion", "kind", "namespace", "resources", "images"}
    unknown = set(kustomization) - supported
    assert not unknown, f"{directory}/kustomization.yaml: renderer lacks {sorted(unknown)}"
    manifests: list[Manifest] = []
    for entry in kustomization.get("resources", []):
        path = directory / entry
        if path.is_dir():
            manifests.extend(render_kustomization(path))
        else:
            manifests.extend(load_documents(path))
    namespace = kustomization.get("namespace")
    if namespace:
        for manifest in manifests:
            if manifest["kind"] not in CLUSTER_SCOPED:
                manifest.setdefault("metadata", {})["namespace"] = namespace
    return manifests


def kustomization_images() -> dict[str, str]:
    kustomization = load_documents(K8S / "kustomization.yaml")[0]
    return {image["name"]: image.get("newTag", "") for image in kustomization.get("images", [])}


def by_kind(manifests: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == kind}


def pod_spec(workload: Manifest) -> dict[str, Any]:
    return cast(dict[str, Any], workload["spec"]["template"]["spec"])


def all_containers(workload: Manifest) -> Iterator[dict[str, Any]]:
    spec = pod_spec(workload)
    yield from spec.get("initContainers", [])
    yield from spec["containers"]


def main_container(deployment: Manifest) -> dict[str, Any]:
    name = deployment["metadata"]["name"]
    return next(c for c in pod_spec(deployment)["containers"] if c["name"] == name)


# --- URLs between services -------------------------------------------------------


@dataclass(frozen=True)
class ServiceUrl:
    host: str
    port: int
    path: str


def service_urls(value: str) -> list[ServiceUrl]:
    """The service URLs a setting names: the value itself, or those inside a JSON
    value (the `urls` of GATEWAY_UPSTREAMS' entries)."""
    url = service_url(value)
    if url is not None:
        return [url]
    try:
        parsed = json.loads(value)
    except ValueError:
        return []
    return [u for text in _strings(parsed) if (u := service_url(text)) is not None]


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)
    elif isinstance(node, dict):
        for item in node.values():
            yield from _strings(item)


def service_url(value: str) -> ServiceUrl | None:
    """http://<service>:<port>/<path> with a known service host, else None."""
    if not value.startswith(("http://", "https://")):
        return None
    parts = urlsplit(value)
    names = {s.name for s in services()}
    if parts.hostname not in names or parts.port is None:
        return None
    return ServiceUrl(parts.hostname, parts.port, parts.path)


# --- Dockerfiles -----------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str

    def exec_form(self) -> list[str]:
        """The JSON array of CMD/ENTRYPOINT/HEALTHCHECK CMD; shell form is split."""
        text = self.arguments
        if self.keyword == "HEALTHCHECK":
            text = text[text.index("CMD") + len("CMD") :].strip()
        if text.startswith("["):
            return cast(list[str], json.loads(text))
        return shlex.split(text)


def dockerfile_instructions(path: Path) -> list[Instruction]:
    logical: list[str] = []
    current = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # a comment inside a continued instruction
            continue
        if line.endswith("\\"):
            current += line[:-1].strip() + " "
            continue
        logical.append(current + line)
        current = ""
    assert not current, f"{path.name}: dangling line continuation"
    instructions = []
    for line in logical:
        keyword, _, arguments = line.partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip()))
    return instructions


SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|PRIVATE|CREDENTIAL|API_?KEY", re.IGNORECASE)
