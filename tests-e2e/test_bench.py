"""`make bench` keeps working: the same script on a tiny data set with short runs.

Every figure must be reported; none is judged here (no timing assertion): the
goals are printed by the script, held or not.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"

READ_TARGETS = {
    "minimal": {"minimal", "postgres"},
    "nginx>minimal": {"nginx", "minimal", "postgres"},
    "direct": {"notes-service", "postgres"},
    "nginx>notes": {"nginx", "notes-service", "postgres"},
    "bare>notes": {"bare-proxy", "notes-service", "postgres"},
    "gateway": {"gateway", "notes-service", "postgres"},
}


def test_quick_benchmark_reports_every_figure(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--output", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "gateway/direct GET /notes/{id}" in completed.stdout
    assert "Goals of issue 12" in completed.stdout
    (report_file,) = tmp_path.glob("*.json")
    report = json.loads(report_file.read_text())
    rows = {(r["name"], r["target"]): r for r in report["results"]}
    for endpoint in ("GET /notes/{id}", "GET /notes/", "POST /notes/", "PUT /notes/{id}"):
        assert {(endpoint, "gateway"), (endpoint, "direct")} <= set(rows)
    assert rows[("GET /notes/{id} (PAT)", "gateway")]["errors"] == 0
    assert "gateway CPU per request: PAT / JWT, GET /notes/{id}" in report["ratios"]
    assert all(report["token_check_us"][kind] > 0 for kind in ("jwt", "pat"))
    # The references, and the CPU time per request of every process each goes through.
    for target, processes in READ_TARGETS.items():
        cpu = rows[("GET /notes/{id}", target)]["cpu_us"]
        assert all(cpu[p] > 0 for p in processes), (target, cpu)
    assert {r["target"] for r in report["workers_2"]} == {"minimal", "direct", "gateway"}
    measured = [
        *report["results"],
        *report["workers_2"],
        report["login"],
        report["read_during_login_burst"],
    ]
    for result in measured:
        assert result["requests_per_second"] > 0, result
        assert result["errors"] == 0, result
        assert 0 < result["p50_ms"] <= result["p99_ms"], result
        assert result["cpu_us"], result
    services = {"gateway", "auth-service", "notes-service", "webhooks-service"}
    assert set(report["rss_mib"]) == services
    assert set(report["gc_collections"]) == services
    # Issue 30: every acknowledged change delivered once.
    webhooks = report["webhooks"]
    assert webhooks["changes"] > 0, webhooks
    assert (webhooks["lost"], webhooks["duplicates"]) == (0, 0), webhooks
    assert 0 < webhooks["p50_ms"] <= webhooks["p99_ms"], webhooks
    for young, middle, full in report["gc_collections"].values():
        assert young >= middle >= 0
        assert full >= 1  # settle_heap collected at least once
    assert report["auth_rss_after_burst_mib"] > 0
    # Issue 32, the tail: the burst's own logins; reads beside a search flood, each
    # setting of the search bulkhead.
    assert report["read_during_login_burst"]["logins_during_burst"]["requests_per_second"] > 0
    flood = report["search_flood"]
    assert set(flood) == {"off", "2", "default"}
    for run in (run for runs in flood.values() for run in runs):
        assert run["reads"]["requests_per_second"] > 0, run
        assert run["searches"]["requests_per_second"] > 0, run
    assert "Search flood" in completed.stdout
    assert report["request_context_us"] > 0
    assert all(value > 0 for value in report["ratios"].values())
    goals = {goal["name"] for goal in report["goals"]}
    assert len(goals) >= 7, goals
    assert "Goals of issue 32" in completed.stdout
    assert_mixed_workload_reported(report["mixed"])
    assert_curve_reported(report["curve"], report_file.with_suffix(".svg").read_text())


MIXED_OPERATIONS = {
    "read": 200,
    "list": 200,
    "cursor": 200,
    "search": 200,
    "search_page": 200,
    "create": 201,
    "update": 200,
    "delete": 200,
}
MIXED_PROCESSES = {
    "gateway": {"gateway", "notes-service", "postgres", "wrk"},
    "bare_proxy": {"bare-proxy", "notes-service", "postgres", "wrk"},
    "reads_direct": {"notes-service", "postgres", "wrk"},
    "reads_minimal": {"minimal", "postgres", "wrk"},
}


def assert_mixed_workload_reported(mixed: dict[str, Any]) -> None:
    """Issue 32: every operation of the mix answered as expected, each timed, every
    process's CPU per request (the load generator's too), the caches' hit rates."""
    assert mixed["people"] > 1
    for key, processes in MIXED_PROCESSES.items():
        run = mixed[key]
        assert run["requests_per_second"] > 0, run
        assert run["errors"] == run["unexpected"] == run["server_errors"] == 0, run
        assert all(run["cpu_us"][p] > 0 for p in processes), (key, run["cpu_us"])
    for key in ("gateway", "bare_proxy"):
        operations = mixed[key]["operations"]
        # Every operation in the gateway run; the bare proxy's (slower) may miss a rare one.
        assert set(operations) <= set(MIXED_OPERATIONS), operations
        assert key != "gateway" or set(operations) == set(MIXED_OPERATIONS), operations
        for name, op in operations.items():
            status = MIXED_OPERATIONS[name]
            assert op["statuses"] == {str(status): op["count"]}, (key, name, op)
            assert 0 < op["p50_ms"] <= op["p99_ms"] <= op["p999_ms"], (key, name, op)
    assert set(mixed["reads_direct"]["operations"]) == {"read"}
    for rate in mixed["cache_hit_rates"].values():
        assert 0 < rate <= 1
    # The warm-up used every person's token before the measured runs, which then meet
    # no token the caches lack (bench/phases/mixed.py).
    warm_up = mixed["warm_up"]
    assert warm_up["people_warmed"] == mixed["people"], warm_up
    assert warm_up["unexpected"] == 0, warm_up
    assert mixed["cache_hit_rates"] == {"gateway": 1.0, "notes-service": 1.0}, mixed
    assert mixed["bare_proxy_cache_hit_rates"] == {"notes-service": 1.0}, mixed
    for figures in mixed["token_cost"].values():
        assert figures["gateway_cpu_us"] > 0
        assert figures["p50_ms"] > 0


