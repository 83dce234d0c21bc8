"""platform_common declares every package it imports (its runtime code, not `testing`)."""

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import platform_common

PACKAGE = Path(platform_common.__file__).parent
PYPROJECT = PACKAGE.parent / "pyproject.toml"


def imported_top_level_modules() -> set[str]:
    modules: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        if "testing" in path.relative_to(PACKAGE).parts:
            continue  # the optional `testing` extra declares its own
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - {"platform_common"}


def declared_distributions() -> set[str]:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    names = set()
    for requirement in project["dependencies"]:
        name = requirement.split(";")[0].split("[")[0]
        for separator in "<>=!~ ":
            name = name.split(separator)[0]
        names.add(name.strip().lower().replace("_", "-"))
    return names


def test_every_import_is_declared() -> None:
    distributions = packages_distributions()
    declared = declared_distributions()
    undeclared = {
        module
        for module in imported_top_level_modules()
        if not {d.lower().replace("_", "-") for d in distributions.get(module, [module])} & declared
    }
    # embedded_postgres is the development database, used with the `testing` extra.
    assert undeclared - {"pgserver"} == set()
