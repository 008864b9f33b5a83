"""A document's parse, remembered: CreateComponent and CreateWorkflow parse their document once on
a handler thread before the request runs (api/registry.PREPARERS), and the handler, on SQLite on
the event loop, finds the result — or the fault — ready instead of parsing 16 KB again there."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Generic, TypeVar

from ..protocol.errors import invalid_parameter

Parsed = TypeVar("Parsed")


class RememberedParse(Generic[Parsed]):
    def __init__(self, parse: Callable[[str, str], Parsed], fault: type[Exception], size: int = 64) -> None:
        self._parse = parse
        self._fault = fault
        # Keyed by the whole text: a bounded few MB at most (documents are ≤ 64 KiB).
        self._outcome = functools.lru_cache(maxsize=size)(self._attempt)

    def _attempt(self, text: str, variant: str) -> tuple[Parsed | None, str | None]:
        try:
            return self._parse(text, variant), None
        except self._fault as error:
            return None, str(getattr(error, "message", None) or error)

    def warm(self, text: str, variant: str) -> None:
        self._outcome(text, variant)

    def __call__(self, text: str, variant: str) -> Parsed:
        """The parsed document; InvalidParameterValueException at `data` saying what is wrong."""
        parsed, problem = self._outcome(text, variant)
        if problem is not None or parsed is None:
            raise invalid_parameter("data", problem or "The document is not valid.")
        return parsed
