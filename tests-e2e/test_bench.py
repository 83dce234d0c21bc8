"""`make bench` keeps working: the same script on a tiny data set with short runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
    (report_file,) = tmp_path.glob("*.json")
    report = json.loads(report_file.read_text())
    names = {(r["name"], r["target"]) for r in report["results"]}
    for endpoint in ("GET /notes/{id}", "GET /notes/", "POST /notes/"):
        assert {(endpoint, "gateway"), (endpoint, "direct")} <= names
    for result in [*report["results"], report["login"], report["read_during_login_burst"]]:
        assert result["requests_per_second"] > 0, result
        assert result["errors"] == 0, result
        assert 0 < result["p50_ms"] <= result["p99_ms"], result
    assert set(report["rss_mib"]) == {"gateway", "auth-service", "notes-service"}
    assert all(value > 0 for value in report["ratios"].values())
