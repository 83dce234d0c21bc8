"""The table printed at the end: every measurement, the ratios within the run, the goals."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from goals import goals, ratio

# Which processes a request to each target goes through (the table shows these).
INVOLVED = {
    "minimal": ("minimal", "postgres"),
    "nginx>minimal": ("nginx", "minimal", "postgres"),
    "direct": ("notes-service", "postgres"),
    "nginx>notes": ("nginx", "notes-service", "postgres"),
    "bare>notes": ("bare-proxy", "notes-service", "postgres"),
    "gateway": ("gateway", "notes-service", "postgres"),
    "login": ("gateway", "auth-service", "postgres"),
}


def search_ratios(report: dict[str, Any]) -> dict[str, float]:
    """p99 of each search/sorted page over the plain list page's (goal: <= 2)."""
    rows = {(r["name"], r["target"]): r for r in report["results"]}
    plain = rows[("GET /notes/", "gateway")]["p99_ms"]
    return {
        f"{r['name']} p99 / list page p99": ratio(r["p99_ms"], plain)
        for r in report["results"]
        if r["name"].startswith("GET /notes/?")
    }


def _row(r: dict[str, Any]) -> str:
    involved = INVOLVED.get(r["target"], tuple(r["cpu_us"]))
    cpu = ", ".join(f"{p} {r['cpu_us'][p]:.0f}" for p in involved if p in r["cpu_us"])
    return (
        f"{r['name']:<40}{r['target']:<14}{r['requests_per_second']:>8.0f}"
        f"{r['p50_ms']:>8.2f}{r['p99_ms']:>8.2f}{r['errors']:>7}  {cpu}"
    )


def summarize(report: dict[str, Any], baseline: dict[str, float] | None = None) -> str:
    rows = {(r["name"], r["target"]): r for r in report["results"]}
    lines = [
        f"{'endpoint':<40}{'target':<14}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'errors':>7}"
        "  CPU µs per request",
    ]
    for r in [
        *report["results"],
        report["list_small_table"],
        report["login"],
        report["read_during_login_burst"],
        *report["workers_2"],
    ]:
        lines.append(_row(r))
    lines.append("")
    report["ratios"] = {}
    for name in ("GET /notes/{id}", "GET /notes/", "POST /notes/", "PUT /notes/{id}"):
        value = ratio(
            rows[(name, "gateway")]["requests_per_second"],
            rows[(name, "direct")]["requests_per_second"],
        )
        report["ratios"][f"gateway/direct {name}"] = value
    one = rows[("GET /notes/{id}", "gateway")]["cpu_us"]
    # What the gateway's own work costs above its HTTP stack's floor (bench/bare_proxy.py).
    report["ratios"]["gateway CPU per proxied request / bare proxy's"] = ratio(
        one["gateway"], rows[("GET /notes/{id}", "bare>notes")]["cpu_us"]["bare-proxy"]
    )
    # Issue 28: a personal access token's check beside a JWT's, same reads.
    report["ratios"]["gateway CPU per request: PAT / JWT, GET /notes/{id}"] = ratio(
        rows[("GET /notes/{id} (PAT)", "gateway")]["cpu_us"]["gateway"], one["gateway"]
    )
    at_rest = rows[("GET /notes/{id}", "gateway")]["p99_ms"]
    report["ratios"]["list page: full table / small table (req/s)"] = ratio(
        rows[("GET /notes/", "gateway")]["requests_per_second"],
        report["list_small_table"]["requests_per_second"],
    )
    report["ratios"]["GET /notes/{id} p99: login burst / at rest"] = ratio(
        report["read_during_login_burst"]["p99_ms"], at_rest
    )
    workers = {r["target"]: r["requests_per_second"] for r in report["workers_2"]}
    for target in ("minimal", "direct", "gateway"):
        report["ratios"][f"GET /notes/{{id}} {target}: 2 workers / 1 (req/s)"] = ratio(
            workers[target], rows[("GET /notes/{id}", target)]["requests_per_second"]
        )
    report["ratios"].update(search_ratios(report))
    targets = {
        **dict.fromkeys(search_ratios(report), "<= 2.0"),
        "list page: full table / small table (req/s)": ">= 0.8",
        "GET /notes/{id} p99: login burst / at rest": "<= 2.0",
    }
    for key, value in report["ratios"].items():
        lines.append(f"{key:<66}{value:>8}   {targets.get(key, '')}")
    lines.append(
        "RSS MiB after the run: " + ", ".join(f"{k} {v}" for k, v in report["rss_mib"].items())
    )
    lines.append(
        "garbage collections since start (young/middle/full): "
        + ", ".join(f"{k} {'/'.join(map(str, v))}" for k, v in report["gc_collections"].items())
    )
    lines.append(f"request id + JSON log line + 2 metrics: {report['request_context_us']} µs CPU")
    checks = report["token_check_us"]
    lines.append(
        f"token check (cached), in process: JWT {checks['jwt']} µs, PAT {checks['pat']} µs CPU"
    )
    lines.append("")
    lines.append("Goals of issue 12 (this run; the machine is shared, compare within one run):")
    report["goals"] = []
    for goal in goals(report, baseline):
        report["goals"].append({**asdict(goal), "holds": goal.holds})
        verdict = "holds" if goal.holds else "FAILS"
        lines.append(
            f"  {goal.name:<66}{goal.value:>8}  {goal.operator} {goal.target:<6} {verdict}"
        )
    return "\n".join(lines)
