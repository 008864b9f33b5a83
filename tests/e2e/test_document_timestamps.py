"""Component and workflow documents with YAML timestamps (`!!timestamp`, unquoted dates) and
`!!binary`: they are read as the text written, as AWSTOE reads them, so the component builds and
the workflow is accepted (a date value used to fail the build with an internal error)."""
from __future__ import annotations

from tests.conftest import unique
from tests.e2e.helpers import PARENT_IMAGE, create_image, wait_done

COMPONENT = """name: dated
schemaVersion: 1.0
description: !!timestamp 2001-12-14
phases:
  - name: build
    steps:
      - name: EchoDates
        action: ExecuteBash
        inputs:
          commands: [!!timestamp 2001-12-14, 2001-12-14T21:59:43.10-05:00, !!binary aGVsbG8=]
          2001-12-14: unquoted date key
"""

WORKFLOW = """name: dated
description: !!timestamp 2001-12-14
schemaVersion: 1.0
steps:
  - name: LaunchBuildInstance
    action: LaunchInstance
    onFailure: Abort
    inputs:
      waitFor: ssmAgent
"""


def test_timestamps_in_a_component_build(client):
    component = client.create_component(name=unique("dated"), semanticVersion="1.0.0", platform="Linux",
                                        data=COMPONENT)["componentBuildVersionArn"]
    assert client.get_component(componentBuildVersionArn=component)["component"]["data"] == COMPONENT
    recipe = client.create_image_recipe(name=unique("dated"), semanticVersion="1.0.0", parentImage=PARENT_IMAGE,
                                        components=[{"componentArn": component}])["imageRecipeArn"]
    image = wait_done(client, create_image(client, recipe=recipe))
    assert image["state"]["status"] == "AVAILABLE", image["state"]


def test_timestamps_in_a_workflow_are_text(client):
    workflow = client.create_workflow(name=unique("dated"), semanticVersion="1.0.0", type="BUILD",
                                      data=WORKFLOW)["workflowBuildVersionArn"]
    assert client.get_workflow(workflowBuildVersionArn=workflow)["workflow"]["data"] == WORKFLOW
