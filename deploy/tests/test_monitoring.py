"""deploy/monitoring and the scrape annotations: in step with the manifests and the code.

promtool checks and unit-tests the rules themselves (`make monitoring-check`);
tests-e2e/test_dashboard.py checks every metric name against live `/metrics`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes_validate import utils as kubernetes_validate

from tests.deployment import (
    DEPLOY,
    ServiceSpec,
    by_kind,
    load_documents,
    main_container,
    render_kustomization,
    serves,
    services,
)
from tests.test_k8s import KUBERNETES_VERSION

MONITORING = DEPLOY / "monitoring"
SERVICES = services()


def load(name: str) -> Any:
    return yaml.safe_load((MONITORING / name).read_text())


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_pods_ask_to_be_scraped_where_metrics_are_served(spec: ServiceSpec) -> None:
    deployment = by_kind(render_kustomization(), "Deployment")[spec.name]
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    [port] = main_container(deployment)["ports"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(port["containerPort"]) == str(spec.default_port)
    assert port["name"] == "http"  # the PodMonitor of deploy/README.md names it
    path = annotations["prometheus.io/path"]
    assert serves(spec.package, path)


def test_the_scrape_job_reads_those_annotations_and_loads_the_rules() -> None:
    config = load("prometheus.yaml")
    assert config["rule_files"] == ["alerts.yaml"]
    [job] = config["scrape_configs"]
    assert job["kubernetes_sd_configs"][0]["namespaces"]["names"] == ["notes-platform"]
    sources = {tuple(rule.get("source_labels", ())) for rule in job["relabel_configs"]}
    for annotation in ("scrape", "path"):
        assert (f"__meta_kubernetes_pod_annotation_prometheus_io_{annotation}",) in sources
    assert ("__address__", "__meta_kubernetes_pod_annotation_prometheus_io_port") in sources
    targets = {rule.get("target_label") for rule in job["relabel_configs"]}
    assert {"namespace", "pod"} <= targets  # what the alerts and the dashboard group by


def test_the_network_policy_is_valid_and_admits_every_port() -> None:
    [policy] = load_documents(MONITORING / "network-policy.yaml")
    kubernetes_validate.validate(policy, KUBERNETES_VERSION, strict=True)
    [rule] = policy["spec"]["ingress"]
    assert {p["port"] for p in rule["ports"]} == {s.default_port for s in SERVICES}
    assert all("namespaceSelector" in peer for peer in rule["from"])
    selected = policy["spec"]["podSelector"]["matchLabels"].items()
    for deployment in by_kind(render_kustomization(), "Deployment").values():
        assert selected <= deployment["spec"]["template"]["metadata"]["labels"].items()


def alert_rules() -> list[dict[str, Any]]:
    return [rule for group in load("alerts.yaml")["groups"] for rule in group["rules"]]


def test_every_alert_has_a_severity_a_summary_and_a_unit_test() -> None:
    alerts = [rule for rule in alert_rules() if "alert" in rule]
    tested = {
        case["alertname"]
        for test in load("alerts-test.yaml")["tests"]
        for case in test.get("alert_rule_test", [])
        if case["exp_alerts"]  # a test that it fires, not only that it stays quiet
    }
    assert alerts
    for alert in alerts:
        assert alert["labels"]["severity"] in {"page", "ticket", "warning"}
        assert alert["annotations"]["summary"]
    assert {alert["alert"] for alert in alerts} == tested


def test_the_dashboards_panels_query_prometheus() -> None:
    dashboard = json.loads((MONITORING / "dashboard.json").read_text())
    panels = dashboard["panels"]
    assert len({panel["id"] for panel in panels}) == len(panels)
    for panel in panels:
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["expr"].strip(), panel["title"]


def test_the_makefile_runs_promtool_in_make_test() -> None:
    makefile = (Path(DEPLOY).parent / "Makefile").read_text()
    test_line = next(line for line in makefile.splitlines() if line.startswith("test:"))
    assert "monitoring-check" in test_line.split()
    assert "promtool test rules deploy/monitoring/alerts-test.yaml" in makefile
