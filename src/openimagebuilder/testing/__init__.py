"""Running `oib` from a test suite: a service started for the tests (in this process or as an
`oib serve` process), boto3 clients bound to it, and helpers for the manual clock, waiting for
images and injecting failures. The pytest plugin (openimagebuilder.testing.plugin, registered as a
pytest11 entry point) turns these into fixtures; docs/pytest-plugin.md shows them in use.

The names below are loaded on first use: pytest imports this package in every run where it is
installed, and a run that uses no `oib` fixture should not pay for the service."""
from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {"FAILING_COMMAND": "handle", "ImageTimeout": "handle", "Oib": "handle", "build_tags": "handle",
            "OibService": "service", "ServiceOptions": "service", "ServiceFailed": "service"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
