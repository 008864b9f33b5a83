"""Which backend builds what, as `oib serve` starts by default: real builds, and where a tool they
need is missing, a service that still serves and fails those builds saying what to install."""
from __future__ import annotations

import sys
import time

from tests.conftest import start_server, stop_process, unique


def _wait(client, arn: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        image = client.get_image(imageBuildVersionArn=arn)["image"]
        if image["state"]["status"] in ("AVAILABLE", "FAILED", "CANCELLED") or time.monotonic() > deadline:
            return image
        time.sleep(0.1)


def test_without_the_container_tools_the_service_serves_and_container_builds_fail_naming_the_package(
        tmp_path):
    bare = tmp_path / "bin"
    bare.mkdir()
    (bare / "python").symlink_to(sys.executable)
    # The default backend (OIB_BACKEND empty), with a PATH on which no container tool is found.
    server = start_server("sqlite", "", tmp_path, {"OIB_BACKEND": "", "PATH": str(bare)})
    try:
        log = server.log()
        assert "container recipes cannot be built here: buildah not found: install the Debian package buildah" in log
        assert "builds: container recipes (DOCKER) on nothing: they fail (" in log
        client = server.client()
        recipe = client.create_container_recipe(
            containerType="DOCKER", name=unique("recipe"), semanticVersion="1.0.0", parentImage="busybox:latest",
            platformOverride="Linux", components=[{"componentArn": client.create_component(
                name=unique("c"), semanticVersion="1.0.0", platform="Linux",
                data="name: c\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: S\n"
                     "        action: ExecuteBash\n        inputs:\n          commands: [echo hi]\n")[
                    "componentBuildVersionArn"]}],
            dockerfileTemplateData="FROM {{{ imagebuilder:parentImage }}}\n{{{ imagebuilder:components }}}\n",
            targetRepository={"service": "ECR", "repositoryName": "app"})["containerRecipeArn"]
        infra = client.create_infrastructure_configuration(
            name=unique("infra"), instanceProfileName="profile")["infrastructureConfigurationArn"]
        pipeline = client.create_image_pipeline(name=unique("p"), containerRecipeArn=recipe,
                                                infrastructureConfigurationArn=infra)["imagePipelineArn"]
        image = _wait(client, client.start_image_pipeline_execution(imagePipelineArn=pipeline)["imageBuildVersionArn"])
        assert image["state"]["status"] == "FAILED"
        assert "buildah not found: install the Debian package buildah (apt-get install buildah)" in \
            image["state"]["reason"]
    finally:
        stop_process(server.process)
