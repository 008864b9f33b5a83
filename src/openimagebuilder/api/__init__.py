"""Handlers, one module per resource family. Importing this package registers them all."""
from . import infrastructure  # noqa: F401
