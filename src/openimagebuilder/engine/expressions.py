"""Workflow variables at run time: JSONPath references (`$.parameters.x`,
`$.stepOutputs.Step.output`, `$.imagebuilder.platform`), `key.$` chained inputs, `{{ $.x }}`
interpolation in strings, and `if` conditions. The document was validated at CreateWorkflow, so
only values can be wrong here, never shapes."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_PATH_PART = re.compile(r"\.([^.\[\]\s{}]+)|\[(\d+)\]")
_INTERPOLATION = re.compile(r"\{\{\s*(\$\.[^{}]*?)\s*\}\}")
_CHAINED_SUFFIX = ".$"
_MISSING = object()


def lookup(path: str, variables: Mapping[str, Any]) -> Any:
    """The value a `$.root.a.b[0]` path names, or None when any part is absent."""
    value: Any = variables
    for name, index in _PATH_PART.findall(path[1:]):
        if name:
            key = "imagebuilder" if name == "imageBuilder" else name
            value = value.get(key, _MISSING) if isinstance(value, Mapping) else _MISSING
        else:
            value = value[int(index)] if isinstance(value, list) and int(index) < len(value) else _MISSING
        if value is _MISSING:
            return None
    return value


def resolve_inputs(inputs: Any, variables: Mapping[str, Any]) -> Any:
    """Inputs with `key.$` entries replaced by `key: <value of the path>` and `{{ $.x }}` filled in."""
    if isinstance(inputs, dict):
        resolved = {}
        for key, value in inputs.items():
            if key.endswith(_CHAINED_SUFFIX) and isinstance(value, str):
                resolved[key[: -len(_CHAINED_SUFFIX)]] = lookup(value, variables)
            else:
                resolved[key] = resolve_inputs(value, variables)
        return resolved
    if isinstance(inputs, list):
        return [resolve_inputs(item, variables) for item in inputs]
    if isinstance(inputs, str):
        return _INTERPOLATION.sub(lambda match: _text(lookup(match.group(1), variables)), inputs)
    return inputs


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return "" if value is None else str(value)


def _operand(value: Any, variables: Mapping[str, Any]) -> Any:
    return lookup(value, variables) if isinstance(value, str) and value.startswith("$.") else value


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def evaluate_condition(condition: Mapping[str, Any], variables: Mapping[str, Any]) -> bool:
    if "and" in condition:
        return all(evaluate_condition(child, variables) for child in condition["and"])
    if "or" in condition:
        return any(evaluate_condition(child, variables) for child in condition["or"])
    if "not" in condition:
        return not evaluate_condition(condition["not"], variables)
    operator = next(key for key in condition if key != "value")
    left, right = _operand(condition[operator], variables), _operand(condition["value"], variables)
    if operator == "stringEquals":
        return _text(left) == _text(right)
    if operator == "booleanEquals":
        return _text(left).lower() == _text(right).lower()
    a, b = _number(left), _number(right)
    if a is None or b is None:
        return False
    return {
        "numberEquals": a == b,
        "numberGreaterThan": a > b,
        "numberGreaterThanEquals": a >= b,
        "numberLessThan": a < b,
        "numberLessThanEquals": a <= b,
    }[operator]
