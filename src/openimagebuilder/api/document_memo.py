"""A document's parse, remembered: CreateComponent and CreateWorkflow parse their document once on
a handler thread before the request runs (api/registry.PREPARERS), and the handler, on SQLite on
the event loop, finds the result — or the fault — ready instead of parsing 16 KB again there."""
from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from ..protocol.errors import invalid_parameter
from ..service.s3_inputs import S3Inputs

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

    def preparer(self, variant_member: str) -> Callable[[Mapping[str, Any], S3Inputs], None]:
        """A request's preparation (api/registry.prepares): its document — `data`, or the content
        read for its `uri` — parsed with the request's `variant_member` as the variant."""
        def prepare(params: Mapping[str, Any], inputs: S3Inputs) -> None:
            text = inputs.content(params, "data", "uri")
            if text is not None:
                self.warm(text, params[variant_member])
        return prepare

    def __call__(self, text: str, variant: str) -> Parsed:
        """The parsed document; InvalidParameterValueException at `data` saying what is wrong."""
        parsed, problem = self._outcome(text, variant)
        if problem is not None or parsed is None:
            raise invalid_parameter("data", problem or "The document is not valid.")
        return parsed
