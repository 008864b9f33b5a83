"""The typed API layer: the checked-in generated module is the generator's output for the installed
model, its classes say what the model says, and the read-only operations agree with the model."""
from __future__ import annotations

import typing
from enum import StrEnum

import pytest

from openimagebuilder import api  # noqa: F401  (registers the handlers)
from openimagebuilder.api.registry import HANDLERS, READ_ONLY_OPERATIONS
from openimagebuilder.protocol import errors, generated
from openimagebuilder.protocol.generate import TARGET, enum_member_name, render
from openimagebuilder.protocol.model import service_model

MODEL = service_model()


def test_checked_in_module_is_the_generators_output():
    assert TARGET.read_text() == render(), "protocol/generated.py is stale: run `make generate`"


def test_one_exception_class_per_error_shape_with_its_status():
    assert sorted(error.code for error in generated.ERRORS) == sorted(shape.name for shape in MODEL.error_shapes)
    for shape in MODEL.error_shapes:
        error = getattr(generated, shape.name)
        assert issubclass(error, errors.ServiceError)
        assert error.status == shape.metadata["error"]["httpStatusCode"]
        assert errors.ERROR_CLASSES[shape.name] is error


def test_one_enum_per_enum_shape_with_the_models_values():
    shapes = [MODEL.shape_for(name) for name in MODEL.shape_names]
    enums = {shape.name: shape.enum for shape in shapes if shape.type_name == "string" and shape.enum}
    assert enums
    for name, values in enums.items():
        enum = getattr(generated, name)
        assert issubclass(enum, StrEnum)
        assert [member.value for member in enum] == values


@pytest.mark.parametrize(("value", "name"), [
    ("AVAILABLE", "AVAILABLE"), ("AWSMarketplace", "AWS_MARKETPLACE"), ("ThirdParty", "THIRD_PARTY"),
    ("macOS", "MAC_OS"), ("aws:ec2:image", "AWS_EC2_IMAGE"), ("gp3", "GP3"), ("x86_64", "X86_64")])
def test_enum_member_names(value, name):
    assert enum_member_name(value) == name


def test_request_and_response_types_follow_the_shapes():
    for name in MODEL.operation_names:
        operation = MODEL.operation_model(name)
        for shape in (operation.input_shape, operation.output_shape):
            typed = getattr(generated, shape.name)
            hints = typing.get_type_hints(typed)
            assert list(hints) == list(shape.members)
            assert typed.__required_keys__ == frozenset(shape.required_members)


def test_handlers_take_and_give_their_operations_types():
    """A handler's annotations name its own operation's request and response types, so the type
    checker checks its body against the model."""
    assert HANDLERS
    for name, handler in HANDLERS.items():
        hints = typing.get_type_hints(handler)
        operation = MODEL.operation_model(name)
        assert hints["params"] is getattr(generated, operation.input_shape.name), name
        assert hints["return"] is getattr(generated, operation.output_shape.name), name


def test_read_only_operations_agree_with_the_model():
    """The model has no read-only trait; what it does say: a GET changes nothing, and an operation
    with a client token or a dry run does."""
    names = set(MODEL.operation_names)
    assert READ_ONLY_OPERATIONS <= names
    for name in names:
        operation = MODEL.operation_model(name)
        members = operation.input_shape.members if operation.input_shape else {}
        if operation.http["method"] == "GET":
            assert name in READ_ONLY_OPERATIONS, name
        if name in READ_ONLY_OPERATIONS:
            assert operation.http["method"] in ("GET", "POST"), name
            assert not operation.idempotent_members and "dryRun" not in members, name
        else:
            assert operation.http["method"] != "GET", name
