"""ContainerExecutor: the component runner driving a real buildah working container."""
from __future__ import annotations

import uuid

import pytest

from openimagebuilder.containers.buildah import Buildah
from openimagebuilder.containers.executor import ContainerExecutor
from openimagebuilder.toe.executor import TargetError
from openimagebuilder.toe.interpreter import run_documents
from openimagebuilder.toe.modules import RunnerSettings
from openimagebuilder.toe.results import ComponentInput

DOCUMENT = """\
name: container-test
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: WriteConfig
        action: CreateFile
        inputs:
          - path: /etc/app/config.ini
            content: "greeting=hello from the container"
            overwrite: true
      - name: ReadConfig
        action: ExecuteBash
        inputs:
          commands:
            - cat /etc/app/config.ini
            - test -f /etc/app/config.ini
  - name: validate
    steps:
      - name: Fails
        action: ExecuteBash
        inputs:
          commands:
            - echo checking
            - exit 4
"""


@pytest.fixture
def executor(container_settings, busybox_base):
    buildah = Buildah(container_settings)
    container = buildah.from_image(busybox_base, labels={"org.openimagebuilder.test": uuid.uuid4().hex})
    yield ContainerExecutor(buildah, container)
    buildah.remove_container(container)


def test_component_document_runs_in_the_container(executor):
    events = []
    report = run_documents([ComponentInput(name="container-test", text=DOCUMENT)], ["build"], executor,
                           RunnerSettings(), on_event=events.append)
    assert report.succeeded, report.failure_message
    steps = {step.name: step for step in report.steps()}
    assert steps["ReadConfig"].outputs[0]["stdout"].strip() == "greeting=hello from the container"
    assert executor.get_file("/etc/app/config.ini") == b"greeting=hello from the container"
    assert any("greeting=hello" in (event.message if hasattr(event, "message") else str(event)) for event in events)


def test_failing_step_fails_the_run_with_its_exit_status(executor):
    report = run_documents([ComponentInput(name="container-test", text=DOCUMENT)], ["validate"], executor,
                           RunnerSettings())
    assert not report.succeeded
    assert "4" in report.failure_message


def test_a_container_cannot_reboot(executor):
    with pytest.raises(TargetError, match="a container cannot reboot"):
        executor.reboot()
