"""The container backend's decisions without buildah: a fake stands in for it, recording calls."""
from __future__ import annotations

import threading
from pathlib import Path

from openimagebuilder.engine.backend import BuildContext, StepControl
from openimagebuilder.engine.container import (
    BUILD_LABEL,
    ContainerBackend,
    ContainerBackendSettings,
    build_token,
    local_image,
)
from openimagebuilder.engine.plan import ComponentRun
from openimagebuilder.engine.routing import RoutingBackend
from openimagebuilder.engine.simulated import SimulatedBackend
from openimagebuilder.toe.executor import RunOutcome

ARN = "arn:aws:imagebuilder:us-east-1:123456789012:image/app/1.0.0/1"
TEMPLATE = "FROM {{{ imagebuilder:parentImage }}}\n{{{ imagebuilder:environments }}}\n{{{ imagebuilder:components }}}\n"


class FakeBuildah:
    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.exit_code = 0
        self.cancel_on_run: threading.Event | None = None

    def from_image(self, ref, *, labels, cancel=None):
        self.calls.append(("from", ref, dict(labels)))
        return f"oib-{len(self.calls)}"

    def run(self, container, script, **kwargs):
        self.calls.append(("run", container, script))
        if self.cancel_on_run is not None:
            self.cancel_on_run.set()
            return RunOutcome(-1, "", "", cancelled=True)
        return RunOutcome(self.exit_code, "out\n", "" if self.exit_code == 0 else "boom\n")

    def commit(self, container, image_name):
        self.calls.append(("commit", container, image_name))
        return "id"

    def build(self, dockerfile, *, context_dir, tag, on_output=None, cancel=None):
        self.calls.append(("build", dockerfile, tag))
        return "id"

    def push(self, image, destination, *, cancel=None):
        self.calls.append(("push", image, destination))
        return "sha256:abc"

    def remove_container(self, container):
        self.calls.append(("rm", container))

    def remove_image(self, image):
        self.calls.append(("rmi", image))

    def clean_up(self, label, value):
        self.calls.append(("clean_up", label, value))
        return 1


class FakeRegistry:
    url = "127.0.0.1:5000"


def _backend(tmp_path: Path, running: bool = True) -> tuple[ContainerBackend, FakeBuildah]:
    buildah = FakeBuildah()
    backend = ContainerBackend(buildah, FakeRegistry(), ContainerBackendSettings(scratch_dir=tmp_path),
                               executor_factory=lambda b, c: None, managed_parent=lambda arn: None,
                               build_running=lambda arn: running)
    return backend, buildah


def _context(template: str = TEMPLATE, **recipe) -> BuildContext:
    image = {"containerRecipe": {"parentImage": "busybox:latest", "dockerfileTemplateData": template,
                                 "components": [{"componentArn": "c"}],
                                 "targetRepository": {"repositoryName": "app", "service": "ECR"}, **recipe}}
    return BuildContext(ARN, "app", "Linux", "DOCKER", "us-east-1", "123456789012", ("us-east-1",), {}, image)


def _control(handle=None) -> StepControl:
    saved: list[dict] = []
    control = StepControl("Step", "LaunchInstance", threading.Event(), lambda line: None, saved.append, handle)
    control.saved = saved  # type: ignore[attr-defined]
    return control


def test_a_bare_from_needs_no_build_and_the_container_is_labelled_with_its_build(tmp_path):
    backend, buildah = _backend(tmp_path)
    control = _control()
    result = backend.provision(_context(), control, "build")
    assert result.succeeded and result.outputs["instanceId"] == "oib-1"
    assert buildah.calls == [("from", "127.0.0.1:5000/busybox:latest", {BUILD_LABEL: build_token(ARN)})]
    assert control.saved == [{"token": build_token(ARN), "containers": ["oib-1"]}]  # type: ignore[attr-defined]


def test_instructions_before_the_components_are_built_first(tmp_path):
    backend, buildah = _backend(tmp_path)
    template = "FROM {{{ imagebuilder:parentImage }}}\nENV A=1\n{{{ imagebuilder:components }}}\nLABEL b=2\n"
    assert backend.provision(_context(template), _control(), "build").succeeded
    stage = local_image(build_token(ARN), "stage")
    assert buildah.calls[0] == ("build", "FROM 127.0.0.1:5000/busybox:latest\nENV A=1\n", stage)
    assert buildah.calls[1][:2] == ("from", stage)


