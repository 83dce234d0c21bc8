"""The dashboard and the alerts query metrics the services really export (issue 17).

Every metric name in a panel of deploy/monitoring/dashboard.json, and in an
expression of deploy/monitoring/alerts.yaml, must be in the live `/metrics`
of the running services; only Prometheus' own `up`, kube-state-metrics'
series and the rule file's own recorded series (`a:b:c`) come from elsewhere.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import yaml
from run_local import LocalSystem

from platform_common.testing.metrics import exported_names

MONITORING = Path(__file__).resolve().parents[1] / "deploy" / "monitoring"
# Not exported by the services: Prometheus' scrape health, kube-state-metrics.
FROM_ELSEWHERE = frozenset({"up", "kube_pod_status_ready"})
PROMQL_WORDS = frozenset(
    {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless"}
    | {"bool", "offset", "inf", "nan"}
)
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGES = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENTIFIER = re.compile(r"(?<![\w.$])([A-Za-z_:][A-Za-z0-9_:]*)\b(?!\s*\()")


def metric_names(expression: str) -> set[str]:
    """The metric names of a PromQL expression: identifiers left once strings,
    label matchers, ranges and grouping clauses are removed, that are not
    functions (followed by `(`), keywords or numbers."""
    text = _STRINGS.sub('""', expression)
    text = _MATCHERS.sub("", text)
    text = _RANGES.sub("", text)
    text = _GROUPING.sub("", text)
    return {name for name in _IDENTIFIER.findall(text) if name.lower() not in PROMQL_WORDS}


def test_the_extraction_itself() -> None:
    expression = (
        'histogram_quantile(0.99, sum by (service, le) (rate(x_seconds_bucket{a="b{c}"}[5m])))'
        " / on (pod) group_left y_total unless z:recorded:rate5m > bool 1e3"
    )
    assert metric_names(expression) == {"x_seconds_bucket", "y_total", "z:recorded:rate5m"}


def dashboard_expressions() -> list[str]:
    dashboard = json.loads((MONITORING / "dashboard.json").read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    assert expressions
    assert all(expression.strip() for expression in expressions)
    return expressions


def rules() -> list[dict[str, str]]:
    document = yaml.safe_load((MONITORING / "alerts.yaml").read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def alert_expressions() -> list[str]:
    return [rule["expr"] for rule in rules()]


def live_names(system: LocalSystem) -> set[str]:
    names: set[str] = set()
    for service, port in system.ports.items():
        # From 127.0.0.1: one of the gateway's internal networks, as Prometheus is.
        response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5.0)
        assert response.status_code == 200, service
        names |= exported_names(response.text)
    return names


def test_every_panel_queries_exported_metrics(system: LocalSystem) -> None:
    exported = live_names(system)
    named = set().union(*(metric_names(e) for e in dashboard_expressions()))
    assert named, "no metric found in the dashboard"
    assert named - exported == set()


def test_every_alert_queries_exported_metrics(system: LocalSystem) -> None:
    exported = live_names(system)
    named = set().union(*(metric_names(e) for e in alert_expressions()))
    recorded = {name for name in named if ":" in name}
    assert recorded <= {rule["record"] for rule in rules() if "record" in rule}
    assert named - recorded - FROM_ELSEWHERE - exported == set()
