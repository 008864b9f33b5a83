"""Imports point downwards: the background work (engine, scheduler), the service layer, the
component runner, the domain and the store never import the API handlers or the server."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "openimagebuilder"
LOWER_LAYERS = ("engine", "scheduler", "service", "toe", "domain", "store")
UPPER_LAYERS = ("api", "server")


def _imported_packages(path: Path) -> set[str]:
    """The top-level subpackages of openimagebuilder a module imports."""
    return _imports_in(path.read_text(), depth=len(path.relative_to(PACKAGE).parts) - 1)


def _imports_in(source: str, depth: int) -> set[str]:
    """`depth`: how deep the module sits below the package (a module in engine/ is at 1)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                if node.level > depth:  # relative import reaching the package root: ..api, ..server
                    target = (node.module or "").split(".")[0]
                    found.update([target] if target else [alias.name for alias in node.names])
                elif depth == 0:
                    found.add((node.module or "").split(".")[0])
            elif (node.module or "").startswith("openimagebuilder."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[1] for alias in node.names
                         if alias.name.startswith("openimagebuilder."))
    return found


@pytest.mark.parametrize("layer", LOWER_LAYERS)
def test_lower_layers_do_not_import_handlers_or_the_server(layer):
    offenders = {str(path.relative_to(PACKAGE)): sorted(_imported_packages(path) & set(UPPER_LAYERS))
                 for path in (PACKAGE / layer).rglob("*.py")}
    assert {path: packages for path, packages in offenders.items() if packages} == {}


def test_the_check_sees_an_upward_import():
    assert "api" in _imports_in("from ..api.common import resolve\n", depth=1)
    assert "server" in _imports_in("from .. import server\n", depth=1)
    assert "server" in _imports_in("from openimagebuilder.server import app\n", depth=1)
    assert "api" not in _imports_in("from .api import x\n", depth=1)