def test_recipe_members_that_cannot_be_built_fail_the_step_naming_them(tmp_path):
    backend, buildah = _backend(tmp_path)
    result = backend.provision(_context(platformOverride="Windows"), _control(), "build")
    assert not result.succeeded and "platformOverride" in result.message and buildah.calls == []
    result = backend.provision(_context(dockerfileTemplateUri="s3://b/t", dockerfileTemplateData=None),
                               _control(), "build")
    assert not result.succeeded and "dockerfileTemplateUri" in result.message


def test_a_component_run_a_dead_worker_started_fails_and_removes_the_builds_containers(tmp_path):
    backend, buildah = _backend(tmp_path)
    control = _control(handle={"token": build_token(ARN), "containers": ["oib-9"]})
    result = backend.run_components(_context(), control, "oib-9", [], ("build", "validate"))
    assert not result.succeeded and "cannot be resumed halfway" in result.message
    assert ("clean_up", BUILD_LABEL, build_token(ARN)) in buildah.calls


def test_a_cancel_removes_everything_the_build_made(tmp_path):
    backend, buildah = _backend(tmp_path)
    control = _control()
    buildah.cancel_on_run = control.cancel
    result = backend.provision(_context(workingDirectory="/work"), control, "build")  # mkdir runs, is cancelled
    assert not result.succeeded and result.message == "Stopped while running."
    assert ("clean_up", BUILD_LABEL, build_token(ARN)) in buildah.calls
    assert ("rmi", local_image(build_token(ARN), "built")) in buildah.calls


def test_distribution_pushes_once_per_repository_and_lists_every_tag_and_the_digest(tmp_path, monkeypatch):
    import openimagebuilder.engine.container as container
    tagged = []
    monkeypatch.setattr(container, "tag_manifest", lambda *args: tagged.append(args))
    backend, buildah = _backend(tmp_path)
    context = _context()
    image = {**context.image, "distributionConfiguration": {"distributions": [
        {"region": "us-east-1", "containerDistributionConfiguration": {
            "targetRepository": {"repositoryName": "app"}, "containerTags": ["latest"]}}]}}
    context = BuildContext(ARN, "app", "Linux", "DOCKER", "us-east-1", "123456789012", ("us-east-1",), {}, image)
    result = backend.distribute(context, _control(), "")
    repo = "127.0.0.1:5000/123456789012/us-east-1/app"
    assert [call for call in buildah.calls if call[0] == "push"] == [
        ("push", local_image(build_token(ARN), "built"), f"{repo}:1.0.0-1")]
    assert tagged == [("http", "127.0.0.1:5000", "123456789012/us-east-1/app", "sha256:abc", "latest")]
    assert result.outputs["containers"] == [{"region": "us-east-1", "imageUris": [
        f"{repo}:1.0.0-1", f"{repo}:latest", f"{repo}@sha256:abc"]}]
    assert backend.output_resources(context, None, result.outputs) == {"containers": result.outputs["containers"]}


def test_builds_that_ended_are_reaped(tmp_path, monkeypatch):
    import openimagebuilder.engine.build_reaper as build_reaper
    monkeypatch.setattr(build_reaper, "REAP_SECONDS", 3600)   # this test reaps, not the thread
    backend, buildah = _backend(tmp_path, running=False)
    backend.clean_up(_context(), _control(), "oib-1")
    assert backend.reap() == 1
    assert ("clean_up", BUILD_LABEL, build_token(ARN)) in buildah.calls
    assert backend.reap() == 0   # forgotten once removed
    backend.close()


def test_routing_sends_container_images_to_the_container_backend(tmp_path):
    backend, _ = _backend(tmp_path)
    simulated = SimulatedBackend()
    routing = RoutingBackend({"DOCKER": backend}, default=simulated)
    assert routing.backend_for("DOCKER") is backend and routing.backend_for("AMI") is simulated
    assert routing.describe() == {"AMI": "SimulatedBackend", "DOCKER": "ContainerBackend"}
    assert routing.pacing_seconds(_context()) == 0.0
    run = ComponentRun("c", "c", "", "BUILD", {})
    assert routing.run_components(_context(), _control({"token": "t"}), "oib-1", [run], ("build",)).succeeded is False
