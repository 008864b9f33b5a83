"""Response dict → rest-json body, driven by the operation's output shape.

Only members of the shape are written; members that are None (never set) are left out, as AWS
leaves them out. Dates in this API are strings already in AWS's form; the few `timestamp` shapes
are written as epoch seconds, rest-json's default.

Each operation's output shape is compiled once into converter functions. Most of this model needs
no conversion at all (member names are the wire names, dates are strings), so scalars and lists or
maps of scalars are handed to orjson as they are, and a structure whose members are all like that
is a single dict comprehension that keeps the shape's members that are set.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
from botocore.model import OperationModel, Shape

from .errors import ServiceError

# A value of a shape → its JSON-ready form. None stands for "written as it is" (no call needed).
Converter = Callable[[Any], Any]


def _timestamp(value: Any) -> Any:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, datetime):
        return value.timestamp()
    return value


def _as_list(value: Any) -> Any:
    # A list of scalars is written as it is; any other iterable is written as the list of its items.
    return value if type(value) is list else list(value)


def _as_map(value: Any) -> Any:
    return value if type(value) is dict else dict(value.items())


class _Compiler:
    """Compiles the shapes under one output shape; shared shapes are compiled once (by name)."""

    def __init__(self) -> None:
        self._done: dict[str, Converter | None] = {}
        self._pending: dict[str, list[Converter]] = {}  # structures being compiled: recursion

    def shape(self, shape: Shape) -> Converter | None:
        name = shape.name
        if name in self._done:
            return self._done[name]
        if name in self._pending:
            # A recursive reference: call the converter that the outer compilation will leave in
            # the slot. A cycle always runs through a structure, whose converter is never None.
            slot = self._pending[name]
            return lambda value: slot[0](value)
        self._pending[name] = slot = []
        converter = self._build(shape)
        if converter is not None:
            slot.append(converter)
        del self._pending[name]
        self._done[name] = converter
        return converter

    def _build(self, shape: Shape) -> Converter | None:
        kind = shape.type_name
        if kind == "structure":
            return self.structure([(name, member) for name, member in shape.members.items()])
        if kind == "list":
            item = self.shape(shape.member)
            if item is None:
                return _as_list
            return lambda value: [item(entry) for entry in value]
        if kind == "map":
            entry = self.shape(shape.value)
            if entry is None:
                return _as_map
            return lambda value: {key: entry(item) for key, item in value.items()}
        if kind == "timestamp":
            return _timestamp
        return None

    def structure(self, members: list[tuple[str, Shape]]) -> Converter:
        names = tuple(name for name, _ in members)
        wire_names = tuple(member.serialization.get("name", name) for name, member in members)
        converters = tuple(self.shape(member) for _, member in members)
        if wire_names == names and all(convert is None for convert in converters):
            def plain(value: Any) -> dict[str, Any]:
                get = value.get
                return {name: member_value for name in names if (member_value := get(name)) is not None}
            return plain

        plan = tuple(zip(names, wire_names, converters, strict=True))

        def general(value: Any) -> dict[str, Any]:
            out = {}
            get = value.get
            for name, wire_name, convert in plan:
                member_value = get(name)
                if member_value is None:
                    continue
                if convert is None:
                    out[wire_name] = member_value
                else:
                    out[wire_name] = convert(member_value)
            return out
        return general


_RESPONSES: dict[OperationModel, Converter | None] = {}


def _compile(operation: OperationModel) -> Converter | None:
    shape = operation.output_shape
    if shape is None:
        return None
    # No header/status members in this API's outputs; skipped for safety.
    members = [(name, member) for name, member in shape.members.items()
               if not member.serialization.get("location")]
    return _Compiler().structure(members)


def serialize_response(operation: OperationModel, response: dict[str, Any]) -> bytes:
    try:
        convert = _RESPONSES[operation]
    except KeyError:
        convert = _RESPONSES[operation] = _compile(operation)
    if convert is None:
        return b"{}"
    return orjson.dumps(convert(response))


def serialize_error(error: ServiceError, request_id: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    headers = [
        (b"content-type", b"application/json"),
        (b"x-amzn-errortype", error.code.encode()),
        (b"x-amzn-requestid", request_id.encode()),
    ]
    return error.status, headers, orjson.dumps({"message": error.message})
