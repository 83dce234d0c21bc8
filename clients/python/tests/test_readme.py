"""The README's contract-test example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_contract_test_example_passes() -> None:
    section = README.read_text().split("## A contract test", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    namespace: dict[str, object] = {}
    exec(compile(code.group(1), str(README), "exec"), namespace)  # noqa: S102
    test = namespace["test_archive_titles"]
    assert callable(test)
    test()
