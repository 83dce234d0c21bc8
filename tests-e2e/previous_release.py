"""The previous release (deploy/previous_release): its tree out of git, and its own runner.

The previous release is started by its own deploy/run_local.py, which knows
the settings that release reads (this tree's runner wires this tree's
names). Its processes run with its own packages first on PYTHONPATH (the
working directory of each is its service's folder, and its `common/` comes
before this venv's editable install of ours), with this venv's dependencies.
"""

from __future__ import annotations

import importlib.util
import io
import re
import subprocess  # nosec B404: git, with fixed arguments
import sys
import tarfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REVISION_FILE = ROOT / "deploy" / "previous_release"
_PIN = re.compile(r"^([A-Za-z0-9_.\-\[\],]+)==(\S+)")


def revision() -> str:
    """The commit named in deploy/previous_release (its one line that is not a comment)."""
    lines = [
        line.strip()
        for line in REVISION_FILE.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if len(lines) != 1 or not re.fullmatch(r"[0-9a-f]{40}", lines[0]):
        raise ValueError(f"{REVISION_FILE} must name one full commit id, not {lines}")
    return lines[0]


def _git(root: Path, *arguments: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(  # nosec B603 B607: git, arguments of ours
        ["git", "-C", str(root), *arguments], capture_output=True, check=False
    )


def _has_commit(root: Path, rev: str) -> bool:
    return _git(root, "cat-file", "-e", f"{rev}^{{commit}}").returncode == 0


def ensure_commit(rev: str, root: Path = ROOT) -> None:
    """The commit is in the clone at `root`; a shallow clone fetches its history first."""
    if _has_commit(root, rev):
        return
    shallow = _git(root, "rev-parse", "--is-shallow-repository").stdout.strip() == b"true"
    if shallow:
        fetched = _git(root, "fetch", "--quiet", "--unshallow")
        if fetched.returncode == 0 and _has_commit(root, rev):
            return
    raise RuntimeError(
        f"the previous release {rev} (deploy/previous_release) is not in the clone at {root}"
        + (" even after `git fetch --unshallow`" if shallow else "")
        + ": the upgrade tests need that commit (clone with its history)"
    )


def extract(rev: str, into: Path) -> Path:
    """The release's files (`git archive`) in `into`/<rev>."""
    ensure_commit(rev)
    archive = _git(ROOT, "archive", "--format=tar", rev)
    if archive.returncode != 0:
        raise RuntimeError(f"git archive {rev} failed: {archive.stderr.decode()}")
    tree = into / rev
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(tree, filter="data")
    return tree


def load_module(path: Path, name: str) -> ModuleType:
    """The release's module at `path` as `name`, with its own sibling modules.

    The siblings it imports by plain name (run_local.py's services.py...)
    would otherwise be ours (this suite has our deploy/ and tests-e2e/ on
    sys.path): ours are set aside while it loads.
    """
    folder = path.parent
    siblings = {sibling.stem for sibling in folder.glob("*.py")}
    ours = {sibling: sys.modules.pop(sibling) for sibling in siblings if sibling in sys.modules}
    sys.path.insert(0, str(folder))
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        # Its dataclasses look their module up while the class is made.
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(folder))
        for sibling in siblings:
            sys.modules.pop(sibling, None)
        sys.modules.update(ours)


def dependency_differences(tree: Path) -> list[str]:
    """The release's pins that this venv does not satisfy (its code runs on our venv)."""
    differences = []
    for line in (tree / "constraints.txt").read_text().splitlines():
        match = _PIN.match(line.strip())
        if match is None:
            continue
        name, pinned = match.group(1).split("[")[0], match.group(2)
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue  # not used by the services here either
        if installed != pinned:
            differences.append(f"{name}: the release pins {pinned}, this venv has {installed}")
    return differences


@dataclass
class PreviousRelease:
    revision: str
    tree: Path
    runner: ModuleType  # its deploy/run_local.py
    api_client: ModuleType  # its tests-e2e/api_client.py: its API's contract, as it tested it

    @property
    def services(self) -> list[str]:
        """Its services' names (its runner's list)."""
        return [service.name for service in self.runner.SERVICES]

    def api(self, base_url: str) -> Any:
        """Its e2e suite's ApiClient (register, login, refresh, ...) on `base_url`."""
        return self.api_client.ApiClient(base_url)

    def python_path(self) -> str:
        folders = [self.tree / "common", *(self.tree / name for name in self.services)]
        return ":".join(str(folder) for folder in folders)

    def system(
        self,
        database_url: str,
        ports: dict[str, int],
        extra_env: dict[str, str],
        quiet: bool = True,
    ) -> Any:
        """Its LocalSystem on the processes of `ports` that it has (names as ours)."""
        own = {name: port for name, port in ports.items() if self._knows(name)}
        return self.runner.LocalSystem(
            database_url=database_url,
            ports=own,
            extra_env={**extra_env, "PYTHONPATH": self.python_path()},
            quiet=quiet,
        )

    def _knows(self, name: str) -> bool:
        try:
            self.runner.service_of(name)
        except KeyError:
            return False
        return True


def previous_release(into: Path) -> PreviousRelease:
    """The release of deploy/previous_release, extracted in `into`."""
    rev = revision()
    tree = extract(rev, into)
    return PreviousRelease(
        rev,
        tree,
        load_module(tree / "deploy" / "run_local.py", "previous_run_local"),
        load_module(tree / "tests-e2e" / "api_client.py", "previous_api_client"),
    )
