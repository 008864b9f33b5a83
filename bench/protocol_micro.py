"""Per-request CPU cost of the protocol layer, step by step, without HTTP or the store.

Times the calls `server/dispatch.py` makes for each request — router.resolve, parse_request,
validators.validate, caller() and serialize_response — for two requests built exactly as boto3
builds them (botocore's own rest-json serializer, SigV4-shaped Authorization header, headers
lower-cased as the ASGI app hands them over):

- CreateImagePipeline: PUT /CreateImagePipeline, JSON body with name, imageRecipeArn,
  infrastructureConfigurationArn and clientToken; response {requestId, clientToken, imagePipelineArn};
- GetImagePipeline: GET /GetImagePipeline?imagePipelineArn=<percent-encoded ARN>; response a stored
  image pipeline document as the handler returns it (about 15 members, dates as strings, tags {},
  imageTestsConfiguration, schedule, and one internal key that the serializer must drop).

    python bench/protocol_micro.py              # best of 7 repeats of 20000 calls per step
    python bench/protocol_micro.py -n 100000 -r 5
"""
from __future__ import annotations

import argparse
import sys
import timeit
import urllib.parse
from collections.abc import Callable
from typing import Any

from botocore.serialize import create_serializer

from openimagebuilder.protocol.model import service_model
from openimagebuilder.protocol.parser import parse_request
from openimagebuilder.protocol.router import Router
from openimagebuilder.protocol.serializer import serialize_response
from openimagebuilder.protocol.validate import ValidatorCache
from openimagebuilder.server.identity import caller
from openimagebuilder.server.settings import Settings

ACCOUNT = "123456789012"
PREFIX = f"arn:aws:imagebuilder:us-east-1:{ACCOUNT}"
PIPELINE_ARN = f"{PREFIX}:image-pipeline/bench-pipeline"
AUTH = ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/imagebuilder/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, "
        "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")

CREATE_PARAMS = {
    "name": "bench-pipeline",
    "imageRecipeArn": f"{PREFIX}:image-recipe/bench-recipe/1.0.0",
    "infrastructureConfigurationArn": f"{PREFIX}:infrastructure-configuration/bench-infra",
    "clientToken": "8f14e45f-ceea-467a-9b3c-1c2f0d9e2a51",
}
CREATE_RESPONSE = {
    "imagePipelineArn": PIPELINE_ARN,
    "clientToken": CREATE_PARAMS["clientToken"],
    "requestId": "0b1f7c1e-7a52-4c47-9d4b-6c1f2f3e4d5a",
}
GET_RESPONSE = {
    "imagePipeline": {
        "arn": PIPELINE_ARN,
        "name": "bench-pipeline",
        "description": "Nightly build of the bench image",
        "platform": "Linux",
        "enhancedImageMetadataEnabled": True,
        "imageRecipeArn": CREATE_PARAMS["imageRecipeArn"],
        "infrastructureConfigurationArn": CREATE_PARAMS["infrastructureConfigurationArn"],
        "imageTestsConfiguration": {"imageTestsEnabled": True, "timeoutMinutes": 720},
        "schedule": {"scheduleExpression": "cron(0 0 * * ? *)", "timezone": "UTC",
                     "pipelineExecutionStartCondition": "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE"},
        "status": "ENABLED",
        "dateCreated": "2025-01-01T00:00:00.000Z",
        "dateUpdated": "2025-01-01T00:00:00.000Z",
        "dateLastRun": "2025-01-02T00:00:00.000Z",
        "lastRunStatus": "AVAILABLE",
        "dateNextRun": "2025-01-03T00:00:00.000Z",
        "tags": {},
        "lastImageArn": f"{PREFIX}:image/bench-recipe/1.0.0/1",  # internal: not in the output shape
    },
    "requestId": "0b1f7c1e-7a52-4c47-9d4b-6c1f2f3e4d5a",
}


def boto3_request(operation_name: str, params: dict[str, Any]) -> tuple[str, str, bytes, dict[str, str], bytes]:
    """(method, raw path, query, headers, body) as the ASGI app hands them to the dispatcher."""
    operation = service_model().operation_model(operation_name)
    request = create_serializer("rest-json", include_validation=False).serialize_to_request(params, operation)
    query = "&".join(f"{urllib.parse.quote(key, safe='-_.~')}={urllib.parse.quote(value, safe='-_.~')}"
                     for key, value in request["query_string"].items())
    body = request["body"] if isinstance(request["body"], bytes) else request["body"].encode()
    headers = {"host": "127.0.0.1:4010", "accept-encoding": "identity",
               "user-agent": "Boto3/1.44.8 md/Botocore#1.44.8 ua/2.1 os/linux lang/python#3.11.7",
               "x-amz-date": "20250101T000000Z", "authorization": AUTH}
    headers.update({key.lower(): value for key, value in request["headers"].items()})
    if body:
        headers["content-length"] = str(len(body))
    return request["method"], request["url_path"], query.encode(), headers, body


def steps(operation_name: str, params: dict[str, Any], response: dict[str, Any]) -> list[tuple[str, Callable[[], Any]]]:
    router = Router(service_model())
    validators = ValidatorCache()
    settings = Settings()
    method, path, query, headers, body = boto3_request(operation_name, params)
    route = router.resolve(method, path)
    assert route is not None and route.operation.name == operation_name, (method, path)
    operation = route.operation
    parsed = parse_request(operation, route.uri_labels, query, headers, body)
    assert parsed == params, parsed
    validators.validate(operation, parsed)
    assert caller(headers.get("authorization"), settings) == (ACCOUNT, "us-east-1")
    return [
        ("router.resolve", lambda: router.resolve(method, path)),
        ("parse_request", lambda: parse_request(operation, route.uri_labels, query, headers, body)),
        ("validators.validate", lambda: validators.validate(operation, parsed)),
        ("caller", lambda: caller(headers.get("authorization"), settings)),
        ("serialize_response", lambda: serialize_response(operation, response)),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=20000, help="calls per repeat (20000)")
    parser.add_argument("-r", type=int, default=7, help="repeats; the best is reported (7)")
    opts = parser.parse_args()
    cases = [("CreateImagePipeline", CREATE_PARAMS, CREATE_RESPONSE),
             ("GetImagePipeline", {"imagePipelineArn": PIPELINE_ARN}, GET_RESPONSE)]
    print(f"{'operation':<22}{'step':<22}{'us/call':>9}")
    for name, params, response in cases:
        total = 0.0
        for step, call in steps(name, params, response):
            call()  # warm the per-operation caches before timing
            best = min(timeit.repeat(call, number=opts.n, repeat=opts.r)) / opts.n * 1e6
            total += best
            print(f"{name:<22}{step:<22}{best:9.2f}")
        print(f"{name:<22}{'total':<22}{total:9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
