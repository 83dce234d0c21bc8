"""Lists the docs repeat from the code, checked against it: the services'
middleware order (docs/architecture.md) and the gateway's modules
(gateway/README.md). Open routes: gateway/tests/test_route_labels.py; settings:
test_readme.py; the module map: test_module_map.py."""

import re
from pathlib import Path
from typing import Any

from starlette.requests import Request

from platform_common.app import create_service_app

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "architecture.md"
GATEWAY_README = ROOT / "gateway" / "README.md"
MIDDLEWARE = re.compile(r"\b([A-Z][A-Za-z]+(?:Middleware|OnSigterm))\b")
MODULE = re.compile(r"`([a-z_]+\.py)`")  # a bare module name, not a path


async def ready(_: Request) -> dict[str, Any]:
    return {}


def documented_service_middleware() -> list[str]:
    """The names in "A request inside a service"'s diagram, outermost first."""
    text = GUIDE.read_text()
    section = text[text.index("## A request inside a service") :]
    diagram = section[section.index("```") + 3 :]
    diagram = diagram[: diagram.index("FastAPI's own layers")]
    return MIDDLEWARE.findall(diagram)


def test_the_guide_gives_a_services_middleware_in_order() -> None:
    app = create_service_app(
        service="docs-check", readiness=ready, trusted_proxies=["127.0.0.1"], database=False
    )
    # add_middleware puts each new one first: user_middleware is outermost first.
    classes: list[type] = [m.cls for m in app.user_middleware]  # type: ignore[misc]
    assert documented_service_middleware() == [each.__name__ for each in classes]


def test_the_gateway_readme_names_every_module_and_only_those() -> None:
    named = {name for name in MODULE.findall(GATEWAY_README.read_text()) if "test_" not in name}
    modules = {path.name for path in (ROOT / "gateway" / "gateway").glob("*.py")}
    # Modules of other packages the README points to (the one health router).
    elsewhere = {"health.py"}
    assert named - elsewhere == modules - {"__init__.py"}
