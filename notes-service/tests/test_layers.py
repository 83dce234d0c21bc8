"""Who may do what: statements run in repository.py alone, on one driver; ETags are the routes'.

Read from the source (as a reviewer would), so a shortcut around the
repository fails here even when it works.
"""

import ast
from pathlib import Path

import notes_service

PACKAGE = Path(notes_service.__file__).parent
MODULES = {path.stem: ast.parse(path.read_text()) for path in sorted(PACKAGE.glob("*.py"))}


def imported(tree: ast.Module) -> set[str]:
    """Modules imported, and `module.name` for each name imported from one."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def called_methods(tree: ast.Module) -> set[str]:
    """`x.connection()` → "connection"."""
    return {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }


def test_no_module_opens_an_orm_session() -> None:
    assert [
        name for name, tree in MODULES.items() if "sqlalchemy.ext.asyncio" in imported(tree)
    ] == []


def test_only_the_repository_holds_a_connection() -> None:
    # Whoever holds one of the pool's connections can run anything on it.
    takers = sorted(
        name for name, tree in MODULES.items() if {"connection", "acquire"} & called_methods(tree)
    )
    assert takers == ["repository"]


def test_asyncpg_is_the_repository_s_and_its_errors() -> None:
    users = sorted(name for name, tree in MODULES.items() if "asyncpg" in imported(tree))
    # errors.py and main.py name asyncpg's exceptions (503 for a database away).
    assert users == ["errors", "main", "repository"]


def test_the_routes_make_the_etag() -> None:
    makers = sorted(
        name for name, tree in MODULES.items() if "notes_service.conditional.etag" in imported(tree)
    )
    assert makers == ["routes"]
