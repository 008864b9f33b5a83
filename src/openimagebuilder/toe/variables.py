"""Variable substitution in step inputs, as AWSTOE does it: `{{ Name }}` (parameters and constants),
`{{ loop.value }}` / `{{ loop.index }}` and `{{ <loopName>.value }}` of the running step's loop, and
chaining `{{ phase.step.inputs[i].key }}` / `{{ phase.step.outputs.key }}`.

Spaces inside the braces are trimmed. A reference that names nothing known is left in place,
braces and all: AWS documents that for loop references outside a loop, and we do the same for any
other unknown name so that a typo shows up verbatim in the step's input and output."""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_REFERENCE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
# phase.step.inputs[0].key, phase.step.outputs.key; index optional, zero-based.
_CHAIN = re.compile(r"^([^.\[\]]+)\.([^.\[\]]+)\.(inputs|outputs)(?:\[(\d+)\])?\.(.+)$")


@dataclass(frozen=True)
class LoopFrame:
    """The running step's loop iteration: what `{{ loop.* }}` and `{{ <name>.* }}` resolve to."""
    name: str | None
    index: int
    value: str


@dataclass
class StepRecordView:
    """What chaining can see of a finished step: its inputs and outputs as lists of entries
    (a single-map `inputs` is entry 0)."""
    inputs: list[Any] = field(default_factory=list)
    outputs: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Scope:
    """Everything a reference can resolve to while one document runs."""
    variables: Mapping[str, str]                                  # parameters and constants
    steps: dict[tuple[str, str], StepRecordView] = field(default_factory=dict)  # (phase, step) → record

    def resolve(self, reference: str, loop: LoopFrame | None) -> str | None:
        if loop is not None:
            head, _, member = reference.partition(".")
            if head == "loop" or (loop.name and head == loop.name):
                if member == "index":
                    return str(loop.index)
                if member == "value":
                    return loop.value
        if reference in self.variables:
            return self.variables[reference]
        chained = _CHAIN.match(reference)
        if chained is None:
            return None
        phase, step, section, index, key = chained.groups()
        record = self.steps.get((phase, step))
        if record is None:
            return None
        entries = record.inputs if section == "inputs" else record.outputs
        position = int(index) if index is not None else 0
        if position >= len(entries) or not isinstance(entries[position], Mapping):
            # A step that ran but produced nothing (a dry run, a failed step) chains as empty.
            return "" if section == "outputs" else None
        value = entries[position].get(key)
        if value is None:
            return "" if section == "outputs" else None
        return value_text(value)


def value_text(value: Any) -> str:
    """A value as it appears when substituted into a string."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, separators=(",", ":"))


def substitute_text(text: str, scope: Scope, loop: LoopFrame | None = None) -> str:
    def replace(match: re.Match[str]) -> str:
        resolved = scope.resolve(match.group(1), loop)
        return match.group(0) if resolved is None else resolved
    return _REFERENCE.sub(replace, text)


def substitute(value: Any, scope: Scope, loop: LoopFrame | None = None) -> Any:
    """`value` (a step's inputs: maps, lists, scalars) with every string's references replaced.
    Map keys are left alone; non-string scalars keep their type."""
    if isinstance(value, str):
        return substitute_text(value, scope, loop)
    if isinstance(value, list):
        return [substitute(item, scope, loop) for item in value]
    if isinstance(value, dict):
        return {key: substitute(item, scope, loop) for key, item in value.items()}
    return value


def document_variables(parameters: Mapping[str, list[str] | None], constants: Mapping[str, str],
                       overrides: Mapping[str, str]) -> dict[str, str]:
    """Parameter values (the document's defaults, overridden by the caller's values; names the
    document does not declare are ignored, as AWS documents for `--parameters`) and constants.
    A parameter with neither a default nor a value stays unresolved."""
    values: dict[str, str] = {}
    for name, default in parameters.items():
        if name in overrides:
            values[name] = overrides[name]
        elif default:
            values[name] = default[0]
    values.update(constants)   # constants cannot be overridden
    return values


def parse_parameter_list(text: str) -> dict[str, str]:
    """`name1=value1,name2=value2` (the `--parameters` syntax). Both name and value are required;
    ValueError names the faulty pair."""
    values: dict[str, str] = {}
    if not text.strip():
        return values
    for pair in text.split(","):
        name, equals, value = pair.partition("=")
        name = name.strip()
        if not equals or not name or value == "":
            raise ValueError(f"invalid parameter '{pair}': expected name=value with both parts present")
        values[name] = value
    return values
