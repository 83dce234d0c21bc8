"""The README documents every setting the services read."""

from pathlib import Path

import pytest

from tests.deployment import ServiceSpec, services, settings_env_names

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize("spec", services(), ids=lambda s: s.name)
def test_every_setting_is_documented(spec: ServiceSpec) -> None:
    text = README.read_text()
    missing = sorted(n for n in settings_env_names(spec.package) if f"`{n}`" not in text)
    assert missing == []
