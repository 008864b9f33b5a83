"""Wire-format oracles: botocore's own rest-json serializer and parser against ours, for every
operation and every modelled error in the model.

- requests: params → botocore serializer → our router + parser → the same params;
- responses: a generated output → our serializer → botocore's parser → the same output;
- errors: each error shape → our error serializer → botocore's parser → same code, message, status.
"""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

import pytest
from botocore.model import OperationModel, Shape
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from hypothesis import HealthCheck, given, settings

from openimagebuilder.protocol import errors
from openimagebuilder.protocol.model import service_model
from openimagebuilder.protocol.parser import parse_request
from openimagebuilder.protocol.router import Router
from openimagebuilder.protocol.serializer import serialize_error, serialize_response

from .model_strategies import values

MODEL = service_model()
ROUTER = Router(MODEL)
OPERATIONS = list(MODEL.operation_names)
def _roundtrip_request(operation: OperationModel, params: dict) -> dict:
    request = create_serializer("rest-json", include_validation=False).serialize_to_request(params, operation)
    url = urlsplit(request["url_path"])
    query = "&".join(f"{k}={v}" for k, v in _query_pairs(request["query_string"]))
    route = ROUTER.resolve(request["method"], url.path)
    assert route is not None and route.operation.name == operation.name
    headers = {k.lower(): v for k, v in request["headers"].items()}
    body = request["body"] if isinstance(request["body"], bytes) else request["body"].encode()
    return parse_request(operation, route.uri_labels, query.encode(), headers, body)


def _query_pairs(query):
    from urllib.parse import quote
    items = query.items() if isinstance(query, dict) else query
    for key, value in items:
        for item in (value if isinstance(value, list) else [value]):
            yield quote(str(key), safe=""), quote(str(item), safe="")


def _normalize(shape: Shape, value):
    """botocore drops empty collections from query strings; compare on what goes over the wire."""
    if shape.type_name == "structure":
        out = {}
        for name, member in shape.members.items():
            if name in value:
                item = _normalize(member, value[name])
                if member.serialization.get("location") == "querystring" and item == []:
                    continue
                out[name] = item
        return out
    if shape.type_name == "list":
        return [_normalize(shape.member, item) for item in value]
    if shape.type_name == "map":
        return {k: _normalize(shape.value, v) for k, v in value.items()}
    return value


@pytest.mark.parametrize("name", OPERATIONS)
def test_every_operation_routes_and_parses_like_botocore_serializes(name):
    operation = MODEL.operation_model(name)
    if operation.input_shape is None:
        return

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(values(operation.input_shape))
    def check(params):
        parsed = _roundtrip_request(operation, params)
        assert parsed == _normalize(operation.input_shape, params)

    check()


def _epochs(value):
    """botocore parses timestamps into datetimes; compare them as the epoch seconds we sent."""
    if isinstance(value, dict):
        return {k: _epochs(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_epochs(v) for v in value]
    if isinstance(value, datetime):
        return value.timestamp()
    return value


@pytest.mark.parametrize("name", OPERATIONS)
def test_every_operation_response_parses_with_botocore(name):
    operation = MODEL.operation_model(name)
    if operation.output_shape is None:
        return

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(values(operation.output_shape))
    def check(output):
        body = serialize_response(operation, output)
        parsed = create_parser("rest-json").parse(
            {"status_code": 200, "headers": {"x-amzn-requestid": "r"}, "body": body}, operation.output_shape)
        parsed.pop("ResponseMetadata", None)
        assert _epochs(parsed) == output

    check()


def test_unset_members_are_absent_not_null():
    operation = MODEL.operation_model("GetImagePipeline")
    body = serialize_response(operation, {"requestId": "r", "imagePipeline": {"name": "p", "description": None}})
    assert body == b'{"requestId":"r","imagePipeline":{"name":"p"}}'


@pytest.mark.parametrize("code", sorted(errors.ERROR_CLASSES))
def test_every_error_parses_with_botocore(code):
    error = errors.ERROR_CLASSES[code](f"message for {code}")
    status, headers, body = serialize_error(error, "request-1")
    parsed = create_parser("rest-json").parse(
        {"status_code": status, "headers": {k.decode(): v.decode() for k, v in headers}, "body": body},
        MODEL.operation_model("GetImagePipeline").output_shape)
    assert parsed["Error"]["Code"] == code
    assert parsed["Error"]["Message"] == f"message for {code}"
    assert parsed["ResponseMetadata"]["RequestId"] == "request-1"
    assert parsed["ResponseMetadata"]["HTTPStatusCode"] == status
    if code in MODEL.shape_names:
        assert status == MODEL.shape_for(code).metadata["error"]["httpStatusCode"]
