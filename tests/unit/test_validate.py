"""The model-driven validator: every constraint kind, nested paths, AWS's wording."""
from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openimagebuilder.protocol import errors
from openimagebuilder.protocol.model import service_model
from openimagebuilder.protocol.validate import ValidatorCache

MODEL = service_model()
VALIDATORS = ValidatorCache()
PIPELINE = MODEL.operation_model("CreateImagePipeline")
DISTRIBUTION = MODEL.operation_model("CreateDistributionConfiguration")
BASE = {"name": "pipe", "clientToken": "t",
        "infrastructureConfigurationArn": "arn:aws:imagebuilder:us-east-1:123456789012:infrastructure-configuration/i"}


def message_for(operation, params) -> str:
    with pytest.raises(errors.ServiceError) as info:
        VALIDATORS.validate(operation, params)
    assert info.value.code == "InvalidParameterValueException"
    assert info.value.status == 400
    return info.value.message


def test_valid_request_passes():
    VALIDATORS.validate(PIPELINE, dict(BASE, imageTestsConfiguration={"timeoutMinutes": 60}))


def test_nested_range_names_the_path():
    text = message_for(PIPELINE, dict(BASE, imageTestsConfiguration={"timeoutMinutes": 59}))
    assert text == ("The value supplied for parameter 'imageTestsConfiguration.timeoutMinutes' is not valid. "
                    "'imageTestsConfiguration.timeoutMinutes' must be between 60 and 1440.")


def test_required_member_missing():
    params = dict(BASE)
    del params["infrastructureConfigurationArn"]
    assert "'infrastructureConfigurationArn' is required." in message_for(PIPELINE, params)


def test_pattern_in_aws_wording():
    text = message_for(PIPELINE, dict(BASE, imageRecipeArn="arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/r"))
    assert text.startswith("The value supplied for parameter 'imageRecipeArn' is not valid. "
                           "'imageRecipeArn' must match pattern ^arn:aws")


def test_enum_and_type():
    assert "must be one of [DISABLED, ENABLED]" in message_for(PIPELINE, dict(BASE, status="PAUSED"))
    assert "'enhancedImageMetadataEnabled' must be a boolean." in message_for(
        PIPELINE, dict(BASE, enhancedImageMetadataEnabled="yes"))


@pytest.mark.parametrize("value", [True, False])
def test_json_boolean_is_not_an_integer(value):
    # Python's bool is an int: without an explicit check `true` would pass as 1 (boto3 stops it
    # client-side, raw HTTP and other SDKs do not).
    text = message_for(PIPELINE, dict(BASE, imageTestsConfiguration={"timeoutMinutes": value}))
    assert text.endswith("'imageTestsConfiguration.timeoutMinutes' must be an integer.")
    assert "'maxResults' must be an integer." in message_for(MODEL.operation_model("ListComponents"),
                                                             {"maxResults": value})


@pytest.mark.parametrize("name", sorted(
    name for name in MODEL.shape_names
    if MODEL.shape_for(name).type_name in ("integer", "long", "double", "float", "timestamp")))
def test_no_numeric_or_timestamp_shape_accepts_a_boolean(name):
    check = ValidatorCache()._compile(MODEL.shape_for(name))
    for value in (True, False):
        with pytest.raises(errors.ServiceError) as info:
            check(value, "v")
        assert info.value.code == "InvalidParameterValueException"
        assert "'v' must be " in info.value.message


def test_list_index_and_map_paths():
    text = message_for(DISTRIBUTION, {"name": "dist", "clientToken": "t", "distributions": [
        {"region": "us-east-1"},
        {"region": "us-west-2", "amiDistributionConfiguration": {"targetAccountIds": ["123"]}}]})
    assert "'distributions[1].amiDistributionConfiguration.targetAccountIds[0]'" in text
    assert "'tags.aws:x'" in message_for(PIPELINE, dict(BASE, tags={"aws:x": "v"}))


def test_count_limits():
    tags = {f"k{i}": "v" for i in range(51)}
    assert "'tags' must contain between 1 and 50 entries." in message_for(PIPELINE, dict(BASE, tags=tags))


def test_every_pattern_in_the_model_compiles_in_python():
    for name in MODEL.shape_names:
        pattern = MODEL.shape_for(name).metadata.get("pattern")
        if pattern:
            re.compile(pattern)


@given(st.integers())
def test_integer_range_property(value):
    params = dict(BASE, imageTestsConfiguration={"timeoutMinutes": value})
    if 60 <= value <= 1440:
        VALIDATORS.validate(PIPELINE, params)
    else:
        assert "timeoutMinutes" in message_for(PIPELINE, params)


@given(st.text(max_size=1100))
def test_string_length_property(value):
    params = dict(BASE, description=value)
    if 1 <= len(value) <= 1024:
        VALIDATORS.validate(PIPELINE, params)
    else:
        assert "'description' must have length between 1 and 1024 characters." in message_for(PIPELINE, params)


@given(st.one_of(st.integers(), st.floats(allow_nan=False), st.lists(st.integers()), st.dictionaries(st.text(), st.text())))
def test_wrong_types_never_crash(value):
    assert "'name' must be a string." in message_for(PIPELINE, dict(BASE, name=value))
