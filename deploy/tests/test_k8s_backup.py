"""deploy/k8s/backup.yaml: the nightly pg_dump, as locked down as the services,
its credentials in a Secret, its pg_dump as new as the server."""

from __future__ import annotations

from typing import Any

import pytest

from tests.deployment import Manifest, by_kind, load_compose, render_kustomization


@pytest.fixture(scope="module")
def cron_job() -> Manifest:
    return by_kind(render_kustomization(), "CronJob")["database-backup"]


def pod(cron_job: Manifest) -> dict[str, Any]:
    spec: dict[str, Any] = cron_job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return spec


def test_one_backup_at_a_time_never_retried_forever(cron_job: Manifest) -> None:
    assert cron_job["spec"]["concurrencyPolicy"] == "Forbid"
    job = cron_job["spec"]["jobTemplate"]["spec"]
    assert job["backoffLimit"] <= 3
    assert job["activeDeadlineSeconds"] <= 24 * 3600
    assert pod(cron_job)["restartPolicy"] == "Never"


def test_the_dump_is_custom_format_checked_then_renamed(cron_job: Manifest) -> None:
    [container] = pod(cron_job)["containers"]
    script = container["args"][0]
    assert "set -eu" in script
    steps = ["pg_dump --format=custom", "pg_restore --list", "mv "]
    positions = [script.index(step) for step in steps]
    assert positions == sorted(positions)


def test_credentials_come_from_a_secret(cron_job: Manifest) -> None:
    [container] = pod(cron_job)["containers"]
    [url] = [e for e in container["env"] if e["name"] == "DATABASE_URL"]
    assert url["valueFrom"]["secretKeyRef"] == {
        "name": "database-backup-secrets",
        "key": "database-url",
    }


def test_locked_down_and_bounded(cron_job: Manifest) -> None:
    spec = pod(cron_job)
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["automountServiceAccountToken"] is False
    [container] = spec["containers"]
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    for bound in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][bound])


def test_dumps_go_to_the_claim_the_kustomization_defines(cron_job: Manifest) -> None:
    claims = by_kind(render_kustomization(), "PersistentVolumeClaim")
    [container] = pod(cron_job)["containers"]
    volumes = {v["name"]: v for v in pod(cron_job)["volumes"]}
    [mount] = [m for m in container["volumeMounts"] if m["mountPath"] == "/backups"]
    assert volumes[mount["name"]]["persistentVolumeClaim"]["claimName"] in claims


def test_pg_dump_is_the_servers_version(cron_job: Manifest) -> None:
    """pg_dump refuses a server newer than itself: the server's own image."""
    [container] = pod(cron_job)["containers"]
    assert container["image"] == load_compose()["services"]["postgres"]["image"]
