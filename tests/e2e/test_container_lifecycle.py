"""A lifecycle policy's daily run, fired by the scheduler, removes from the registry the manifests of
the container images it DELETES with their containers, as DeleteImage does: real container builds
(buildah, the local registry) on a server with the manual clock, on both stores."""
from __future__ import annotations

import contextlib
import time

import pytest

from tests.conftest import STORES, scratch_database, start_server, stop_process, unique
from tests.e2e.helpers import ROLE
from tests.e2e.test_container_builds import (  # noqa: F401 - fixtures
    BUILD_DOC,
    REGION,
    _component,
    _pipeline,
    _wait,
    busybox_parent,
    pytestmark,
    registry,
    scratch,
)
from tests.e2e.test_schedules import DAY, advance


@pytest.fixture(scope="module", params=STORES)
def clock_server(request, registry, busybox_parent, scratch, tmp_path_factory):  # noqa: F811
    tmp = tmp_path_factory.mktemp(f"real-clock-{request.param}")
    env = {"OIB_BACKEND": "real", "OIB_REGISTRY_URL": registry.url, "OIB_CLOCK": "manual",
           "OIB_CONTAINER_ROOT": str(scratch / f"clock-{request.param}"), "OIB_LEASE_SECONDS": "3"}
    with contextlib.ExitStack() as stack:
        database_url = stack.enter_context(scratch_database()) if request.param == "postgresql" else ""
        server = start_server(request.param, database_url, tmp, env)
        stack.callback(stop_process, server.process)
        yield server


def test_a_policy_run_deletes_the_manifests_of_the_images_it_deletes(clock_server, busybox_parent, registry):  # noqa: F811
    client = clock_server.client()
    repository = unique("aged")
    pipeline = _pipeline(client, busybox_parent, [_component(client, BUILD_DOC)], repository=repository)
    recipe = client.get_image_pipeline(imagePipelineArn=pipeline)["imagePipeline"]["containerRecipeArn"]
    name = client.get_container_recipe(containerRecipeArn=recipe)["containerRecipe"]["name"]
    images = []
    for _ in range(2):
        image_arn = client.start_image_pipeline_execution(imagePipelineArn=pipeline)["imageBuildVersionArn"]
        assert _wait(client, image_arn, timeout=60)["state"]["status"] == "AVAILABLE"
        images.append(image_arn)
    repo = f"{images[0].split(':')[4]}/{REGION}/{repository}"
    assert registry.tags(repo) == ["1.0.0-1", "1.0.0-2"]

    client.create_lifecycle_policy(
        name=unique("policy"), executionRole=ROLE, resourceType="CONTAINER_IMAGE",
        policyDetails=[{"action": {"type": "DELETE", "includeResources": {"containers": True}},
                        "filter": {"type": "COUNT", "value": 1}}],
        resourceSelection={"recipes": [{"name": name, "semanticVersion": "1.x.x"}]})
    advance(clock_server, DAY + 60)  # the policy's first daily run, fired by the scheduler
    assert client.get_image(imageBuildVersionArn=images[0])["image"]["state"]["status"] == "DELETED"
    deadline = time.monotonic() + 10
    while registry.tags(repo) != ["1.0.0-2"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert registry.tags(repo) == ["1.0.0-2"]
    assert client.get_image(imageBuildVersionArn=images[1])["image"]["state"]["status"] == "AVAILABLE"
