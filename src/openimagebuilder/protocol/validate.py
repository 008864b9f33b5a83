"""Input validation compiled once per shape from the model's constraints.

botocore's client-side validator skips `max`, `pattern` and `enum`; AWS checks every constraint on
the server, and so do we: required members, types, enums, string length, list/map size, numeric
range and patterns, nested to any depth. A failure is InvalidParameterValueException naming the
parameter's path (`distributions[0].amiDistributionConfiguration.name`).
"""
from __future__ import annotations

import re
import threading
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

# The Python types a value of each shape type may have (bool is an int, but never a number here).
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "blob": (str,), "timestamp": (str, int, float),
    "integer": (int,), "long": (int,), "boolean": (bool,), "double": (int, float), "float": (int, float),
    "structure": (dict,), "map": (dict,), "list": (list,),
}
_BOOL_IS_WRONG = frozenset(("integer", "long", "double", "float", "timestamp"))


def _size_phrase(lower: int | None, upper: int | None, unit: str) -> str:
    if lower is not None and upper is not None:
        return f"between {lower} and {upper} {unit}"
    if lower is not None:
        return f"at least {lower} {unit}"
    return f"at most {upper} {unit}"


def _accept(value: Any, path: str) -> None:
    """The check of an operation without input, and of shape types this model does not use."""


