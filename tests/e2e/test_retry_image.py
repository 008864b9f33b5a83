"""RetryImage through boto3 against a real `oib serve`: a failed or cancelled AMI build runs again
in place (same build version) from the phase where it stopped."""
from __future__ import annotations

import uuid

from tests.e2e.helpers import (
    FAST,
    container_recipe,
    create_image,
    error_of,
    infrastructure,
    wait_done,
    wait_status,
    workflow_executions,
)


def token() -> str:
    return str(uuid.uuid4())


def test_a_failed_test_phase_runs_again_and_the_build_phase_is_kept(client):
    image = create_image(client, tags={**FAST, "oib:fail-step": "ApplyTestComponents"})
    failed = wait_done(client, image)
    assert failed["state"]["status"] == "FAILED"
    assert failed["state"]["failureContext"]["imageStatus"] == "TESTING"
    before = workflow_executions(client, image)
    client.untag_resource(resourceArn=image, tagKeys=["oib:fail-step"])

    response = client.retry_image(imageBuildVersionArn=image, clientToken=(t := token()))
    assert response["imageBuildVersionArn"] == image and response["clientToken"] == t
    done = wait_done(client, image)
    assert done["state"]["status"] == "AVAILABLE", done["state"]
    assert done["outputResources"]["amis"][0]["image"].startswith("ami-")
    after = workflow_executions(client, image)
    by_type = {}
    for execution in after:
        by_type.setdefault(execution["type"], []).append(execution["status"])
    # The build workflow ran once; the failed test workflow is still listed, and ran again.
    assert by_type["BUILD"] == ["COMPLETED"]
    assert sorted(by_type["TEST"]) == ["COMPLETED", "FAILED"]
    assert sorted(by_type["DISTRIBUTION"]) == ["COMPLETED", "SKIPPED"]
    assert len(after) == len(before) + 2
    # No new build version.
    versions = client.list_image_build_versions(imageVersionArn=image.rsplit("/", 1)[0])["imageSummaryList"]
    assert [v["arn"] for v in versions] == [image]


def test_a_failed_build_phase_runs_again_and_a_retried_image_can_be_retried_again(client):
    image = create_image(client, tags={**FAST, "oib:fail-step": "ApplyBuildComponents"})
    assert wait_done(client, image)["state"]["status"] == "FAILED"
    client.retry_image(imageBuildVersionArn=image, clientToken=token())
    assert wait_done(client, image)["state"]["status"] == "FAILED"  # still tagged to fail
    client.untag_resource(resourceArn=image, tagKeys=["oib:fail-step"])
    client.retry_image(imageBuildVersionArn=image, clientToken=token())
    assert wait_done(client, image)["state"]["status"] == "AVAILABLE"
    builds = [e["status"] for e in workflow_executions(client, image) if e["type"] == "BUILD"]
    assert sorted(builds) == ["COMPLETED", "FAILED", "FAILED"]


def test_a_cancelled_image_can_be_retried(client):
    image = create_image(client, tags={"oib:step-seconds": "5"})
    wait_status(client, image, "BUILDING")
    client.cancel_image_creation(imageBuildVersionArn=image, clientToken=token())
    assert wait_done(client, image)["state"]["status"] == "CANCELLED"
    client.tag_resource(resourceArn=image, tags={"oib:step-seconds": "0.02"})
    client.retry_image(imageBuildVersionArn=image, clientToken=token())
    assert wait_done(client, image)["state"]["status"] == "AVAILABLE"


def test_images_that_cannot_be_retried(client):
    available = wait_done(client, create_image(client))["arn"]
    assert error_of(client.retry_image, imageBuildVersionArn=available, clientToken=token()) == (
        "InvalidRequestException", f"The image '{available}' cannot be retried because its status is AVAILABLE. "
                                   "Only a FAILED or CANCELLED image can be retried.")
    building = create_image(client, tags={"oib:step-seconds": "5"})
    assert error_of(client.retry_image, imageBuildVersionArn=building, clientToken=token())[0] == \
        "ResourceInUseException"
    client.cancel_image_creation(imageBuildVersionArn=building, clientToken=token())
    missing = available.rsplit("/", 1)[0] + "/99"
    assert error_of(client.retry_image, imageBuildVersionArn=missing, clientToken=token()) == (
        "ResourceNotFoundException", f"The resource ARN '{missing}' does not exist.")
    container = client.create_image(
        containerRecipeArn=container_recipe(client), infrastructureConfigurationArn=infrastructure(client),
        tags={**FAST, "oib:fail-step": "ApplyBuildComponents"})["imageBuildVersionArn"]
    assert wait_done(client, container)["state"]["status"] == "FAILED"
    assert error_of(client.retry_image, imageBuildVersionArn=container, clientToken=token()) == (
        "InvalidRequestException", f"The image '{container}' cannot be retried: retry is only supported for "
                                   "AMI-based images.")


def test_the_same_client_token_answers_the_first_retry_again(client):
    image = create_image(client, tags={**FAST, "oib:fail-step": "ApplyBuildComponents"})
    wait_done(client, image)
    t = token()
    first = client.retry_image(imageBuildVersionArn=image, clientToken=t)
    again = client.retry_image(imageBuildVersionArn=image, clientToken=t)
    assert again["imageBuildVersionArn"] == first["imageBuildVersionArn"] == image
    wait_done(client, image)
    builds = [e for e in workflow_executions(client, image) if e["type"] == "BUILD"]
    assert len(builds) == 2
