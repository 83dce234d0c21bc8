"""The load generator: wrk, its Lua scripts, and the figures read from its output."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

from settings import Profile


def _duration_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip()).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(output: str) -> tuple[float, float, float, int, int]:
    """req/s, p50 ms, p99 ms, non-2xx/socket errors and requests from `wrk --latency`."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _duration_ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _duration_ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output):
        errors += int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(g) for g in match.groups())
    return rps, p50, p99, errors, requests


def lua_script(
    folder: Path,
    name: str,
    *,
    method: str,
    headers: dict[str, str],
    body: str = "",
    paths: list[str] | None = None,
) -> Path:
    lines = [f'wrk.method = "{method}"']
    for key, value in headers.items():
        lines.append(f'wrk.headers["{key}"] = "{value}"')
    if body:
        lines.append(f"wrk.body = {json.dumps(body)}")
    if paths:
        lines.append("local paths = {" + ", ".join(json.dumps(p) for p in paths) + "}")
        lines.append("local i = 0")
        lines.append(
            "request = function() i = i % #paths + 1; return wrk.format(nil, paths[i]) end"
        )
    script = folder / f"{name}.lua"
    script.write_text("\n".join(lines) + "\n")
    return script


def wrk_command(
    url: str, script: Path, connections: int, seconds: int, script_args: tuple[str, ...] = ()
) -> list[str]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    command += ["-s", str(script), url]
    return command + (["--", *script_args] if script_args else [])


def run_wrk(url: str, script: Path, profile: Profile, seconds: int | None = None) -> str:
    command = wrk_command(url, script, profile.connections, seconds or profile.seconds)
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def run_wrk_timed(command: list[str]) -> tuple[str, float]:
    """wrk's output and the CPU seconds wrk itself used (the load generator's own cost)."""
    with tempfile.TemporaryFile() as output:
        # Waited for with wait4, which gives this child's own resource usage.
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read().decode()
    if process.returncode != 0:
        raise subprocess.CalledProcessError(process.returncode, command, text)
    return text, usage.ru_utime + usage.ru_stime


def start_wrk(url: str, script: Path, profile: Profile, seconds: int) -> subprocess.Popen[bytes]:
    """wrk in the background, its figures not read: load beside what is measured."""
    return subprocess.Popen(
        ["wrk", "-t1", f"-c{profile.connections}", f"-d{seconds}s", "-s", str(script), url],
        stdout=subprocess.DEVNULL,
    )


def start_wrk_measured(
    url: str, script: Path, profile: Profile, seconds: int
) -> subprocess.Popen[str]:
    """wrk in the background with its latency figures: `.communicate()[0]` for parse_wrk."""
    command = wrk_command(url, script, profile.connections, seconds)
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
