"""docs/architecture.md's module map names only files and folders that exist
(a module moved or renamed without the map following fails here)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "architecture.md"
# The map's shortenings (its own first paragraph says so).
PREFIXES = {
    "gateway/": "gateway/gateway/",
    "auth-service/": "auth-service/auth_service/",
    "notes-service/": "notes-service/notes_service/",
    "webhooks-service/": "webhooks-service/webhooks_service/",
    "platform_common/": "common/platform_common/",
    "deploy/": "deploy/",
    "clients/": "clients/",
}
PATH = re.compile(r"`([a-z_\-]+/[A-Za-z0-9_./\-]*)`")


def module_map_rows() -> list[str]:
    text = GUIDE.read_text()
    section = text[text.index("## Module map") :]
    return [line for line in section.splitlines() if line.startswith("| ")][2:]


def resolve(path: str, service: str | None) -> Path:
    """A map path on disk; a bare `x/y.py` after a service's is that service's."""
    for short, long in PREFIXES.items():
        if path.startswith(short):
            return ROOT / (long + path.removeprefix(short))
    assert service is not None, f"{path}: no service to read it in"
    return ROOT / PREFIXES[service] / path


def test_every_path_the_module_map_names_exists() -> None:
    rows = module_map_rows()
    assert len(rows) > 40
    missing = []
    for row in rows:
        module_cell = row.rsplit(" | ", 1)[-1]
        service = None
        for path in PATH.findall(module_cell):
            first = path.split("/", 1)[0] + "/"
            if first in PREFIXES:
                service = first
            if not resolve(path, service).exists():
                missing.append(path)
    assert missing == []


# The packages whose every module the map names (a folder row, `x/`, names all of its own).
MAPPED_PACKAGES = [
    "gateway/gateway",
    "auth-service/auth_service",
    "notes-service/notes_service",
    "common/platform_common",
]


# Any module or folder a row names: `gateway/x.py`, or a bare `x.py` / `sub/x.py`
# read in the service of the path before it in the row.
NAMED = re.compile(r"`([A-Za-z0-9_./\-]+(?:\.py|/))`")


def mapped_paths() -> set[Path]:
    named = set()
    for row in module_map_rows():
        service = None
        for path in NAMED.findall(row.rsplit(" | ", 1)[-1]):
            first = path.split("/", 1)[0] + "/"
            if first in PREFIXES:
                service = first
            if service is not None:
                named.add(resolve(path, service))
    return named


def test_the_module_map_names_every_module() -> None:
    """A module added without a row in the map fails here."""
    named = mapped_paths()
    assert sorted(str(path) for path in named if not path.exists()) == []
    folders = [path for path in named if path.is_dir()]
    unmapped = [
        str(module.relative_to(ROOT))
        for package in MAPPED_PACKAGES
        for module in sorted((ROOT / package).rglob("*.py"))
        if module.name != "__init__.py"
        and module not in named
        and not any(folder in module.parents for folder in folders)
    ]
    assert unmapped == []
