"""deploy/k8s: valid against the Kubernetes schemas, and in step with the code."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from kubernetes_validate import utils as kubernetes_validate

from tests.deployment import (
    GRACEFUL_SHUTDOWN_SECONDS,
    K8S,
    SECRET_NAME,
    Manifest,
    ServiceSpec,
    all_containers,
    by_kind,
    kustomization_images,
    load_documents,
    main_container,
    pod_spec,
    render_kustomization,
    serves,
    service_urls,
    services,
    settings_env_names,
)

# The newest Kubernetes release whose schemas kubernetes-validate ships.
KUBERNETES_VERSION = "1.37.0"
NAMESPACE = "notes-platform"
SERVICES = services()
DATABASE_SERVICES = [s for s in SERVICES if s.migrates]


@pytest.fixture(scope="module")
def manifests() -> list[Manifest]:
    return render_kustomization()


def _ids(manifests: list[Manifest]) -> list[str]:
    return [f"{m['kind']}/{m['metadata']['name']}" for m in manifests]


def test_the_validator_knows_the_kubernetes_version() -> None:
    assert KUBERNETES_VERSION in kubernetes_validate.all_versions()


def test_strict_validation_rejects_unknown_fields() -> None:
    """Guards the check below: strict mode must catch a misspelled field."""
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "x", "namespace": NAMESPACE},
        "data": {},
        "dta": {},
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(config_map, KUBERNETES_VERSION, strict=True)


def _example_manifests() -> list[Manifest]:
    return [m for path in sorted((K8S / "examples").glob("*.yaml")) for m in load_documents(path)]


@pytest.mark.parametrize(
    "manifest",
    [*render_kustomization(), *_example_manifests()],
    ids=_ids([*render_kustomization(), *_example_manifests()]),
)
def test_manifest_is_valid(manifest: Manifest) -> None:
    try:
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        path = ".".join(str(p) for p in exc.path)
        pytest.fail(f"{path}: {exc.message}")


def test_every_file_of_the_folder_is_rendered_or_an_example() -> None:
    kustomization = load_documents(K8S / "kustomization.yaml")[0]
    listed = {K8S / entry for entry in kustomization["resources"]}
    on_disk = {p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml"}
    assert on_disk == listed


def test_the_kinds_a_deployment_needs(manifests: list[Manifest]) -> None:
    names = {s.name for s in SERVICES}
    assert set(by_kind(manifests, "Namespace")) == {NAMESPACE}
    for kind in ("Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
        assert set(by_kind(manifests, kind)) == names, kind
    assert set(by_kind(manifests, "Job")) == {s.migration_job for s in DATABASE_SERVICES}
    assert all(
        m["metadata"]["namespace"] == NAMESPACE for m in manifests if m["kind"] != "Namespace"
    )


def test_no_secret_is_part_of_the_kustomization(manifests: list[Manifest]) -> None:
    assert not by_kind(manifests, "Secret")
    for example in _example_manifests():
        assert example["kind"] == "Secret"
        for key, value in example.get("stringData", {}).items():
            if not key.endswith("email"):
                assert "CHANGE-ME" in value, f"{key}: the example holds placeholders only"


def _env_names(workload: Manifest, manifests: list[Manifest]) -> dict[str, dict[str, Any]]:
    """Each variable a container gets, from `env` and from ConfigMaps via envFrom."""
    config_maps = by_kind(manifests, "ConfigMap")
    names: dict[str, dict[str, Any]] = {}
    for container in all_containers(workload):
        for source in container.get("envFrom", []):
            assert "configMapRef" in source, "envFrom: ConfigMaps only (Secrets by key)"
            config_map = config_maps[source["configMapRef"]["name"]]
            for key, value in config_map["data"].items():
                names[key] = {"name": key, "value": value}
        for variable in container.get("env", []):
            names[variable["name"]] = variable
    return names


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_deployment_agrees_with_the_code(spec: ServiceSpec, manifests: list[Manifest]) -> None:
    deployment = by_kind(manifests, "Deployment")[spec.name]
    container = main_container(deployment)
    assert [p["containerPort"] for p in container["ports"]] == [spec.default_port]
    port_name = container["ports"][0]["name"]
    for probe, path in (("readinessProbe", "/health/ready"), ("livenessProbe", "/health/live")):
        assert container[probe]["httpGet"]["path"] == path
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        if probe in container:
            assert serves(spec.package, container[probe]["httpGet"]["path"])
            assert container[probe]["httpGet"]["port"] in (port_name, spec.default_port)

    known = settings_env_names(spec.package)
    for workload in (deployment, *_migration_jobs_of(spec, manifests)):
        for name in _env_names(workload, manifests):
            assert name.startswith(spec.settings_prefix), f"{name} is not {spec.name}'s"
            assert name in known, f"{spec.name} does not read {name}"


def _migration_jobs_of(spec: ServiceSpec, manifests: list[Manifest]) -> list[Manifest]:
    job = by_kind(manifests, "Job").get(spec.migration_job)
    return [job] if job else []


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_secrets_are_referenced_not_inlined(spec: ServiceSpec, manifests: list[Manifest]) -> None:
    workloads = [by_kind(manifests, "Deployment")[spec.name], *_migration_jobs_of(spec, manifests)]
    for workload in workloads:
        for name, variable in _env_names(workload, manifests).items():
            if SECRET_NAME.search(name) or name.endswith("DATABASE_URL"):
                assert "value" not in variable, f"{name} must come from a Secret"
                assert "secretKeyRef" in variable["valueFrom"], name


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_urls_name_services_and_routes_that_exist(
    spec: ServiceSpec, manifests: list[Manifest]
) -> None:
    k8s_services = by_kind(manifests, "Service")
    deployment = by_kind(manifests, "Deployment")[spec.name]
    for name, variable in _env_names(deployment, manifests).items():
        for url in service_urls(str(variable.get("value", ""))):
            target = next(s for s in SERVICES if s.name == url.host)
            assert url.port in [p["port"] for p in k8s_services[url.host]["spec"]["ports"]], name
            if url.path not in ("", "/"):
                assert serves(target.package, url.path), f"{name}: {target.name} lacks {url.path}"


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_service_routes_to_the_container_port(spec: ServiceSpec, manifests: list[Manifest]) -> None:
    k8s_service = by_kind(manifests, "Service")[spec.name]
    deployment = by_kind(manifests, "Deployment")[spec.name]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert k8s_service["spec"]["selector"].items() <= labels.items()
    [port] = k8s_service["spec"]["ports"]
    assert port["port"] == spec.default_port
    container_ports = {p["name"]: p["containerPort"] for p in main_container(deployment)["ports"]}
    assert container_ports.get(port["targetPort"], port["targetPort"]) == spec.default_port


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_shutdown_fits_in_the_grace_period(spec: ServiceSpec, manifests: list[Manifest]) -> None:
    deployment = by_kind(manifests, "Deployment")[spec.name]
    grace = pod_spec(deployment)["terminationGracePeriodSeconds"]
    pre_stop = main_container(deployment).get("lifecycle", {}).get("preStop", {})
    sleep = pre_stop.get("sleep", {}).get("seconds", 0)
    drain = float(
        _env_names(deployment, manifests)[f"{spec.settings_prefix}SHUTDOWN_DRAIN_SECONDS"]["value"]
    )
    assert grace == 40
    # preStop, then the drain (platform_common/draining.py), then uvicorn's graceful shutdown.
    assert sleep + drain + GRACEFUL_SHUTDOWN_SECONDS < grace


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_rolling_update_keeps_every_replica_serving(
    spec: ServiceSpec, manifests: list[Manifest]
) -> None:
    # What tests-e2e/test_scale_out.py proved on one machine: one new pod
    # ready before an old one leaves, each old one draining before it stops.
    deployment = by_kind(manifests, "Deployment")[spec.name]
    assert deployment["spec"]["replicas"] >= 2
    strategy = deployment["spec"]["strategy"]
    assert strategy["type"] == "RollingUpdate"
    assert strategy["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}
    container = main_container(deployment)
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["lifecycle"]["preStop"]["sleep"]["seconds"] > 0
    drain = _env_names(deployment, manifests)[f"{spec.settings_prefix}SHUTDOWN_DRAIN_SECONDS"]
    # Longer than the gateway keeps an idle upstream connection (gateway/transport.py).
    assert float(drain["value"]) > 4


@pytest.mark.parametrize(
    "workload",
    [*by_kind(render_kustomization(), "Deployment"), *by_kind(render_kustomization(), "Job")],
)
def test_containers_are_locked_down_and_bounded(workload: str, manifests: list[Manifest]) -> None:
    resource = {**by_kind(manifests, "Deployment"), **by_kind(manifests, "Job")}[workload]
    spec = pod_spec(resource)
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["automountServiceAccountToken"] is False
    for container in all_containers(resource):
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        for bound in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(container["resources"][bound]), container["name"]


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_autoscaler_and_disruption_budget(spec: ServiceSpec, manifests: list[Manifest]) -> None:
    deployment = by_kind(manifests, "Deployment")[spec.name]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    hpa = by_kind(manifests, "HorizontalPodAutoscaler")[spec.name]
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["apiVersion"], target["kind"], target["name"]) == (
        "apps/v1",
        "Deployment",
        spec.name,
    )
    assert 2 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    pdb = by_kind(manifests, "PodDisruptionBudget")[spec.name]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    # A drain can always evict one pod: never all replicas required.
    assert pdb["spec"]["minAvailable"] < hpa["spec"]["minReplicas"]


@pytest.mark.parametrize("spec", DATABASE_SERVICES, ids=lambda s: s.name)
def test_migration_job_runs_alembic_in_the_service_image(
    spec: ServiceSpec, manifests: list[Manifest]
) -> None:
    job = by_kind(manifests, "Job")[spec.migration_job]
    deployment = by_kind(manifests, "Deployment")[spec.name]
    [container] = pod_spec(job)["containers"]
    assert container["command"] == ["alembic", "upgrade", "head"]
    assert container["image"] == main_container(deployment)["image"]
    assert pod_spec(job)["restartPolicy"] in ("Never", "OnFailure")
    database_url = f"{spec.settings_prefix}DATABASE_URL"
    # The Job connects as the schema's owner, the service as its runtime role
    # (row privileges only): two keys of the service's Secret.
    [variable] = [v for v in container["env"] if v["name"] == database_url]
    deployment_env = {v["name"]: v for v in main_container(deployment)["env"]}
    secret = f"{spec.name}-secrets"
    assert variable["valueFrom"]["secretKeyRef"] == {
        "name": secret,
        "key": "migration-database-url",
    }
    runtime = deployment_env[database_url]
    assert runtime["valueFrom"]["secretKeyRef"] == {"name": secret, "key": "database-url"}
    # The service's pods wait for the Job: an init container of the same image
    # polls, as the runtime role (it only reads the version table), until the
    # schema is at that image's head.
    [wait] = pod_spec(deployment)["initContainers"]
    assert wait["image"] == container["image"]
    assert "alembic current" in " ".join(wait["command"])
    assert {v["name"]: v for v in wait["env"]}[database_url] == runtime


def test_the_example_secrets_name_two_roles_per_database_service() -> None:
    examples = by_kind(_example_manifests(), "Secret")
    for spec in DATABASE_SERVICES:
        data = examples[f"{spec.name}-secrets"]["stringData"]
        runtime = urlsplit(data["database-url"])
        migration = urlsplit(data["migration-database-url"])
        assert runtime.username != migration.username
        assert runtime._replace(netloc="") == migration._replace(netloc="")


def test_images_are_the_ones_the_kustomization_pins(manifests: list[Manifest]) -> None:
    images = kustomization_images()
    for workload in [
        *by_kind(manifests, "Deployment").values(),
        *by_kind(manifests, "Job").values(),
    ]:
        for container in all_containers(workload):
            name, _, tag = container["image"].partition(":")
            assert name in images, container["image"]
            assert tag == images[name]


def test_signing_keys_are_mounted_from_a_secret(manifests: list[Manifest]) -> None:
    deployment = by_kind(manifests, "Deployment")["auth-service"]
    env = _env_names(deployment, manifests)
    keys_dir = env["AUTH_SIGNING_KEYS_DIR"]["value"]
    volumes = {v["name"]: v for v in pod_spec(deployment)["volumes"]}
    [mount] = [m for m in main_container(deployment)["volumeMounts"] if m["mountPath"] == keys_dir]
    assert mount["readOnly"] is True
    assert "secret" in volumes[mount["name"]]
    assert Path(keys_dir).is_absolute()


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_every_service_names_its_trusted_proxies(
    spec: ServiceSpec, manifests: list[Manifest]
) -> None:
    """auth-service and notes-service believe forwarded headers from the
    gateway's pods (the pod network); the gateway from the load balancer or
    ingress in front of it. A JSON list of networks, as the Settings read it."""
    deployment = by_kind(manifests, "Deployment")[spec.name]
    value = _env_names(deployment, manifests)[f"{spec.settings_prefix}TRUSTED_PROXIES"]["value"]
    networks = [ipaddress.ip_network(n) for n in json.loads(value)]
    assert networks
    assert all(n.prefixlen > 0 for n in networks), "not the whole internet"


def test_auth_service_mails_through_the_operators_smtp_server(manifests: list[Manifest]) -> None:
    """The SMTP URL (it may hold a password) from the Secret, optional:
    without it each email is written under the pod's writable /tmp."""
    deployment = by_kind(manifests, "Deployment")["auth-service"]
    env = _env_names(deployment, manifests)
    secret = env["AUTH_SMTP_URL"]["valueFrom"]["secretKeyRef"]
    assert secret == {"name": "auth-service-secrets", "key": "smtp-url", "optional": True}
    mounts = {m["mountPath"]: m["name"] for m in main_container(deployment)["volumeMounts"]}
    volumes = {v["name"]: v for v in pod_spec(deployment)["volumes"]}
    mail_dir = Path(env["AUTH_MAIL_DIR"]["value"])
    [writable] = [path for path in mounts if mail_dir.is_relative_to(path)]
    assert "emptyDir" in volumes[mounts[writable]]
    assert urlsplit(env["AUTH_PUBLIC_URL"]["value"]).scheme == "https"


def test_verifiers_expect_the_issuer_auth_service_signs_as(manifests: list[Manifest]) -> None:
    """auth-service's issuer is AUTH_PUBLIC_URL + /auth (RFC 8414 §2); the
    verifiers are told the same explicitly."""
    deployments = by_kind(manifests, "Deployment")
    public = _env_names(deployments["auth-service"], manifests)["AUTH_PUBLIC_URL"]["value"]
    verifiers = {"gateway": "GATEWAY_JWT_ISSUER", "notes-service": "NOTES_JWT_ISSUER"}
    for name, variable in verifiers.items():
        env = _env_names(deployments[name], manifests)
        assert env[variable]["value"] == public.rstrip("/") + "/auth", name