class ValidatorCache:
    """Compiles each shape once; shared by every request.

    Each shape compiles to one closure that checks the type and then every constraint the shape
    has, in that order, so a request costs one call per value and no model lookups.
    """

    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}
        self._operations: dict[OperationModel, Check] = {}  # only checks whose compilation finished
        # Requests run on a thread pool: one compilation at a time, so that no thread calls a
        # recursive shape's placeholder before its check is in place.
        self._compiling = threading.Lock()

    def for_operation(self, operation: OperationModel) -> Check:
        check = self._operations.get(operation)
        if check is None:
            with self._compiling:
                shape = operation.input_shape
                check = _accept if shape is None else self._compile(shape)
                self._operations[operation] = check
        return check

    def validate(self, operation: OperationModel, params: dict[str, Any]) -> None:
        check = self._operations.get(operation) or self.for_operation(operation)
        check(params, "")

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
        if kind in ("string", "blob"):
            return self._string_check(shape)
        if kind in ("integer", "long", "double", "float"):
            return self._number_check(shape)
        if kind == "structure":
            assert isinstance(shape, StructureShape)
            return self._structure_check(shape)
        if kind == "list":
            assert isinstance(shape, ListShape)
            return self._list_check(shape)
        if kind == "map":
            assert isinstance(shape, MapShape)
            return self._map_check(shape)
        if kind not in _TYPES:
            return _accept
        types = _TYPES[kind]
        bool_is_wrong = kind in _BOOL_IS_WRONG
        wrong_type = f"must be {_TYPE_WORDS[kind]}."

        def type_check(value: Any, path: str) -> None:  # boolean, timestamp
            if not isinstance(value, types) or (bool_is_wrong and isinstance(value, bool)):
                raise invalid_parameter(path, f"'{path}' {wrong_type}")
        return type_check

    @staticmethod
    def _string_check(shape: Shape) -> Check:
        meta = shape.metadata
        wrong_type = f"must be {_TYPE_WORDS[shape.type_name]}."
        enum = shape.enum if hasattr(shape, "enum") else meta.get("enum")
        allowed = frozenset(enum) if enum else None
        listing = ", ".join(enum) if enum else ""
        lower, upper = meta.get("min"), meta.get("max")
        sized = lower is not None or upper is not None
        phrase = _size_phrase(lower, upper, "characters") if sized else ""
        low, high = lower or 0, upper if upper is not None else float("inf")
        pattern = meta.get("pattern")
        compiled = re.compile(pattern) if pattern else None
        # AWS leaves the name unquoted for semantic versions (seen on CreateComponent).
        unquoted = shape.name == "VersionNumber"

        def string_check(value: Any, path: str) -> None:
            if not isinstance(value, str):
                raise invalid_parameter(path, f"'{path}' {wrong_type}")
            if allowed is not None and value not in allowed:
                raise invalid_parameter(path, f"'{path}' must be one of [{listing}].")
            if sized and not low <= len(value) <= high:
                raise invalid_parameter(path, f"'{path}' must have length {phrase}.")
            # Java's matcher.find() semantics: anchors come from the pattern itself.
            if compiled is not None and compiled.search(value) is None:
                subject = path if unquoted else f"'{path}'"
                raise invalid_parameter(path, f"{subject} must match pattern {pattern}")
        return string_check

    @staticmethod
    def _number_check(shape: Shape) -> Check:
        types = _TYPES[shape.type_name]
        wrong_type = f"must be {_TYPE_WORDS[shape.type_name]}."
        lower, upper = shape.metadata.get("min"), shape.metadata.get("max")
        if lower is not None and upper is not None:
            phrase = f"between {lower} and {upper}"
        elif lower is not None:
            phrase = f"greater than or equal to {lower}"
        else:
            phrase = f"less than or equal to {upper}"

        def number_check(value: Any, path: str) -> None:
            if not isinstance(value, types) or isinstance(value, bool):
                raise invalid_parameter(path, f"'{path}' {wrong_type}")
            if (lower is not None and value < lower) or (upper is not None and value > upper):
                raise invalid_parameter(path, f"'{path}' must be {phrase}.")
        return number_check

    @staticmethod
    def _count(meta: dict[str, Any], unit: str) -> tuple[bool, float, float, str]:
        """(bounded, low, high, phrase) of a list's or map's size constraint."""
        lower, upper = meta.get("min"), meta.get("max")
        if lower is None and upper is None:
            return False, 0, float("inf"), ""
        return True, lower or 0, upper if upper is not None else float("inf"), _size_phrase(lower, upper, unit)

    def _structure_check(self, shape: StructureShape) -> Check:
        required = tuple(shape.required_members)
        members = [(name, self._compile(member)) for name, member in shape.members.items()]

        def structure_check(value: Any, path: str) -> None:
            if not isinstance(value, dict):
                raise invalid_parameter(path, f"'{path}' must be an object.")
            prefix = f"{path}." if path else ""
            get = value.get
            for name in required:
                if get(name) is None:
                    raise invalid_parameter(f"{prefix}{name}", f"'{prefix}{name}' is required.")
            for name, member_check in members:
                member_value = get(name)
                if member_value is not None:
                    # At the top level a member's path is its name: no string to build.
                    member_check(member_value, f"{prefix}{name}" if prefix else name)
        return structure_check

    def _list_check(self, shape: ListShape) -> Check:
        item_check = self._compile(shape.member)
        sized, low, high, phrase = self._count(shape.metadata, "items")

        def list_check(value: Any, path: str) -> None:
            if not isinstance(value, list):
                raise invalid_parameter(path, f"'{path}' must be a list.")
            if sized and not low <= len(value) <= high:
                raise invalid_parameter(path, f"'{path}' must contain {phrase}.")
            for index, item in enumerate(value):
                if item is None:
                    raise invalid_parameter(f"{path}[{index}]", f"'{path}[{index}]' must not be null.")
                item_check(item, f"{path}[{index}]")
        return list_check

    def _map_check(self, shape: MapShape) -> Check:
        key_check = self._compile(shape.key)
        value_check = self._compile(shape.value)
        sized, low, high, phrase = self._count(shape.metadata, "entries")

        def map_check(value: Any, path: str) -> None:
            if not isinstance(value, dict):
                raise invalid_parameter(path, f"'{path}' must be a map.")
            if sized and not low <= len(value) <= high:
                raise invalid_parameter(path, f"'{path}' must contain {phrase}.")
            for key, item in value.items():
                key_check(key, f"{path}.{key}")
                if item is None:
                    raise invalid_parameter(f"{path}.{key}", f"'{path}.{key}' must not be null.")
                value_check(item, f"{path}.{key}")
        return map_check
