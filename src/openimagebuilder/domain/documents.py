"""The YAML or JSON documents users send (component and workflow documents), loaded safely.

Whatever the text, loading ends in a value or a DocumentSyntaxError: never in an exception the
caller did not ask for (a document nested deeper than the parsers recurse, an integer longer than
Python converts), and never in a value whose aliases expand beyond what a document of the allowed
size can mean (a "billion laughs" document is a few hundred bytes that a later walk, a build or
a JSON dump would multiply into millions of values).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import yaml

# A 16,000-character document (the model's limit for `data`) holds a few thousand values; its
# aliases may repeat parts of it, but not beyond this.
MAX_EXPANDED_VALUES = 100_000
# Flow collections ([...] and {...}) nested deeper than this are refused before parsing: PyYAML
# takes seconds to give up on a few thousand levels (its recursion limit), and no real document
# nests a tenth as deep. Brackets inside strings count too, which errs only on absurd strings.
MAX_FLOW_DEPTH = 200


class _Loader(yaml.SafeLoader):
    """The safe loader, with timestamps (`!!timestamp`, or an unquoted 2001-12-14) and `!!binary`
    kept as the text they were written as: AWSTOE reads them as strings, and a date or bytes value
    would reach JSON encoders (build plans, step inputs, reports) that cannot write it."""


def _as_written(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _as_written)
_Loader.add_constructor("tag:yaml.org,2002:binary", _as_written)

# The same on libyaml's parser, when PyYAML has it: a 16,000-character document loads in 10 ms
# instead of 60. A document it refuses is read again by the Python parser, whose words and
# positions are the ones users see.
_FastLoader: type[Any] | None = None
if getattr(yaml, "__with_libyaml__", False):
    class _CLoader(yaml.CSafeLoader):
        pass

    _CLoader.add_constructor("tag:yaml.org,2002:timestamp", _as_written)
    _CLoader.add_constructor("tag:yaml.org,2002:binary", _as_written)
    _FastLoader = _CLoader


@dataclass
class DocumentSyntaxError(ValueError):
    problem: str            # what is wrong, e.g. "expected ',' or ']', but got '<stream end>'"
    line: int | None = None  # 1-based, where the YAML parser could tell
    column: int | None = None

    def __str__(self) -> str:
        return self.problem


def load_document(text: str) -> object:
    """JSON if the text is JSON (PyYAML implements YAML 1.1, which refuses some valid JSON: tab
    indentation, "\\/"), else YAML with the safe loader."""
    _check_flow_depth(text)
    try:
        loaded = json.loads(text)
    except (ValueError, RecursionError):
        loaded = _load_yaml(text)
    _check_expanded_size(loaded)
    return loaded


def _load_yaml(text: str) -> object:
    if _FastLoader is not None:
        try:
            return yaml.load(text, Loader=_FastLoader)  # noqa: S506 - the safe loader on libyaml
        except (yaml.YAMLError, RecursionError, ValueError):
            pass  # read again below, for the error as the Python parser tells it
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is the safe loader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise DocumentSyntaxError(getattr(error, "problem", None) or "malformed document",
                                  mark.line + 1 if mark is not None else None,
                                  mark.column + 1 if mark is not None else None) from None
    except RecursionError:
        raise DocumentSyntaxError("it is nested too deeply") from None
    except ValueError:  # an integer longer than Python converts (4,300 digits), a date out of range
        raise DocumentSyntaxError("it has a number or date out of range") from None


def _check_flow_depth(text: str) -> None:
    depth = 0
    for match in _BRACKETS.finditer(text):
        depth += 1 if match.group() in "[{" else -1
        if depth > MAX_FLOW_DEPTH:
            raise DocumentSyntaxError("it is nested too deeply")


_BRACKETS = re.compile(r"[\[\]{}]")


def _check_expanded_size(value: object) -> None:
    """Counts the values the document holds once every alias is expanded, stopping at the limit."""
    pending, seen = [value], 0
    while pending:
        item = pending.pop()
        seen += 1
        if seen > MAX_EXPANDED_VALUES:
            raise DocumentSyntaxError(f"it holds more than {MAX_EXPANDED_VALUES:,} values once its aliases are "
                                      "expanded (or an alias contains itself)")
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
