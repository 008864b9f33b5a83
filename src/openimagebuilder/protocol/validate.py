"""Input validation compiled once per shape from the model's constraints.

botocore's client-side validator skips `max`, `pattern` and `enum`; AWS checks every constraint on
the server, and so do we: required members, types, enums, string length, list/map size, numeric
range and patterns, nested to any depth. A failure is InvalidParameterValueException naming the
parameter's path (`distributions[0].amiDistributionConfiguration.name`).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from .errors import invalid_parameter

Check = Callable[[Any, str], None]

_TYPE_WORDS = {
    "string": "a string", "blob": "a string", "timestamp": "a timestamp",
    "integer": "an integer", "long": "an integer", "boolean": "a boolean",
    "double": "a number", "float": "a number",
    "structure": "an object", "list": "a list", "map": "a map",
}


def _is_type(kind: str, value: Any) -> bool:
    if kind in ("string", "blob"):
        return isinstance(value, str)
    if kind in ("integer", "long"):
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind in ("double", "float"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "timestamp":
        return isinstance(value, (str, int, float)) and not isinstance(value, bool)
    if kind in ("structure", "map"):
        return isinstance(value, dict)
    if kind == "list":
        return isinstance(value, list)
    return True


def _size_phrase(lower: int | None, upper: int | None, unit: str) -> str:
    if lower is not None and upper is not None:
        return f"between {lower} and {upper} {unit}"
    if lower is not None:
        return f"at least {lower} {unit}"
    return f"at most {upper} {unit}"


class ValidatorCache:
    """Compiles each shape once; shared by every request."""

    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}

    def for_operation(self, operation: OperationModel) -> Check:
        shape = operation.input_shape
        if shape is None:
            return lambda value, path: None
        return self._compile(shape)

    def validate(self, operation: OperationModel, params: dict[str, Any]) -> None:
        self.for_operation(operation)(params, "")

    def _compile(self, shape: Shape) -> Check:
        check = self._checks.get(shape.name)
        if check is None:
            # Registered before compiling members so recursive shapes terminate.
            slot: list[Check] = []
            self._checks[shape.name] = lambda value, path: slot[0](value, path)
            check = self._build(shape)
            slot.append(check)
            self._checks[shape.name] = check
        return check

    def _build(self, shape: Shape) -> Check:
        kind = shape.type_name
        meta = shape.metadata
        type_word = _TYPE_WORDS.get(kind, kind)
        steps: list[Check] = []

        if kind in ("string", "blob"):
            steps.extend(self._string_checks(shape))
        elif kind in ("integer", "long", "double", "float"):
            steps.extend(self._range_checks(meta))
        elif kind == "structure":
            assert isinstance(shape, StructureShape)
            steps.append(self._structure_check(shape))
        elif kind == "list":
            assert isinstance(shape, ListShape)
            steps.extend(self._count_checks(meta, "items"))
            steps.append(self._list_check(shape))
        elif kind == "map":
            assert isinstance(shape, MapShape)
            steps.extend(self._count_checks(meta, "entries"))
            steps.append(self._map_check(shape))

        def check(value: Any, path: str) -> None:
            if not _is_type(kind, value):
                raise invalid_parameter(path, f"'{path}' must be {type_word}.")
            for step in steps:
                step(value, path)

        return check

    def _string_checks(self, shape: Shape) -> list[Check]:
        meta = shape.metadata
        checks: list[Check] = []
        enum = shape.enum if hasattr(shape, "enum") else meta.get("enum")
        if enum:
            allowed = frozenset(enum)
            listing = ", ".join(enum)

            def enum_check(value: str, path: str) -> None:
                if value not in allowed:
                    raise invalid_parameter(path, f"'{path}' must be one of [{listing}].")
            checks.append(enum_check)
        lower, upper = meta.get("min"), meta.get("max")
        if lower is not None or upper is not None:
            phrase = _size_phrase(lower, upper, "characters")
            low, high = lower or 0, upper if upper is not None else float("inf")

            def length_check(value: str, path: str) -> None:
                if not low <= len(value) <= high:
                    raise invalid_parameter(path, f"'{path}' must have length {phrase}.")
            checks.append(length_check)
        pattern = meta.get("pattern")
        if pattern:
            compiled = re.compile(pattern)

            # AWS leaves the name unquoted for semantic versions (seen on CreateComponent).
            unquoted = shape.name == "VersionNumber"

            def pattern_check(value: str, path: str) -> None:
                # Java's matcher.find() semantics: anchors come from the pattern itself.
                if compiled.search(value) is None:
                    subject = path if unquoted else f"'{path}'"
                    raise invalid_parameter(path, f"{subject} must match pattern {pattern}")
            checks.append(pattern_check)
        return checks

    @staticmethod
    def _range_checks(meta: dict[str, Any]) -> list[Check]:
        lower, upper = meta.get("min"), meta.get("max")
        if lower is None and upper is None:
            return []
        if lower is not None and upper is not None:
            phrase = f"between {lower} and {upper}"
        elif lower is not None:
            phrase = f"greater than or equal to {lower}"
        else:
            phrase = f"less than or equal to {upper}"

        def range_check(value: float, path: str) -> None:
            if (lower is not None and value < lower) or (upper is not None and value > upper):
                raise invalid_parameter(path, f"'{path}' must be {phrase}.")
        return [range_check]

    @staticmethod
    def _count_checks(meta: dict[str, Any], unit: str) -> list[Check]:
        lower, upper = meta.get("min"), meta.get("max")
        if lower is None and upper is None:
            return []
        phrase = _size_phrase(lower, upper, unit)
        low, high = lower or 0, upper if upper is not None else float("inf")

        def count_check(value: list | dict, path: str) -> None:
            if not low <= len(value) <= high:
                raise invalid_parameter(path, f"'{path}' must contain {phrase}.")
        return [count_check]

    def _structure_check(self, shape: StructureShape) -> Check:
        required = tuple(shape.required_members)
        members = [(name, self._compile(member)) for name, member in shape.members.items()]

        def structure_check(value: dict, path: str) -> None:
            prefix = f"{path}." if path else ""
            for name in required:
                if value.get(name) is None:
                    raise invalid_parameter(f"{prefix}{name}", f"'{prefix}{name}' is required.")
            for name, member_check in members:
                member_value = value.get(name)
                if member_value is not None:
                    member_check(member_value, f"{prefix}{name}")
        return structure_check

    def _list_check(self, shape: ListShape) -> Check:
        item_check = self._compile(shape.member)

        def list_check(value: list, path: str) -> None:
            for index, item in enumerate(value):
                if item is None:
                    raise invalid_parameter(f"{path}[{index}]", f"'{path}[{index}]' must not be null.")
                item_check(item, f"{path}[{index}]")
        return list_check

    def _map_check(self, shape: MapShape) -> Check:
        key_check = self._compile(shape.key)
        value_check = self._compile(shape.value)

        def map_check(value: dict, path: str) -> None:
            for key, item in value.items():
                key_check(key, f"{path}.{key}")
                if item is None:
                    raise invalid_parameter(f"{path}.{key}", f"'{path}.{key}' must not be null.")
                value_check(item, f"{path}.{key}")
        return map_check
