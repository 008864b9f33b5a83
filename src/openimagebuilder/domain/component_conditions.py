"""The conditional expressions of AWSTOE documents (a step's `if`, the Assert module), parsed into
a typed tree. One parser for the validator (CreateComponent, `oib toe validate`) and the runner,
which evaluates the tree (toe/conditions.py).

An expression is one comparison operator (stringEquals, numberLessThan, fileExists, ...) or one
logical operator (and, or, not) over expressions; AWS: "exactly one of the following types of
operators at the top level", logical operators nest at most four levels ("validation fails"
beyond), and `then`/`else` name one of the step actions Abort, Execute, Skip."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_LOGICAL_DEPTH = 4

STRING_UNARY = ("stringIsEmpty", "stringIsWhitespace")
STRING_BINARY = ("stringEquals", "stringLessThan", "stringLessThanEquals", "stringGreaterThan",
                 "stringGreaterThanEquals", "patternMatches")
NUMBER_BINARY = ("numberEquals", "numberLessThan", "numberLessThanEquals", "numberGreaterThan",
                 "numberGreaterThanEquals")
TARGET_EXISTS = ("fileExists", "folderExists", "binaryExists")
TARGET_HASHES = {"fileMD5Equals": "md5", "fileSHA1Equals": "sha1", "fileSHA256Equals": "sha256",
                 "fileSHA512Equals": "sha512"}
COMPARISONS = STRING_UNARY + STRING_BINARY + NUMBER_BINARY + TARGET_EXISTS + tuple(TARGET_HASHES)
LOGICAL = ("and", "or", "not")
STEP_ACTIONS = ("Execute", "Skip", "Abort")


class ConditionError(ValueError):
    """The expression is malformed; the message says where."""


@dataclass(frozen=True)
class Comparison:
    operator: str
    operand: Any                 # the operator's own value: `stringEquals: <operand>`
    value: Any = None            # the `value` key of binary comparisons
    path: str | None = None      # the `path` key of file hash comparisons


@dataclass(frozen=True)
class Logical:
    operator: str                # and, or, not
    parts: tuple[Expression, ...]


Expression = Comparison | Logical


@dataclass(frozen=True)
class Condition:
    """A step's `if`: the expression and what to do when it is true or false."""
    expression: Expression
    then: str = "Execute"
    otherwise: str = "Skip"

    def action(self, outcome: bool) -> str:
        return self.then if outcome else self.otherwise


def parse_condition(raw: Any) -> Condition:
    """A step's `if` value. AWS's syntax block shows it as a one-entry list; its examples write a map."""
    if isinstance(raw, list) and len(raw) == 1:
        raw = raw[0]
    if not isinstance(raw, Mapping):
        raise ConditionError("'if' must be a map with one operator, and optional 'then' and 'else'.")
    actions = {}
    for key in ("then", "else"):
        if key in raw:
            action = raw[key]
            if action not in STEP_ACTIONS:
                raise ConditionError(f"Invalid '{key}' value '{action}'. Allowed values are {', '.join(STEP_ACTIONS)}.")
            actions[key] = action
    body = {key: value for key, value in raw.items() if key not in ("then", "else")}
    return Condition(parse_expression(body), then=actions.get("then", "Execute"),
                     otherwise=actions.get("else", "Skip"))


def parse_expression(raw: Any, depth: int = 0) -> Expression:
    if not isinstance(raw, Mapping):
        raise ConditionError("A conditional expression must be a map with exactly one operator.")
    operators = [key for key in raw if key in COMPARISONS or key in LOGICAL]
    unknown = [key for key in raw if key not in COMPARISONS and key not in LOGICAL and key not in ("value", "path")]
    if unknown:
        raise ConditionError(f"Unknown operator '{unknown[0]}' in conditional expression.")
    if len(operators) != 1:
        raise ConditionError("A conditional expression must have exactly one operator at its top level.")
    (operator,) = operators
    if operator in LOGICAL:
        return _logical(operator, raw[operator], depth + 1)
    return _comparison(operator, raw)


def _logical(operator: str, operand: Any, depth: int) -> Logical:
    if depth > MAX_LOGICAL_DEPTH:
        raise ConditionError(f"Logical operators nest at most {MAX_LOGICAL_DEPTH} levels deep.")
    if operator == "not":
        # AWS's examples write both `not: {comparison}` and `not: [ {comparison} ]`.
        items = operand if isinstance(operand, list) else [operand]
        if len(items) != 1:
            raise ConditionError("'not' takes exactly one expression.")
    else:
        if not isinstance(operand, list) or not operand:
            raise ConditionError(f"'{operator}' takes a list of expressions.")
        items = operand
    return Logical(operator, tuple(parse_expression(item, depth) for item in items))


def _comparison(operator: str, raw: Mapping[str, Any]) -> Comparison:
    operand = raw[operator]
    if isinstance(operand, (list, dict)) or operand is None and operator not in STRING_UNARY:
        raise ConditionError(f"The operand of '{operator}' must be a single value.")
    needs_value = operator in STRING_BINARY or operator in NUMBER_BINARY
    if needs_value and "value" not in raw:
        raise ConditionError(f"Operator '{operator}' requires 'value'.")
    if operator in TARGET_HASHES and "path" not in raw:
        raise ConditionError(f"Operator '{operator}' requires 'path'.")
    return Comparison(operator, operand, raw.get("value"),
                      _scalar_text(raw["path"]) if raw.get("path") is not None else None)


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
