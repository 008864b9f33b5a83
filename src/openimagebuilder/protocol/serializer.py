"""Response dict → rest-json body, driven by the operation's output shape.

Only members of the shape are written; members that are None (never set) are left out, as AWS
leaves them out. Dates in this API are strings already in AWS's form; the few `timestamp` shapes
are written as epoch seconds, rest-json's default.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from botocore.model import OperationModel, Shape

from .errors import ServiceError


def _convert(shape: Shape, value: Any) -> Any:
    kind = shape.type_name
    if kind == "structure":
        out = {}
        for name, member in shape.members.items():
            member_value = value.get(name)
            if member_value is not None:
                out[member.serialization.get("name", name)] = _convert(member, member_value)
        return out
    if kind == "list":
        return [_convert(shape.member, item) for item in value]
    if kind == "map":
        return {key: _convert(shape.value, item) for key, item in value.items()}
    if kind == "timestamp":
        if isinstance(value, str):
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if isinstance(value, datetime):
            return value.timestamp()
    return value


def serialize_response(operation: OperationModel, response: dict[str, Any]) -> bytes:
    shape = operation.output_shape
    if shape is None:
        return b"{}"
    body = {}
    for name, member in shape.members.items():
        if member.serialization.get("location"):
            continue  # no header/status members in this API's outputs; kept for safety
        value = response.get(name)
        if value is not None:
            body[member.serialization.get("name", name)] = _convert(member, value)
    return orjson.dumps(body)


def serialize_error(error: ServiceError, request_id: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    headers = [
        (b"content-type", b"application/json"),
        (b"x-amzn-errortype", error.code.encode()),
        (b"x-amzn-requestid", request_id.encode()),
    ]
    return error.status, headers, orjson.dumps({"message": error.message})
