"""Bad input never crashes the service: requests generated from the model (mostly well-formed, with
ARNs of resources that exist, values near and past the model's limits) go through the real
dispatcher on a real store, and every answer is a modelled success or a client error that
botocore parses; never a 500."""
from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from botocore.model import OperationModel, Shape
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openimagebuilder.api.registry import HANDLERS
from openimagebuilder.protocol.model import service_model
from openimagebuilder.server.app import ImageBuilderApp
from openimagebuilder.server.settings import Settings
from openimagebuilder.store.database import InlineTransactions

from .model_strategies import values

MODEL = service_model()
IMPLEMENTED = sorted(name for name in MODEL.operation_names if name in HANDLERS)
AUTH = ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/imagebuilder/aws4_request, "
        "SignedHeaders=host, Signature=0")
PREFIX = "arn:aws:imagebuilder:us-east-1:123456789012"
COMPONENT_YAML = """name: fuzz
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Hello
        action: ExecuteBash
        inputs:
          commands: ["echo hello"]
"""
WORKFLOW_YAML = """name: fuzz
schemaVersion: 1.0
steps:
  - name: LaunchBuildInstance
    action: LaunchInstance
    onFailure: Abort
    inputs:
      waitFor: ssmAgent
"""


def _send(app: ImageBuilderApp, operation: OperationModel, params: dict) -> tuple[int, dict, bytes]:
    request = create_serializer("rest-json", include_validation=False).serialize_to_request(params, operation)
    path, _, query = request["url_path"].partition("?")
    if request["query_string"]:
        from urllib.parse import urlencode
        query = urlencode(request["query_string"], doseq=True)
    body = request["body"] if isinstance(request["body"], bytes) else request["body"].encode()
    headers = {key.lower(): value for key, value in request["headers"].items()}
    headers["authorization"] = AUTH
    response = app.dispatcher.handle(request["method"], path, query.encode(), headers, body, app.test_inline)
    if app.test_inline.is_open:  # as the server does once the loop has run the requests of the moment
        app.test_inline.commit()
    return response.status, {k.decode(): v.decode() for k, v in response.headers}, response.body


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[ImageBuilderApp]:
    app = ImageBuilderApp(Settings(data_dir=str(tmp_path_factory.mktemp("fuzz") / "data"), log_level="warning"))
    # The server's SQLite transactions, without an event loop to schedule their commit on.
    app.test_inline = InlineTransactions(app.engine, on_open=lambda: None)  # type: ignore[attr-defined]
    yield app
    app.test_inline.close()  # type: ignore[attr-defined]
    app.close()


@pytest.fixture(scope="module")
def existing_arns(app) -> list[str]:  # type: ignore[no-untyped-def]
    """Resources that generated requests refer to, so that handlers get past "not found"."""
    def call(operation: str, **params) -> dict:  # type: ignore[no-untyped-def]
        status, _, body = _send(app, MODEL.operation_model(operation), params)
        assert status == 200, body
        return json.loads(body)

    component = call("CreateComponent", name="fuzz", semanticVersion="1.0.0", platform="Linux",
                     data=COMPONENT_YAML, clientToken="c1")["componentBuildVersionArn"]
    recipe = call("CreateImageRecipe", name="fuzz", semanticVersion="1.0.0",
                  parentImage="arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2-x86/x.x.x",
                  components=[{"componentArn": component}], clientToken="c2")["imageRecipeArn"]
    infrastructure = call("CreateInfrastructureConfiguration", name="fuzz", instanceProfileName="p",
                          clientToken="c3")["infrastructureConfigurationArn"]
    distribution = call("CreateDistributionConfiguration", name="fuzz", clientToken="c4", distributions=[
        {"region": "us-east-1", "amiDistributionConfiguration": {"name": "fuzz-{{ imagebuilder:buildDate }}"}}],
    )["distributionConfigurationArn"]
    workflow = call("CreateWorkflow", name="fuzz", semanticVersion="1.0.0", type="BUILD", data=WORKFLOW_YAML,
                    clientToken="c5")["workflowBuildVersionArn"]
    pipeline = call("CreateImagePipeline", name="fuzz", imageRecipeArn=recipe,
                    infrastructureConfigurationArn=infrastructure, clientToken="c6")["imagePipelineArn"]
    return [component, component.rsplit("/", 1)[0], recipe, infrastructure, distribution, workflow, pipeline,
            f"{PREFIX}:image-recipe/fuzz/x.x.x", f"{PREFIX}:component/fuzz/1.x.x",
            "arn:aws:imagebuilder:us-east-1:aws:workflow/build/build-image/x.x.x",
            "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x",
            "arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2-x86/x.x.x"]


def plausible(shape: Shape, arns: list[str], depth: int = 0) -> st.SearchStrategy:
    """Values of a shape: mostly within its constraints (so that requests reach the handlers),
    sometimes at or past them."""
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        if depth > 4:
            return st.just({})
        members = {name: plausible(member, arns, depth + 1) for name, member in shape.members.items()}
        required = {name: members[name] for name in shape.required_members}
        optional = {name: strategy for name, strategy in members.items() if name not in required}
        return st.fixed_dictionaries(required, optional=optional)
    if kind == "list":
        low, high = meta.get("min", 0), min(meta.get("max", 3), 3)
        return st.lists(plausible(shape.member, arns, depth + 1), min_size=min(low, high), max_size=max(low, high))
    if kind == "map":
        return st.dictionaries(st.text(min_size=1, max_size=8), plausible(shape.value, arns, depth + 1), max_size=3)
    if kind in ("integer", "long"):
        low, high = meta.get("min", -5), meta.get("max", 100_000)
        return st.integers(min_value=low - 1, max_value=high + 1)
    if kind != "string" or shape.enum:
        return values(shape)  # booleans, numbers, timestamps, enums
    options = [st.text(max_size=meta.get("max", 20) + 1)]
    if "Arn" in shape.name or "arn" in shape.name.lower():
        options.append(st.sampled_from(arns))
    if meta.get("pattern"):
        try:
            options.append(st.from_regex(meta["pattern"], fullmatch=True).filter(lambda text: len(text) <= 1024))
        except Exception:  # noqa: BLE001 - a pattern hypothesis cannot generate from
            pass
    return st.one_of(options)


@pytest.mark.parametrize("name", IMPLEMENTED)
def test_generated_requests_get_a_modelled_answer_never_a_500(app, existing_arns, name):  # type: ignore[no-untyped-def]
    operation = MODEL.operation_model(name)
    parser = create_parser("rest-json")

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(plausible(operation.input_shape, existing_arns) if operation.input_shape else st.just({}))
    def check(params: dict) -> None:
        status, headers, body = _send(app, operation, params)
        assert status != 500, f"{name} {params!r}: {body!r}"
        shape = operation.output_shape
        parsed = parser.parse({"status_code": status, "headers": headers, "body": body}, shape)
        if status >= 400:
            codes = {error.name for error in MODEL.operation_model(name).error_shapes} | {
                "InvalidParameterValueException", "SerializationException", "DryRunOperationException",
                "ResourceNotFoundException", "InvalidRequestException", "InvalidParameterException",
                "ResourceAlreadyExistsException", "ResourceDependencyException", "InvalidVersionNumberException",
                "InvalidParameterCombinationException", "InvalidPaginationTokenException",
                "IdempotentParameterMismatchException", "ServiceQuotaExceededException",
                "UnknownOperationException"}  # an empty URI label (botocore's client refuses it) routes nowhere
            assert parsed["Error"]["Code"] in codes, f"{name} {params!r}: {body!r}"
            assert parsed["Error"]["Message"]

    check()
