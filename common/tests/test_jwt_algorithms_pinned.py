"""Every JWT/JWS verification in the code base names the algorithms it accepts.

python-jose checks an HS256 signature made with the RSA *public* key (which
anyone can fetch from the JWKS) as valid when `jwt.decode` is not told which
algorithms to accept (algorithm confusion, CVE-2024-33663; RFC 8725 §3.1).
So each `jwt.decode(...)` / `jws.verify(...)` call must pass `algorithms=` as a
non-empty constant collection of names, written in place or bound once to a
module-level name. The scan covers every Python file of the repository.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SKIPPED_PARTS = {".venv", ".data", "node_modules", "__pycache__", "build", "dist"}
VERIFYING_CALLS = {("jwt", "decode"), ("jws", "verify")}
COLLECTION_CALLS = {"list", "tuple", "frozenset", "set", "sorted"}


def python_files() -> list[Path]:
    return sorted(
        path
        for path in REPO_ROOT.rglob("*.py")
        if not SKIPPED_PARTS.intersection(path.relative_to(REPO_ROOT).parts)
        and not any(part.startswith(".") for part in path.relative_to(REPO_ROOT).parts)
    )


def _module_constants(tree: ast.Module) -> dict[str, ast.expr]:
    """Names bound exactly once at module level, to their value."""
    bound: dict[str, list[ast.expr]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    bound.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            bound.setdefault(node.target.id, []).append(node.value)
    return {name: values[0] for name, values in bound.items() if len(values) == 1}


def pins_algorithms(value: ast.expr, constants: dict[str, ast.expr], depth: int = 0) -> bool:
    """A non-empty collection of string constants, possibly behind a name or `list(...)`."""
    if depth > 4:
        return False
    if isinstance(value, ast.List | ast.Tuple | ast.Set):
        return bool(value.elts) and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) and e.value for e in value.elts
        )
    if isinstance(value, ast.Name) and value.id in constants:
        return pins_algorithms(constants[value.id], constants, depth + 1)
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id in COLLECTION_CALLS
        and len(value.args) == 1
        and not value.keywords
    ):
        return pins_algorithms(value.args[0], constants, depth + 1)
    return False


def verifying_calls(tree: ast.Module) -> list[ast.Call]:
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            owner_name = (
                owner.id
                if isinstance(owner, ast.Name)
                else owner.attr
                if isinstance(owner, ast.Attribute)
                else None
            )
            if (owner_name, node.func.attr) in VERIFYING_CALLS:
                calls.append(node)
    return calls


def problems(source: str, filename: str = "<source>") -> list[str]:
    tree = ast.parse(source, filename)
    constants = _module_constants(tree)
    found = []
    for node in ast.walk(tree):
        # `from jose.jwt import decode` would hide the call from the scan below.
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith(("jwt", "jws")):
            hidden = {alias.name for alias in node.names} & {"decode", "verify"}
            if hidden:
                found.append(f"{filename}:{node.lineno}: import {sorted(hidden)} by module")
    for call in verifying_calls(tree):
        keyword = next((k for k in call.keywords if k.arg == "algorithms"), None)
        if keyword is None or not pins_algorithms(keyword.value, constants):
            found.append(f"{filename}:{call.lineno}: algorithms not pinned")
    return found


def test_every_verification_in_the_repository_pins_algorithms() -> None:
    files = python_files()
    assert any(p.name == "tokens.py" for p in files), "the scan missed the verifier"
    found = [
        problem
        for path in files
        for problem in problems(path.read_text(), str(path.relative_to(REPO_ROOT)))
    ]
    assert not found, "\n".join(found)


def test_the_verifier_is_among_the_calls_found() -> None:
    source = (REPO_ROOT / "common/platform_common/tokens.py").read_text()
    assert verifying_calls(ast.parse(source)), "the scan no longer sees jwt.decode"


@pytest.mark.parametrize(
    "source",
    [
        "jwt.decode(token, key)",
        "jwt.decode(token, key, algorithms=None)",
        "jwt.decode(token, key, algorithms=[])",
        "jwt.decode(token, key, algorithms=header['alg'])",
        "jwt.decode(token, key, algorithms=[header['alg']])",
        "jwt.decode(token, key, algorithms=ALGS)",  # unbound
        "ALGS = ['RS256']\nALGS = pick()\njwt.decode(token, key, algorithms=ALGS)",
        "jose.jwt.decode(token, key, options={})",
        "jws.verify(token, key, None)",
        "from jose.jwt import decode",
    ],
)
def test_unpinned_calls_are_caught(source: str) -> None:
    assert problems(source)


@pytest.mark.parametrize(
    "source",
    [
        "jwt.decode(token, key, algorithms=['RS256'])",
        "jwt.decode(token, key, algorithms=('RS256', 'ES256'))",
        "ALGS = ('RS256',)\njwt.decode(token, key, algorithms=list(ALGS))",
        "ALGS: frozenset[str] = frozenset({'RS256'})\njws.verify(t, k, algorithms=ALGS)",
        "jwt.encode(claims, key, algorithm='RS256')",
    ],
)
def test_pinned_calls_pass(source: str) -> None:
    assert problems(source) == []
