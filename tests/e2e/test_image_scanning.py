"""`imageScanningConfiguration` on image pipelines (and CreateImage, which shares the rules), through
boto3 against `oib serve`: the rules a configuration must follow, and that a valid one is stored and
returned exactly as given. No scans run here."""
from __future__ import annotations

import pytest

from tests.conftest import unique
from tests.e2e.helpers import container_recipe, error_of, image_recipe, infrastructure, pipeline

NO_TESTS = {"imageTestsEnabled": False}


def scanning_of(client, arn: str) -> dict:
    return client.get_image_pipeline(imagePipelineArn=arn)["imagePipeline"]["imageScanningConfiguration"]


def refused(parameter: str, reason: str) -> tuple[str, str]:
    return ("InvalidParameterValueException",
            f"The value supplied for parameter 'imageScanningConfiguration.{parameter}' is not valid. {reason}")


def container_pipeline(client, **params) -> str:
    return client.create_image_pipeline(name=unique("pipeline"), containerRecipeArn=container_recipe(client),
                                        infrastructureConfigurationArn=infrastructure(client), **params)[
        "imagePipelineArn"]


def test_scanning_requires_image_tests(client):
    assert error_of(pipeline, client, imageTestsConfiguration=NO_TESTS,
                    imageScanningConfiguration={"imageScanningEnabled": True}) == refused(
        "imageScanningEnabled", "Image scanning requires image tests to be enabled.")
    arn = pipeline(client, imageTestsConfiguration=NO_TESTS, imageScanningConfiguration={"imageScanningEnabled": False})
    assert scanning_of(client, arn) == {"imageScanningEnabled": False}


def test_on_demand_ami_scan_requires_an_image_recipe(client):
    on_demand = {"imageScanningEnabled": True, "imageScanningTypes": ["ON_DEMAND_AMI_CVE"]}
    assert error_of(container_pipeline, client, imageScanningConfiguration=on_demand) == refused(
        "imageScanningTypes", "ON_DEMAND_AMI_CVE scans require an image recipe.")
    assert scanning_of(client, pipeline(client, imageScanningConfiguration=on_demand)) == on_demand


@pytest.mark.parametrize("scan_types", [None, ["TEST_INSTANCE_CVE"]])
def test_scan_result_condition_only_with_on_demand_ami_scan(client, scan_types):
    scanning = {"imageScanningEnabled": True, "scanResultCondition": {"maximumSeverityLabel": "HIGH"}}
    if scan_types:
        scanning["imageScanningTypes"] = scan_types
    assert error_of(pipeline, client, imageScanningConfiguration=scanning) == refused(
        "scanResultCondition", "scanResultCondition can only be set when imageScanningTypes is ON_DEMAND_AMI_CVE.")


@pytest.mark.parametrize("scanning", [
    {"imageScanningEnabled": True},  # no imageScanningTypes filled in (TEST_INSTANCE_CVE is AWS's default)
    {"imageScanningEnabled": True, "imageScanningTypes": ["TEST_INSTANCE_CVE"]},
    {"imageScanningEnabled": True, "imageScanningTypes": ["ON_DEMAND_AMI_CVE"],
     "scanResultCondition": {"maximumSeverityLabel": "MEDIUM"}},  # no fixAvailable filled in
    {"imageScanningEnabled": True, "imageScanningTypes": ["ON_DEMAND_AMI_CVE"],
     "scanResultCondition": {"maximumSeverityLabel": "INFORMATIONAL", "fixAvailable": False}},
])
def test_valid_configuration_is_returned_exactly_as_given(client, scanning):
    arn = pipeline(client, imageScanningConfiguration=scanning)
    assert scanning_of(client, arn) == scanning
    assert client.list_image_pipelines()["imagePipelineList"][0]["imageScanningConfiguration"] == scanning


def test_container_scanning_configuration_is_returned_as_given(client):
    scanning = {"imageScanningEnabled": True, "ecrConfiguration": {"repositoryName": "scans", "containerTags": ["a"]}}
    assert scanning_of(client, container_pipeline(client, imageScanningConfiguration=scanning)) == scanning


def test_model_constraints_on_the_configuration(client):
    code, message = error_of(pipeline, client, imageScanningConfiguration={
        "imageScanningEnabled": True, "imageScanningTypes": ["TEST_INSTANCE_CVE", "ON_DEMAND_AMI_CVE"]})
    assert code == "InvalidParameterValueException"
    assert "'imageScanningConfiguration.imageScanningTypes' must contain between 1 and 1 items." in message
    code, message = error_of(pipeline, client, imageScanningConfiguration={
        "imageScanningEnabled": True, "imageScanningTypes": ["ON_DEMAND_AMI_CVE"],
        "scanResultCondition": {"maximumSeverityLabel": "CRITICAL"}})
    assert code == "InvalidParameterValueException"
    assert "'imageScanningConfiguration.scanResultCondition.maximumSeverityLabel' must be one of" in message


def test_update_and_create_image_apply_the_same_rules(client):
    arn = pipeline(client)
    current = client.get_image_pipeline(imagePipelineArn=arn)["imagePipeline"]
    scanning = {"imageScanningEnabled": True, "scanResultCondition": {"maximumSeverityLabel": "LOW"}}
    expected = refused("scanResultCondition",
                       "scanResultCondition can only be set when imageScanningTypes is ON_DEMAND_AMI_CVE.")
    assert error_of(client.update_image_pipeline, imagePipelineArn=arn, imageRecipeArn=current["imageRecipeArn"],
                    infrastructureConfigurationArn=current["infrastructureConfigurationArn"],
                    imageScanningConfiguration=scanning) == expected
    assert "imageScanningConfiguration" not in client.get_image_pipeline(imagePipelineArn=arn)["imagePipeline"]
    assert error_of(client.create_image, imageRecipeArn=image_recipe(client),
                    infrastructureConfigurationArn=infrastructure(client), imageScanningConfiguration=scanning) == expected
