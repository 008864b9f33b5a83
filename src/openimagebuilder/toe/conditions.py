"""Evaluation of AWSTOE's conditional expressions (a step's `if`, the Assert module); they are
parsed by domain/component_conditions.py, the validator's parser. `and`/`or` evaluate in order and
stop at the first deciding comparison (AWS). Comparisons that look at the target (files, folders,
binaries, file hashes) go through a `TargetProbe`, so the same evaluation serves real, dry and
test runs."""
from __future__ import annotations

import math
import re
from typing import Any, Protocol

from ..domain.component_conditions import (
    NUMBER_BINARY,
    TARGET_EXISTS,
    TARGET_HASHES,
    Comparison,
    Condition,
    ConditionError,
    Expression,
    Logical,
    parse_condition,
    parse_expression,
)
from .variables import value_text

__all__ = ["Comparison", "Condition", "ConditionError", "Expression", "Logical", "TargetProbe", "as_number",
           "evaluate", "parse_condition", "parse_expression"]


class TargetProbe(Protocol):
    def exists(self, kind: str, name: str) -> bool:
        """kind: fileExists, folderExists or binaryExists."""
        ...

    def digest(self, algorithm: str, path: str) -> str | None:
        """The hex digest of a file on the target, None if it cannot be read."""
        ...


def evaluate(expression: Expression, probe: TargetProbe) -> bool:
    if isinstance(expression, Logical):
        if expression.operator == "not":
            return not evaluate(expression.parts[0], probe)
        if expression.operator == "and":
            return all(evaluate(part, probe) for part in expression.parts)
        return any(evaluate(part, probe) for part in expression.parts)
    return _compare(expression, probe)


def _compare(comparison: Comparison, probe: TargetProbe) -> bool:
    operator = comparison.operator
    if operator in TARGET_EXISTS:
        return probe.exists(operator, value_text(comparison.operand))
    if operator in TARGET_HASHES:
        digest = probe.digest(TARGET_HASHES[operator], comparison.path or "")
        return digest is not None and digest.lower() == value_text(comparison.operand).strip().lower()
    if operator in NUMBER_BINARY:
        return _compare_numbers(operator, comparison.operand, comparison.value)
    text = "" if comparison.operand is None else value_text(comparison.operand)
    if operator == "stringIsEmpty":
        return text == ""
    if operator == "stringIsWhitespace":
        return text != "" and text.isspace()
    other = value_text(comparison.value)
    if operator == "stringEquals":
        return text == other
    if operator == "patternMatches":
        try:
            return re.search(text, other) is not None
        except re.error as error:
            raise ConditionError(f"Invalid pattern for 'patternMatches': {error}.") from None
    # AWS: ordering comparisons of strings are not case sensitive.
    left, right = text.casefold(), other.casefold()
    return {"stringLessThan": left < right, "stringLessThanEquals": left <= right,
            "stringGreaterThan": left > right, "stringGreaterThanEquals": left >= right}[operator]


def as_number(value: Any) -> float | None:
    """AWS: a string is converted to a number before a numeric comparison; if it cannot be, the
    comparison is false."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return None if math.isnan(number) else number


def _compare_numbers(operator: str, operand: Any, value: Any) -> bool:
    left, right = as_number(operand), as_number(value)
    if left is None or right is None:
        return False
    return {"numberEquals": left == right, "numberLessThan": left < right,
            "numberLessThanEquals": left <= right, "numberGreaterThan": left > right,
            "numberGreaterThanEquals": left >= right}[operator]
