"""The NetworkPolicies, evaluated: who may open a connection to whom.

A small evaluator of the policy semantics (podSelector, namespaceSelector,
ipBlock, ports) decides each pair; it refuses constructs it does not model, so
it cannot silently wave a policy through.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.deployment import (
    Manifest,
    by_kind,
    render_kustomization,
    service_urls,
    services,
)

NAMESPACE = "notes-platform"
SERVICES = {s.name: s for s in services()}


@dataclass(frozen=True)
class Peer:
    """A connection's source: a pod of the namespace (by labels) or anything outside."""

    name: str
    labels: dict[str, str] | None  # None: outside the namespace (another namespace, a client)


OUTSIDE = Peer("outside", None)


def _matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    assert set(selector) <= {"matchLabels"}, f"unsupported selector {selector}"
    match_labels: dict[str, str] = selector.get("matchLabels", {})
    return match_labels.items() <= labels.items()


def _peer_matches(rule_peer: dict[str, Any], source: Peer) -> bool:
    assert set(rule_peer) <= {"podSelector", "namespaceSelector", "ipBlock"}, rule_peer
    if "ipBlock" in rule_peer or "namespaceSelector" in rule_peer:
        # Both can admit sources from outside the namespace; this evaluator
        # treats them as admitting anyone, the cautious reading.
        return True
    return source.labels is not None and _matches(rule_peer["podSelector"], source.labels)


def _port_matches(rule: dict[str, Any], port: int) -> bool:
    ports = rule.get("ports")
    if not ports:
        return True
    for entry in ports:
        assert "endPort" not in entry, entry
        assert isinstance(entry.get("port"), int), "named ports are not modelled"
        if entry.get("protocol", "TCP") == "TCP" and entry["port"] == port:
            return True
    return False


def allowed(policies: list[Manifest], source: Peer, target: dict[str, str], port: int) -> bool:
    """Kubernetes semantics: isolated when any ingress policy selects the pod;
    then allowed when any rule of any selecting policy admits source and port."""
    selecting = [
        p
        for p in policies
        if "Ingress" in p["spec"].get("policyTypes", ["Ingress"])
        and _matches(p["spec"]["podSelector"], target)
    ]
    if not selecting:
        return True
    for policy in selecting:
        for rule in policy["spec"].get("ingress", []):
            peers = rule.get("from")
            admitted = not peers or any(_peer_matches(peer, source) for peer in peers)
            if admitted and _port_matches(rule, port):
                return True
    return False


@pytest.fixture(scope="module")
def manifests() -> list[Manifest]:
    return render_kustomization()


@pytest.fixture(scope="module")
def policies(manifests: list[Manifest]) -> list[Manifest]:
    return list(by_kind(manifests, "NetworkPolicy").values())


def _pods(manifests: list[Manifest]) -> dict[str, dict[str, str]]:
    """Pod labels of every workload, by workload name."""
    workloads = {**by_kind(manifests, "Deployment"), **by_kind(manifests, "Job")}
    return {name: w["spec"]["template"]["metadata"]["labels"] for name, w in workloads.items()}


def _sources(manifests: list[Manifest]) -> list[Peer]:
    return [OUTSIDE, *(Peer(name, labels) for name, labels in _pods(manifests).items())]


def _callers(manifests: list[Manifest]) -> dict[str, set[str]]:
    """Who calls whom according to the configuration: a Deployment whose
    variables hold a URL of another service calls that service."""
    config_maps = by_kind(manifests, "ConfigMap")
    calls: dict[str, set[str]] = {name: set() for name in SERVICES}
    for name, deployment in by_kind(manifests, "Deployment").items():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            values = [v.get("value", "") for v in container.get("env", [])]
            for source in container.get("envFrom", []):
                values.extend(config_maps[source["configMapRef"]["name"]]["data"].values())
            for value in values:
                for url in service_urls(str(value)):
                    calls[url.host].add(name)
    return calls


def test_the_configured_calls_are_the_expected_ones(manifests: list[Manifest]) -> None:
    assert _callers(manifests) == {
        "gateway": set(),
        # proxying; the JWKS and revocations
        "auth-service": {"gateway", "notes-service", "webhooks-service"},
        "notes-service": {"gateway", "auth-service"},  # proxying; the outbox's purge
        # proxying; the outbox's purge; notes-service's publisher (note changes)
        "webhooks-service": {"gateway", "auth-service", "notes-service"},
    }


def test_ingress_is_denied_by_default(policies: list[Manifest]) -> None:
    assert any(
        p["spec"]["podSelector"] == {}
        and p["spec"]["policyTypes"] == ["Ingress"]
        and not p["spec"].get("ingress")
        for p in policies
    )


@pytest.mark.parametrize("target", sorted(SERVICES))
def test_who_reaches_each_service(
    target: str, manifests: list[Manifest], policies: list[Manifest]
) -> None:
    pods = _pods(manifests)
    port = SERVICES[target].default_port
    reached_by = {
        source.name
        for source in _sources(manifests)
        if allowed(policies, source, pods[target], port)
    }
    if target == "gateway":
        assert reached_by == {s.name for s in _sources(manifests)}
    else:
        expected = _callers(manifests)[target]
        assert reached_by == expected


def test_the_expected_reachability_in_plain_words(
    manifests: list[Manifest], policies: list[Manifest]
) -> None:
    pods = _pods(manifests)

    def reaches(source: str, target: str) -> bool:
        peer = OUTSIDE if source == "outside" else Peer(source, pods[source])
        return allowed(policies, peer, pods[target], SERVICES[target].default_port)

    assert {s for s in pods if reaches(s, "notes-service")} == {"gateway", "auth-service"}
    assert {s for s in pods if reaches(s, "auth-service")} == {
        "gateway",
        "notes-service",
        "webhooks-service",
    }
    assert {s for s in pods if reaches(s, "webhooks-service")} == {
        "gateway",
        "auth-service",
        "notes-service",
    }
    assert not reaches("outside", "notes-service")
    assert not reaches("outside", "auth-service")
    assert reaches("outside", "gateway")


@pytest.mark.parametrize("target", sorted(SERVICES))
def test_only_the_service_port_is_open(
    target: str, manifests: list[Manifest], policies: list[Manifest]
) -> None:
    pods = _pods(manifests)
    for source in _sources(manifests):
        assert not allowed(policies, source, pods[target], 9999)


def test_migration_jobs_accept_nothing(manifests: list[Manifest], policies: list[Manifest]) -> None:
    pods = _pods(manifests)
    for job in by_kind(manifests, "Job"):
        for source in _sources(manifests):
            assert not allowed(policies, source, pods[job], 8000)


def test_the_evaluator_sees_a_hole(manifests: list[Manifest], policies: list[Manifest]) -> None:
    """One more policy admitting everyone would open notes-service to the world."""
    pods = _pods(manifests)
    hole = {
        "kind": "NetworkPolicy",
        "metadata": {"name": "hole"},
        "spec": {
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "notes-service"}},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"namespaceSelector": {}}]}],
        },
    }
    assert not allowed(policies, OUTSIDE, pods["notes-service"], 8002)
    assert allowed([*policies, hole], OUTSIDE, pods["notes-service"], 8002)
