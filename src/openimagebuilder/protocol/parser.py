"""rest-json request → input dict keyed by model member names.

Each member is read from where its `location` says (uri label, query string, header) or from the
JSON body. Values are only converted to the member's wire type here; constraints are checked by
`validate`. Body keys that the model does not know are dropped, as AWS ignores them.

The input shape of each operation is compiled once into a `_Plan` (where every member comes from,
under which wire name, with which text converter), so a request makes no botocore `Shape` lookups.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple
from urllib.parse import unquote

import orjson
from botocore.model import OperationModel

from .errors import SerializationException

# Converts a uri label / query value / header from text to the member's type. None: kept as text.
TextConverter = Callable[[str], Any] | None

# Member locations, as small ints so the per-request loop compares cheaply.
_URI, _QUERY, _HEADER, _BODY = range(4)


def _to_int(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        return text  # left for the validator to report as a type error


def _to_bool(text: str) -> Any:
    lowered = text.lower()
    return True if lowered == "true" else False if lowered == "false" else text


def _to_float(text: str) -> Any:
    try:
        return float(text)
    except ValueError:
        return text


_TEXT_CONVERTERS: dict[str, TextConverter] = {
    "integer": _to_int, "long": _to_int, "boolean": _to_bool, "double": _to_float, "float": _to_float}


class _Member(NamedTuple):
    name: str  # model member name: the key in the params dict, and in the JSON body
    location: int
    wire_name: str  # uri label / query parameter name / lower-cased header name
    convert: TextConverter
    is_list: bool  # query string lists take every value; scalars take the last one


class _Plan(NamedTuple):
    members: tuple[_Member, ...]  # in model order, which is the order of the params dict's keys
    body_only: tuple[str, ...] | None  # member names when every member is in the body (the common case)
    reads_query: bool


_PLANS: dict[OperationModel, _Plan | None] = {}


def _compile(operation: OperationModel) -> _Plan | None:
    shape = operation.input_shape
    if shape is None:
        return None
    members = []
    for member_name, member in shape.members.items():
        location = member.serialization.get("location")
        wire_name = member.serialization.get("name", member_name)
        is_list = False
        if location == "uri":
            code = _URI
        elif location == "querystring":
            code = _QUERY
            is_list = member.type_name == "list"
        elif location == "header":
            code, wire_name = _HEADER, wire_name.lower()
        else:
            code = _BODY
        converted = member.member if is_list else member
        members.append(_Member(member_name, code, wire_name, _TEXT_CONVERTERS.get(converted.type_name), is_list))
    # An input shape without members ignores the body altogether, even one that is not JSON.
    body_only = tuple(m.name for m in members) if members and all(m.location == _BODY for m in members) else None
    return _Plan(tuple(members), body_only, any(m.location == _QUERY for m in members))


def parse_request(
    operation: OperationModel,
    uri_labels: Mapping[str, str],
    query_string: bytes,
    headers: Mapping[str, str],
    body: bytes,
) -> dict[str, Any]:
    try:
        plan = _PLANS[operation]
    except KeyError:
        plan = _PLANS[operation] = _compile(operation)
    if plan is None:
        return {}
    if plan.body_only is not None:
        whole = _body_document(body)
        return {name: whole[name] for name in plan.body_only if name in whole}
    query = _query_values(query_string) if plan.reads_query and query_string else {}
    document: dict[str, Any] | None = None
    params: dict[str, Any] = {}
    for name, location, wire_name, convert, is_list in plan.members:
        if location == _BODY:
            if document is None:
                document = _body_document(body)
            if name in document:
                params[name] = document[name]
            continue
        if location == _QUERY:
            values = query.get(wire_name)
            if values is None:
                continue
            if is_list:
                params[name] = values if convert is None else [convert(v) for v in values]
                continue
            text: str | None = values[-1]
        elif location == _URI:
            text = uri_labels.get(wire_name)
        else:
            text = headers.get(wire_name)
        if text is not None:
            params[name] = text if convert is None else convert(text)
    return params


def _query_values(query_string: bytes) -> dict[str, list[str]]:
    """`urllib.parse.parse_qs(text, keep_blank_values=True)`, inlined: the same splitting, `+` and
    percent decoding, without its generic argument handling."""
    values: dict[str, list[str]] = {}
    for pair in query_string.decode("latin-1").split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        name = _unquote(name.replace("+", " "))
        value = _unquote(value.replace("+", " "))
        found = values.get(name)
        if found is None:
            values[name] = [value]
        else:
            found.append(value)
    return values


# "%XX" → character for the ASCII range, in every letter case `unquote` accepts.
_ASCII_ESCAPES = {first + second: chr(int(first + second, 16))
                  for first in "01234567" for second in "0123456789ABCDEFabcdef"}


def _unquote(text: str) -> str:
    """`urllib.parse.unquote(text)`, faster for the usual case of ASCII escapes only (an ARN's `%3A`
    and `%2F`); anything else (UTF-8 sequences, malformed escapes) is left to `unquote`."""
    if "%" not in text:
        return text
    # boto3 escapes an ARN's `:` and `/` as `%3A` and `%2F`. When those are the only escapes, two
    # replaces decode them: every `%` left over means some other escape, for the general path.
    decoded = text.replace("%3A", ":").replace("%2F", "/")
    if "%" not in decoded:
        return decoded
    first, *rest = text.split("%")
    pieces = [first]
    for piece in rest:
        char = _ASCII_ESCAPES.get(piece[:2])
        if char is None:
            return unquote(text)
        pieces.append(char)
        pieces.append(piece[2:])
    return "".join(pieces)


def _body_document(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if not body.strip():  # whitespace only: no body (checked only now, to spare a copy)
            return {}
        raise SerializationException(
            f"Unable to parse the request body as JSON: {exc}") from None
    if not isinstance(document, dict):
        raise SerializationException(
            "The request body must be a JSON object.")
    return document
