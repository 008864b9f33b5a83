"""The compiled protocol code against straightforward reference implementations.

`parse_request` and `serialize_response` compile a plan per operation; the references below walk
the botocore shapes on every call, as the code did before it was compiled. Both must give the same
result for any input, byte for byte, including inputs a handler or client should not produce
(unset members, keys outside the shape, tuples for lists, dates to convert, odd query strings).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote, unquote

import orjson
import pytest
from botocore.model import OperationModel, Shape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openimagebuilder.protocol import errors
from openimagebuilder.protocol.model import service_model
from openimagebuilder.protocol.parser import _query_values, _unquote, parse_request
from openimagebuilder.protocol.router import Router
from openimagebuilder.protocol.serializer import serialize_response
from openimagebuilder.server.identity import Identity
from openimagebuilder.server.settings import Settings

MODEL = service_model()
OPERATIONS = sorted(MODEL.operation_names)
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8)
SETTINGS = dict(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


# --- references: the shape-walking implementations ------------------------------------------------

def reference_convert(shape: Shape, value: Any) -> Any:
    kind = shape.type_name
    if kind == "structure":
        out = {}
        for name, member in shape.members.items():
            member_value = value.get(name)
            if member_value is not None:
                out[member.serialization.get("name", name)] = reference_convert(member, member_value)
        return out
    if kind == "list":
        return [reference_convert(shape.member, item) for item in value]
    if kind == "map":
        return {key: reference_convert(shape.value, item) for key, item in value.items()}
    if kind == "timestamp":
        if isinstance(value, str):
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if isinstance(value, datetime):
            return value.timestamp()
    return value


def reference_serialize(operation: OperationModel, response: dict[str, Any]) -> bytes:
    shape = operation.output_shape
    if shape is None:
        return b"{}"
    body = {}
    for name, member in shape.members.items():
        if member.serialization.get("location"):
            continue
        value = response.get(name)
        if value is not None:
            body[member.serialization.get("name", name)] = reference_convert(member, value)
    return orjson.dumps(body)


def reference_scalar(shape: Shape, text: str) -> Any:
    kind = shape.type_name
    if kind in ("integer", "long"):
        try:
            return int(text)
        except ValueError:
            return text
    if kind == "boolean":
        lowered = text.lower()
        return True if lowered == "true" else False if lowered == "false" else text
    if kind in ("double", "float"):
        try:
            return float(text)
        except ValueError:
            return text
    return text


def reference_parse(operation: OperationModel, uri_labels: Mapping[str, str], query_string: bytes,
                    headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
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
                params[member_name] = reference_scalar(member, uri_labels[wire_name])
        elif location == "querystring":
            if wire_name in query:
                values = query[wire_name]
                if member.type_name == "list":
                    params[member_name] = [reference_scalar(member.member, v) for v in values]
                else:
                    params[member_name] = reference_scalar(member, values[-1])
        elif location == "header":
            value = headers.get(wire_name.lower())
            if value is not None:
                params[member_name] = reference_scalar(member, value)
        else:
            if document is None:
                if not body.strip():
                    document = {}
                else:
                    try:
                        document = orjson.loads(body)
                    except orjson.JSONDecodeError as exc:
                        raise errors.ERROR_CLASSES["SerializationException"](
                            f"Unable to parse the request body as JSON: {exc}") from None
                    if not isinstance(document, dict):
                        raise errors.ERROR_CLASSES["SerializationException"](
                            "The request body must be a JSON object.")
            if member_name in document:
                params[member_name] = document[member_name]
    return params


# --- generated values -----------------------------------------------------------------------------

DATES = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))


def output_values(shape: Shape, depth: int = 0) -> st.SearchStrategy:
    """Values a handler might return for `shape`, including what the serializer must drop or fix."""
    kind = shape.type_name
    if kind == "structure":
        if depth > 4:
            return st.just({})
        members = {name: st.one_of(st.none(), output_values(member, depth + 1))
                   for name, member in shape.members.items()}
        extra = {"internalOnly": TEXT, "dateSeen": st.none()}  # keys outside the shape: never written
        return st.fixed_dictionaries({}, optional={**members, **extra})
    if kind == "list":
        items = st.lists(output_values(shape.member, depth + 1), max_size=3)
        return st.one_of(items, items.map(tuple))
    if kind == "map":
        return st.dictionaries(TEXT, st.one_of(st.none(), output_values(shape.value, depth + 1)), max_size=3)
    if kind == "timestamp":
        return st.one_of(DATES, DATES.map(lambda d: d.isoformat().replace("+00:00", "Z")),
                         st.integers(min_value=0, max_value=2**32), st.floats(min_value=0, max_value=2**32))
    if kind in ("integer", "long"):
        return st.integers(min_value=-(2**40), max_value=2**40)
    if kind == "boolean":
        return st.booleans()
    if kind in ("double", "float"):
        return st.floats(allow_nan=False, allow_infinity=False)
    return TEXT


@pytest.mark.parametrize("name", [n for n in OPERATIONS if MODEL.operation_model(n).output_shape is not None])
def test_serializer_matches_the_shape_walking_reference(name):
    operation = MODEL.operation_model(name)

    @settings(**SETTINGS)
    @given(output_values(operation.output_shape))
    def check(response):
        assert serialize_response(operation, response) == reference_serialize(operation, response)

    check()


def test_serializer_on_a_stored_pipeline_document():
    operation = MODEL.operation_model("GetImagePipeline")
    response = {"requestId": "r", "imagePipeline": {
        "arn": "arn:aws:imagebuilder:us-east-1:123456789012:image-pipeline/p", "name": "p", "description": None,
        "imageTestsConfiguration": {"imageTestsEnabled": True, "timeoutMinutes": 720},
        "schedule": {"scheduleExpression": "cron(0 0 * * ? *)", "autoDisablePolicy": {"failureCount": 3}},
        "dateCreated": "2025-01-01T00:00:00.000Z", "tags": {}, "lastImageArn": "internal"}}
    assert serialize_response(operation, response) == reference_serialize(operation, response)


# --- parser ---------------------------------------------------------------------------------------

QUERY_TEXT = st.text(alphabet=st.sampled_from("aB0:/=&+% %2F%3A%e2%82%ac%zz%4é€ "), max_size=30)


def query_for(operation: OperationModel) -> st.SearchStrategy:
    """Query strings naming the operation's query members (and others), with odd encodings."""
    shape = operation.input_shape
    names = [m.serialization.get("name", n) for n, m in shape.members.items()
             if m.serialization.get("location") == "querystring"] + ["other", "max+Results", ""]
    pair = st.tuples(st.sampled_from(names).map(lambda n: quote(n, safe="+") if n else n),
                     st.one_of(QUERY_TEXT, st.integers().map(str), st.sampled_from(["true", "FALSE", "1.5"])),
                     st.sampled_from(["=", ""]))
    return st.lists(pair, max_size=4).map(lambda pairs: "&".join(k + s + v for k, v, s in pairs).encode("utf-8"))


