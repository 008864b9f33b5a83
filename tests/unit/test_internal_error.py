"""An unexpected failure inside a handler: the client gets ServiceException (500) in the rest-json
wire form botocore parses, with the request id, and the failure is logged with its traceback."""
from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from botocore.parsers import create_parser

from openimagebuilder.api.registry import HANDLERS
from openimagebuilder.protocol.model import service_model
from openimagebuilder.server.app import ImageBuilderApp
from openimagebuilder.server.settings import Settings

AUTH = ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/imagebuilder/aws4_request, "
        "SignedHeaders=host, Signature=0")
OPERATION = "GetMarketplaceResource"  # the test gives it a failing handler for its duration


@pytest.fixture
def app(tmp_path) -> Iterator[ImageBuilderApp]:  # type: ignore[no-untyped-def]
    app = ImageBuilderApp(Settings(data_dir=str(tmp_path / "data")))
    yield app
    app.close()


@pytest.fixture
def failing_handler() -> Iterator[None]:
    original = HANDLERS.get(OPERATION)

    def handler(ctx, params):  # type: ignore[no-untyped-def]
        raise KeyError("a bug in a handler")

    HANDLERS[OPERATION] = handler
    yield
    if original is None:
        del HANDLERS[OPERATION]
    else:
        HANDLERS[OPERATION] = original


def test_an_unexpected_failure_is_a_logged_service_exception(app, failing_handler, caplog):  # type: ignore[no-untyped-def]
    body = json.dumps({"resourceType": "COMPONENT_DATA",
                       "resourceArn": "arn:aws:imagebuilder:us-east-1:aws-marketplace:component/x/1.0.0/1"})
    with caplog.at_level(logging.ERROR, logger="openimagebuilder.request"):
        response = app.dispatcher.handle("POST", "/GetMarketplaceResource", b"",
                                         {"authorization": AUTH, "content-type": "application/json"},
                                         body.encode(), app.inline)
    headers = {key.decode(): value.decode() for key, value in response.headers}
    assert response.status == 500
    assert headers["x-amzn-errortype"].split(":")[0] == "ServiceException"
    parsed = create_parser("rest-json").parse(
        {"status_code": 500, "headers": headers, "body": response.body},
        service_model().operation_model(OPERATION).output_shape)
    assert parsed["Error"]["Code"] == "ServiceException"
    assert parsed["Error"]["Message"] == f"An internal error occurred. Request id: {response.request_id}"
    assert parsed["ResponseMetadata"]["RequestId"] == response.request_id
    assert b"Traceback" not in response.body and b"KeyError" not in response.body
    [record] = [r for r in caplog.records if "unexpected failure" in r.getMessage()]
    assert OPERATION in record.getMessage() and response.request_id in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is KeyError
