"""DistributeImage, the image scan finding lists and GetMarketplaceResource through boto3 against
a real `oib serve`."""
from __future__ import annotations

import uuid

import pytest

from tests.conftest import unique
from tests.e2e.helpers import (
    REGION,
    ROLE,
    create_image,
    error_of,
    wait_done,
    workflow_executions,
)


def token() -> str:
    return str(uuid.uuid4())


def two_region_distribution(client) -> str:
    return client.create_distribution_configuration(name=unique("dist"), distributions=[
        {"region": REGION, "amiDistributionConfiguration": {"name": "copy-{{ imagebuilder:buildDate }}"}},
        {"region": "eu-west-1", "amiDistributionConfiguration": {"name": "copy-{{ imagebuilder:buildDate }}"}},
    ])["distributionConfigurationArn"]


# -- DistributeImage ------------------------------------------------------------------------------
@pytest.mark.parametrize("by", ["build ARN", "version ARN", "AMI id"])
def test_an_available_image_is_distributed_again_as_a_new_build_version(client, by):
    source = wait_done(client, create_image(client))
    ami = source["outputResources"]["amis"][0]["image"]
    given = {"build ARN": source["arn"], "version ARN": source["arn"].rsplit("/", 1)[0], "AMI id": ami}[by]
    distribution = two_region_distribution(client)
    response = client.distribute_image(sourceImage=given, distributionConfigurationArn=distribution,
                                       executionRole=ROLE, clientToken=(t := token()), tags={"copy": "yes"})
    copy = response["imageBuildVersionArn"]
    assert response["clientToken"] == t
    assert copy == source["arn"].rsplit("/", 1)[0] + "/2"
    image = wait_done(client, copy)
    assert image["state"]["status"] == "AVAILABLE", image["state"]
    amis = image["outputResources"]["amis"]
    assert [a["region"] for a in amis] == [REGION, "eu-west-1"]
    assert len({a["image"] for a in amis} | {ami}) == 3  # new AMI ids in every region
    assert image["distributionConfiguration"]["arn"] == distribution
    assert image["tags"] == {"copy": "yes"}
    assert image["name"] == source["name"] and image["version"] == source["version"].rsplit("/", 1)[0] + "/2"
    # Only the distribution phase ran.
    assert [(e["type"], e["status"]) for e in workflow_executions(client, copy)] == [("DISTRIBUTION", "COMPLETED")]


def test_distribute_image_errors(client):
    distribution = two_region_distribution(client)
    failed = wait_done(client, create_image(client, tags={"oib:step-seconds": "0.02",
                                                          "oib:fail-step": "ApplyBuildComponents"}))["arn"]

    def distribute(source: str, dist: str = distribution):
        return error_of(client.distribute_image, sourceImage=source, distributionConfigurationArn=dist,
                        executionRole=ROLE, clientToken=token())

    prefix = "The value supplied for parameter 'sourceImage' is not valid. "
    assert distribute(failed) == ("InvalidParameterValueException",
                                  f"{prefix}The image '{failed}' has no AMI in {REGION} to distribute (its status is "
                                  "FAILED).")
    assert distribute("ami-0123456789abcdef0") == (
        "InvalidParameterValueException",
        f"{prefix}The AMI 'ami-0123456789abcdef0' was not made by an image of this account in {REGION}.")
    assert distribute("ssm:/my/ami")[0] == "InvalidParameterValueException"
    assert distribute("not-an-image")[0] == "InvalidParameterValueException"
    missing = failed.rsplit("/", 1)[0] + "/99"
    assert distribute(missing)[0] == "InvalidParameterValueException"
    source = wait_done(client, create_image(client))["arn"]
    missing_dist = distribution + "-nope"
    assert distribute(source, missing_dist) == (
        "InvalidParameterValueException",
        "The value supplied for parameter 'distributionConfigurationArn' is not valid. "
        f"The resource '{missing_dist}' does not exist.")


def test_distribute_image_is_idempotent(client):
    source = wait_done(client, create_image(client))["arn"]
    distribution = two_region_distribution(client)
    t = token()
    first = client.distribute_image(sourceImage=source, distributionConfigurationArn=distribution,
                                    executionRole=ROLE, clientToken=t)["imageBuildVersionArn"]
    again = client.distribute_image(sourceImage=source, distributionConfigurationArn=distribution,
                                    executionRole=ROLE, clientToken=t)["imageBuildVersionArn"]
    assert first == again
    wait_done(client, first)
    builds = client.list_image_build_versions(imageVersionArn=source.rsplit("/", 1)[0])["imageSummaryList"]
    assert len(builds) == 2


# -- scan findings ----------------------------------------------------------------------------------
def test_scan_findings_are_empty_with_the_documented_shapes(client):
    image = wait_done(client, create_image(client))["arn"]
    findings = client.list_image_scan_findings()
    assert findings["findings"] == [] and "nextToken" not in findings and findings["requestId"]
    assert client.list_image_scan_findings(filters=[{"name": "imageBuildVersionArn", "values": [image]}])[
        "findings"] == []
    assert client.list_image_scan_findings(filters=[{"name": "severity", "values": ["HIGH"]}])["findings"] == []
    code, message = error_of(client.list_image_scan_findings, filters=[{"name": "colour", "values": ["red"]}])
    assert (code, message) == ("InvalidParameterValueException",
                               "The value supplied for parameter 'filters[0].name' is not valid. The filter name "
                               "'colour' is not supported. Supported filters: [imageBuildVersionArn, "
                               "imagePipelineArn, severity, vulnerabilityId].")
    assert error_of(client.list_image_scan_findings, nextToken="forged")[0] == "InvalidPaginationTokenException"

    account = client.list_image_scan_finding_aggregations()
    assert account["aggregationType"] == "accountId" and account["responses"] == []
    by_pipeline = client.list_image_scan_finding_aggregations(
        filter={"name": "imagePipelineArn", "values": ["arn:aws:imagebuilder:us-east-1:123456789012:image-pipeline/p"]})
    assert by_pipeline["aggregationType"] == "imagePipelineArn" and by_pipeline["responses"] == []
    assert error_of(client.list_image_scan_finding_aggregations, filter={"name": "severity", "values": ["HIGH"]})[
        0] == "InvalidParameterValueException"


# -- GetMarketplaceResource ---------------------------------------------------------------------
def test_marketplace_resources_cannot_be_had_here(client):
    arn = "arn:aws:imagebuilder:us-east-1:aws-marketplace:component/cis-hardening/1.0.0/1"
    assert error_of(client.get_marketplace_resource, resourceType="COMPONENT_DATA", resourceArn=arn) == (
        "ForbiddenException", f"You are not entitled to the AWS Marketplace resource '{arn}'. This service has no "
                              "AWS Marketplace subscriptions.")
    own = "arn:aws:imagebuilder:us-east-1:123456789012:component/mine/1.0.0/1"
    assert error_of(client.get_marketplace_resource, resourceType="COMPONENT_ARTIFACT", resourceArn=own,
                    resourceLocation="s3://bucket/key") == (
        "InvalidRequestException", f"The resource '{own}' is not an AWS Marketplace component.")