def bodies_for(operation: OperationModel) -> st.SearchStrategy:
    """JSON objects with some of the body members (and an unknown key), or bodies that are not."""
    names = [n for n, m in operation.input_shape.members.items() if not m.serialization.get("location")]
    documents = st.dictionaries(st.sampled_from([*names, "unknown"]),
                                st.one_of(st.none(), TEXT, st.integers(-(2**40), 2**40)), max_size=5)
    return st.one_of(st.sampled_from([b"", b"  \n", b"[1]", b"{bad", b"\x0b{}", b"null"]), documents.map(orjson.dumps))


def _outcome(function, *args):
    try:
        return "ok", function(*args)
    except errors.ServiceError as error:
        return error.code, error.message


@pytest.mark.parametrize("name", [n for n in OPERATIONS if MODEL.operation_model(n).input_shape is not None])
def test_parser_matches_the_shape_walking_reference(name):
    operation = MODEL.operation_model(name)
    header_names = {m.serialization.get("name", n).lower() for n, m in operation.input_shape.members.items()
                    if m.serialization.get("location") == "header"}

    headers = st.dictionaries(st.sampled_from(sorted(header_names | {"x-other"})), TEXT)
    labels = st.dictionaries(st.sampled_from(["resourceArn", "other"]), TEXT)

    @settings(**SETTINGS)
    @given(query_for(operation), bodies_for(operation), headers, labels)
    def check(query, body, headers, labels):
        ours = _outcome(parse_request, operation, labels, query, headers, body)
        reference = _outcome(reference_parse, operation, labels, query, headers, body)
        assert ours == reference
        if ours[0] == "ok":
            assert list(ours[1]) == list(reference[1])  # same key order too

    check()


