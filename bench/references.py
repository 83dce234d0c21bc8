"""The references measured beside the platform, on the same database and machine: the
minimal handler (bench/minimal_app.py), nginx in front of it and of notes-service, and
the bare proxy (bench/bare_proxy.py) in front of notes-service."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from run_local import UVICORN_FLAGS, free_port

from settings import ROOT


@dataclass
class References:
    """The minimal handler (uvicorn, like the services), and nginx in front of it and of
    notes-service."""

    database_url: str
    notes_port: int
    folder: Path
    minimal_port: int = field(default_factory=free_port)
    nginx_minimal_port: int = field(default_factory=free_port)
    nginx_notes_port: int = field(default_factory=free_port)
    bare_proxy_port: int = field(default_factory=free_port)
    minimal: subprocess.Popen[bytes] | None = None
    bare_proxy: subprocess.Popen[bytes] | None = None
    nginx: subprocess.Popen[bytes] | None = None

    def start_minimal(self, workers: int = 1) -> None:
        self.minimal = self._uvicorn(
            "minimal_app:app", self.minimal_port, {"BENCH_DATABASE_URL": self.database_url}, workers
        )
        wait_answering(f"http://127.0.0.1:{self.minimal_port}/notes/1", self.minimal)

    def start_bare_proxy(self) -> None:
        self.bare_proxy = self._uvicorn(
            "bare_proxy:app",
            self.bare_proxy_port,
            {"BENCH_UPSTREAM": f"http://127.0.0.1:{self.notes_port}"},
        )
        wait_answering(f"http://127.0.0.1:{self.bare_proxy_port}/health/live", self.bare_proxy)

    @staticmethod
    def _uvicorn(
        factory: str, port: int, env: dict[str, str], workers: int = 1
    ) -> subprocess.Popen[bytes]:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            factory,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            *UVICORN_FLAGS,
        ]
        return subprocess.Popen(
            command,
            cwd=ROOT / "bench",
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop_minimal(self) -> None:
        if self.minimal is not None:
            self.minimal.terminate()
            self.minimal.wait(15)
            self.minimal = None

    def start_nginx(self) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        config = self.folder / "nginx.conf"
        config.write_text(nginx_config(self))
        self.nginx = subprocess.Popen(
            [
                nginx,
                "-p",
                str(self.folder),
                "-e",
                str(self.folder / "error.log"),
                "-c",
                str(config),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_answering(f"http://127.0.0.1:{self.nginx_minimal_port}/notes/1", self.nginx)

    def stop(self) -> None:
        self.stop_minimal()
        if self.bare_proxy is not None:
            self.bare_proxy.terminate()
            self.bare_proxy.wait(15)
            self.bare_proxy = None
        if self.nginx is not None:
            self.nginx.terminate()
            self.nginx.wait(15)
            self.nginx = None


def nginx_config(refs: References) -> str:
    proxy = (
        'proxy_http_version 1.1; proxy_set_header Connection ""; '
        "proxy_set_header Host $host; proxy_set_header X-Forwarded-For $remote_addr;"
    )
    temp = "".join(
        f"{kind}_temp_path {refs.folder / kind}; "
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""
daemon off;
worker_processes 1;
pid {refs.folder / "nginx.pid"};
events {{ worker_connections 1024; }}
http {{
    access_log off;
    {temp}
    upstream minimal {{ server 127.0.0.1:{refs.minimal_port}; keepalive 64; }}
    upstream notes {{ server 127.0.0.1:{refs.notes_port}; keepalive 64; }}
    server {{
        listen 127.0.0.1:{refs.nginx_minimal_port};
        location / {{ proxy_pass http://minimal; {proxy} }}
    }}
    server {{
        listen 127.0.0.1:{refs.nginx_notes_port};
        location / {{ proxy_pass http://notes; {proxy} }}
    }}
}}
"""


def wait_answering(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with status {process.returncode}")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answered {url} within {timeout:.0f}s")
