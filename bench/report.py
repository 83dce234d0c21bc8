"""The table printed at the end: every measurement, the ratios within the run, the goals."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from goals import Goal, goals, mixed_goals, ratio, webhook_goals
from phases.mixed import OPERATIONS

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
    lines += goal_lines(report, goals(report, baseline))
    lines += mixed_lines(report["mixed"])
    lines += curve_lines(report["curve"])
    lines.append("Goals of issue 32 (the mixed workload, this run):")
    lines += goal_lines(report, mixed_goals(report["mixed"]))
    lines += webhook_lines(report, report["webhooks"])
    return "\n".join(lines)


def webhook_lines(report: dict[str, Any], hooks: dict[str, Any]) -> list[str]:
    """Issue 30's row and its goals."""
    line = (
        f"Webhooks (issue 30): {hooks['changes']} notes created at 200/s through the gateway"
        f" ({hooks.get('acknowledged_per_second', '?')}/s acknowledged,"
        f" {hooks.get('unacknowledged', 0)} not),"
        f" {hooks['delivered']} delivered ({hooks['deliveries_per_second']}/s),"
        f" p50 {hooks['p50_ms']} ms, p99 {hooks['p99_ms']} ms from the 201 to the receiver's 2xx"
    )
    cpu = ", ".join(f"{name} {us:.0f}" for name, us in hooks.get("cpu_us", {}).items())
    line += f"\n  CPU µs per change (created and delivered): {cpu}"
    return [line, *goal_lines(report, webhook_goals(hooks))]


def goal_lines(report: dict[str, Any], found: list[Goal]) -> list[str]:
    """Each goal held or not, printed and added to the report's "goals"."""
    lines = []
    for goal in found:
        report["goals"].append({**asdict(goal), "holds": goal.holds})
        verdict = "holds" if goal.holds else "FAILS"
        lines.append(
            f"  {goal.name:<66}{goal.value:>8}  {goal.operator} {goal.target:<6} {verdict}"
        )
    return lines


def mixed_lines(mixed: dict[str, Any]) -> list[str]:
    """The mixed workload's runs, the gateway run's operations, hit rates, token cost."""
    lines = [
        "",
        f"Mixed workload (issue 32): {mixed['people']} people with their own tokens, Zipf"
        f" {mixed['zipf_exponent']}, {mixed['notes']} of their notes, {mixed['seconds']} s per run",
        f"{'run':<22}{'target':<14}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'errors':>7}"
        f"{'unexp.':>7}  CPU µs per request (wrk: the load generator's own)",
    ]
    for key in ("gateway", "bare_proxy", "reads_direct", "reads_minimal"):
        run = mixed[key]
        involved = (*INVOLVED[run["target"]], "wrk")
        cpu = ", ".join(f"{p} {run['cpu_us'][p]:.0f}" for p in involved)
        lines.append(
            f"{run['mode']:<22}{run['target']:<14}{run['requests_per_second']:>8.0f}"
            f"{run['p50_ms']:>8.2f}{run['p99_ms']:>8.2f}{run['errors']:>7}{run['unexpected']:>7}"
            f"  {cpu}"
        )
    lines.append("")
    lines.append(
        f"{'operation (gateway run)':<40}{'count':>8}{'share':>7}{'p50 ms':>8}{'p99 ms':>8}"
        f"{'p99.9 ms':>9}{'unexp.':>7}  statuses"
    )
    operations = mixed["gateway"]["operations"]
    total = sum(op["count"] for op in operations.values()) or 1
    for name, title in OPERATIONS.items():
        op = operations.get(name, {"count": 0, "unexpected": 0, "statuses": {}})
        op = {"p50_ms": 0.0, "p99_ms": 0.0, "p999_ms": 0.0, **op}
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(op["statuses"].items()))
        lines.append(
            f"{title:<40}{op['count']:>8}{op['count'] / total:>7.1%}{op['p50_ms']:>8.2f}"
            f"{op['p99_ms']:>8.2f}{op['p999_ms']:>9.2f}{op['unexpected']:>7}  {statuses}"
        )
    warm_up = mixed["warm_up"]
    lines.append(
        f"warm-up (unmeasured, through the gateway): {warm_up['runs']} run(s),"
        f" {warm_up['requests']} requests,"
        f" {warm_up['people_warmed']} of {mixed['people']} people's tokens used once,"
        f" {warm_up['unexpected']} unexpected"
    )
    for run, rates in (
        ("warm-up", warm_up["cache_hit_rates"]),
        ("gateway run", mixed["cache_hit_rates"]),
        ("bare proxy run", mixed["bare_proxy_cache_hit_rates"]),
    ):
        shown = ", ".join(f"{k} {v:.1%}" if v is not None else f"{k} -" for k, v in rates.items())
        lines.append(f"verified-token cache hit rate during the {run}: {shown}")
    tokens = mixed["token_cost"]
    lines.append(
        "GET /notes/{id} one at a time, gateway CPU µs per request / p50 ms: never-seen token "
        f"{tokens['fresh']['gateway_cpu_us']} / {tokens['fresh']['p50_ms']}, cached "
        f"{tokens['cached']['gateway_cpu_us']} / {tokens['cached']['p50_ms']}"
    )
    lines.append("")
    return lines


def curve_lines(curve: dict[str, Any]) -> list[str]:
    """The open-loop curve: each offered rate's answered req/s and latency."""
    lines = [
        "Open loop (issue 32, item 4): GET /notes/{id} through the gateway, Zipf people;"
        f" closed-loop saturation {curve['saturating_per_second']:.0f} req/s",
        f"{'share':>6}{'offered':>9}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'503':>6}{'failed':>7}"
        "  generator: CPU µs per request, p99 ms late",
    ]
    for point in curve["points"]:
        lines.append(
            f"{point['share']:>6.0%}{point['offered_per_second']:>9.0f}"
            f"{point['requests_per_second']:>8.0f}{point['p50_ms']:>9.2f}{point['p99_ms']:>9.2f}"
            f"{point['statuses'].get('503', 0):>6}{point['failures']:>7}"
            f"  {point['generator_cpu_us']}, {point['send_lag_p99_ms']}"
        )
    lines.append("")
    return lines