def test_parser_for_a_label_route():
    router = Router(MODEL)
    arn = "arn:aws:imagebuilder:us-east-1:123456789012:image-pipeline/p"
    route = router.resolve("POST", "/tags/" + quote(arn, safe=""))
    assert route is not None and route.uri_labels == {"resourceArn": arn}
    body = orjson.dumps({"tags": {"k": "v"}})
    assert parse_request(route.operation, route.uri_labels, b"", {}, body) == reference_parse(
        route.operation, route.uri_labels, b"", {}, body) == {"resourceArn": arn, "tags": {"k": "v"}}


@settings(max_examples=500)
@given(st.text(alphabet=st.sampled_from("ab:/+ %%%0123456789ABCDEFabcdef7fé€"), max_size=40))
def test_unquote_is_urllib_unquote(text):
    assert _unquote(text) == unquote(text)


@pytest.mark.parametrize("text", [
    "arn%3Aaws%3Aimagebuilder%3Aus-east-1%3A123456789012%3Aimage-pipeline%2Fp", "arn%3aaws%2f", "%253A", "%%3A",
    "%3A%", "%3A%2", "%2F%e2%82%ac", "%E2%82%AC", "%zz%3A", "a+b%2Bc", "%7F%80", "é%3Aé"])
def test_unquote_examples(text):
    assert _unquote(text) == unquote(text)


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from("ab=&+%2F%3A%e2%82%ac%zzé "), max_size=40))
def test_query_values_are_parse_qs(text):
    assert _query_values(text.encode("latin-1", "replace")) == parse_qs(
        text.encode("latin-1", "replace").decode("latin-1"), keep_blank_values=True)


# --- router and caller ----------------------------------------------------------------------------

def test_exact_routes_have_no_labels_and_match_a_trailing_slash():
    router = Router(MODEL)
    route = router.resolve("PUT", "/CreateImagePipeline")
    assert route is not None and route.operation.name == "CreateImagePipeline" and route.uri_labels == {}
    assert router.resolve("PUT", "/CreateImagePipeline/") == route
    assert router.resolve("GET", "/CreateImagePipeline") is None


@given(st.text(alphabet=st.sampled_from("0123456789A²١"), max_size=14))
def test_caller_takes_a_twelve_digit_access_key_as_the_account(access_key):
    authorization = f"AWS4-HMAC-SHA256 Credential={access_key}/20250101/eu-west-1/imagebuilder/aws4_request"
    who = Identity(Settings(account_id="111111111111"), None).identify(
        "GET", "/", b"", {"authorization": authorization}, b"")
    account, region = who.account, who.region
    if not access_key:
        assert (account, region) == ("111111111111", "us-east-1")  # no credential scope at all
        return
    assert region == "eu-west-1"
    assert account == (access_key if re.fullmatch(r"[0-9]{12}", access_key) else "111111111111")
