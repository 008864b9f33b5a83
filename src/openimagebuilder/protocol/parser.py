"""rest-json request → input dict keyed by model member names.

Each member is read from where its `location` says (uri label, query string, header) or from the
JSON body. Values are only converted to the member's wire type here; constraints are checked by
`validate`. Body keys that the model does not know are dropped, as AWS ignores them.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

import orjson
from botocore.model import OperationModel, Shape

from . import errors


def _scalar_from_text(shape: Shape, text: str) -> Any:
    kind = shape.type_name
    if kind in ("integer", "long"):
        try:
            return int(text)
        except ValueError:
            return text  # left for the validator to report as a type error
    if kind == "boolean":
        lowered = text.lower()
        return True if lowered == "true" else False if lowered == "false" else text
    if kind in ("double", "float"):
        try:
            return float(text)
        except ValueError:
            return text
    return text


def parse_request(
    operation: OperationModel,
    uri_labels: Mapping[str, str],
    query_string: bytes,
    headers: Mapping[str, str],
    body: bytes,
) -> dict[str, Any]:
    shape = operation.input_shape
    if shape is None:
        return {}
    query = parse_qs(query_string.decode("latin-1"), keep_blank_values=True) if query_string else {}
    document: dict[str, Any] | None = None
    params: dict[str, Any] = {}
    for member_name, member in shape.members.items():
        location = member.serialization.get("location")
        wire_name = member.serialization.get("name", member_name)
        if location == "uri":
            if wire_name in uri_labels:
                params[member_name] = _scalar_from_text(member, uri_labels[wire_name])
        elif location == "querystring":
            if wire_name in query:
                values = query[wire_name]
                if member.type_name == "list":
                    params[member_name] = [_scalar_from_text(member.member, v) for v in values]
                else:
                    params[member_name] = _scalar_from_text(member, values[-1])
        elif location == "header":
            value = headers.get(wire_name.lower())
            if value is not None:
                params[member_name] = _scalar_from_text(member, value)
        else:
            if document is None:
                document = _body_document(body)
            if member_name in document:
                params[member_name] = document[member_name]
    return params


def _body_document(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise errors.ERROR_CLASSES["SerializationException"](
            f"Unable to parse the request body as JSON: {exc}") from None
    if not isinstance(document, dict):
        raise errors.ERROR_CLASSES["SerializationException"](
            "The request body must be a JSON object.")
    return document