def assert_curve_reported(curve: dict[str, Any], svg: str) -> None:
    """Issue 32, item 4: each share of the saturating rate offered open-loop, answered
    200 only, and the SVG drawn."""
    assert curve["saturating_per_second"] > 0
    assert [point["share"] for point in curve["points"]] == [0.25, 0.5, 0.75, 1.0, 1.25]
    for point in curve["points"]:
        # Past saturation requests may time out or stay unsent (counted as failures),
        # or the gateway sheds them ("gateway busy", 503): what the curve shows.
        assert "200" in point["statuses"], point
        assert set(point["statuses"]) <= {"200", "503"}, point
        assert point["failures"] >= 0, point
        assert point["requests_per_second"] > 0, point
        assert 0 < point["p50_ms"] <= point["p99_ms"], point
        assert point["generator_cpu_us"] > 0, point
        assert point["send_lag_p99_ms"] >= 0, point
    assert svg.startswith("<svg")
    assert svg.count("<polyline") == 2  # answered req/s and p99


def test_the_readme_maps_every_module_of_the_bench() -> None:
    """bench/README.md's module map names each module of bench/, and only those."""
    readme = (BENCH / "README.md").read_text()
    assert "\n## Modules\n" in readme
    section = readme.split("\n## Modules\n", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"^- `([\w/]+\.py)`", section, flags=re.MULTILINE))
    modules = {
        str(path.relative_to(BENCH))
        for path in BENCH.rglob("*.py")
        if path.name != "__init__.py" and "results" not in path.relative_to(BENCH).parts
    }
    assert named == modules
