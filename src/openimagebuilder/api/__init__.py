"""Handlers, one module per resource family. Importing this package registers them all."""
import importlib
import pkgutil

_SUPPORT_MODULES = {"build_configuration", "builds", "common", "context", "pagination", "registry", "schedules",
                    "versioned"}

for _module in pkgutil.iter_modules(__path__):
    if _module.name not in _SUPPORT_MODULES:
        importlib.import_module(f"{__name__}.{_module.name}")
