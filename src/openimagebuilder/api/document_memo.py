"""A document's parse, remembered: CreateComponent and CreateWorkflow parse their document once
before the request runs (api/registry.PREPARERS), off the event loop — large documents in the
parser process (parser_process.py) — and the handler, on SQLite on the event loop, finds the
result, or the fault, ready instead of parsing 16 KB again there."""
from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar, cast

from ..parser_process import PARSER, faults_as_values
from ..protocol.errors import invalid_parameter
from ..service.s3_inputs import S3Inputs

Parsed = TypeVar("Parsed")
Outcome = tuple[Any, str | None]   # the parsed document, or None and what is wrong with it

# Below this many characters a document parses in ~2 ms: handing it to the parser process would
# cost more than it saves.
PARSER_PROCESS_CHARACTERS = 2048


class RememberedParse(Generic[Parsed]):
    def __init__(self, parse: Callable[..., Parsed], variant_keyword: str, fault: type[Exception],
                 size: int = 64) -> None:
        """`parse(text, **{variant_keyword: variant})`, raising `fault` for a document it refuses:
        a module-level function of a light module (the parser process imports it by name)."""
        self._parse = parse
        self._variant_keyword = variant_keyword
        self._fault = fault
        self._size = size
        # Keyed by the whole text: a bounded few MB at most (documents are ≤ 64 KiB).
        self._outcomes: OrderedDict[tuple[str, str], Outcome] = OrderedDict()
        self._lock = threading.Lock()

    def warm(self, text: str, variant: str) -> None:
        """Parses the document unless its outcome is known: off the event loop, so a large one in
        the parser process."""
        self._outcome(text, variant, len(text) >= PARSER_PROCESS_CHARACTERS)

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
        parsed, problem = self._outcome(text, variant, in_parser_process=False)
        if problem is not None or parsed is None:
            raise invalid_parameter("data", problem or "The document is not valid.")
        return cast(Parsed, parsed)

    def _outcome(self, text: str, variant: str, in_parser_process: bool) -> Outcome:
        """The remembered outcome of parsing `text` as `variant`, parsed now if it is not known."""
        with self._lock:
            outcome = self._outcomes.get((text, variant))
            if outcome is not None:
                self._outcomes.move_to_end((text, variant))
                return outcome
        parse = functools.partial(faults_as_values, functools.partial(self._parse, **{self._variant_keyword: variant}),
                                  self._fault, text)
        outcome = PARSER.run(parse) if in_parser_process else parse()
        with self._lock:
            self._outcomes[(text, variant)] = outcome
            self._outcomes.move_to_end((text, variant))
            while len(self._outcomes) > self._size:
                self._outcomes.popitem(last=False)
        return outcome
