"""Real things across restarts and crashes, against real buildah, runc and docker-registry: the
managed registry keeps its port (recorded image URIs keep resolving), and the container backend's
sweep removes what a dead worker left behind while a live worker's containers stay.

Needs root and the container tools; without them the tests skip saying so, except under CI=true,
where the fixtures fail instead (tests/containers_fixtures.py)."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid

import pytest

from openimagebuilder.containers import registry as registry_module
from openimagebuilder.containers.buildah import Buildah
from openimagebuilder.containers.registry import LocalRegistry, RegistryError
from openimagebuilder.engine.container import (
    BUILD_LABEL,
    WORKER_LABEL,
    ContainerBackend,
    ContainerBackendSettings,
    build_token,
    local_image,
)
from tests.containers_fixtures import require_container_tools, scratch_root


@pytest.fixture
def data_dir():
    require_container_tools()
    root = scratch_root("oib-kept-port-")
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _copy(source: str, destination: str) -> None:
    done = subprocess.run(["skopeo", "copy", "--src-tls-verify=false", "--dest-tls-verify=false",
                           f"docker://{source}", f"docker://{destination}"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def _inspect(reference: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["skopeo", "inspect", "--tls-verify=false", f"docker://{reference}"],
                          capture_output=True, text=True, timeout=30)


def test_the_local_registry_keeps_its_port_and_images_across_restarts(data_dir, busybox_base):
    registry = LocalRegistry(data_dir)
    with registry:
        url = registry.url
        assert registry.kept_port() == int(url.rsplit(":", 1)[1])
        _copy(busybox_base, f"{url}/kept/app:1")
        digest = registry.digest("kept/app", "1")
        assert digest and digest.startswith("sha256:")
    assert _inspect(f"{url}/kept/app:1").returncode != 0   # really stopped
    again = LocalRegistry(data_dir)
    with again:
        assert again.url == url
        assert again.digest("kept/app", "1") == digest
        assert _inspect(f"{url}/kept/app@{digest}").returncode == 0


def test_the_registry_of_a_running_service_is_found_on_its_data_dir(data_dir):
    """`oib images bootstrap` beside a running `oib serve` pushes to that service's registry."""
    assert LocalRegistry(data_dir).serving_url() is None   # never started
    with LocalRegistry(data_dir) as running:
        assert LocalRegistry(data_dir).serving_url() == running.url
    assert LocalRegistry(data_dir).serving_url() is None   # stopped


def test_a_kept_port_taken_by_another_process_fails_clearly(data_dir, monkeypatch):
    registry = LocalRegistry(data_dir)
    with registry:
        port = int(registry.url.rsplit(":", 1)[1])
    monkeypatch.setattr(registry_module, "PORT_FREE_WAIT", 0.2)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        with pytest.raises(RegistryError, match=f"127.0.0.1:{port} .* is taken by another process"):
            LocalRegistry(data_dir).start()
    # Once the port is free again, the registry comes back on it.
    with LocalRegistry(data_dir) as back:
        assert back.url == f"127.0.0.1:{port}"


def test_the_sweep_at_start_removes_a_dead_workers_containers_and_keeps_a_live_ones(
        container_settings, local_registry, busybox_base, tmp_path):
    """A worker killed with -9 leaves its working container (and the runc state of a run that was
    going on); the next backend's sweep removes it because its build has no job any more, while
    the container of a build that still has one (another, live worker's) stays; so do their local images."""
    buildah = Buildah(container_settings)
    gone_arn = f"arn:aws:imagebuilder:us-east-1:123456789012:image/gone-{uuid.uuid4().hex[:8]}/1.0.0/1"
    live_arn = f"arn:aws:imagebuilder:us-east-1:123456789012:image/live-{uuid.uuid4().hex[:8]}/1.0.0/1"
    dead = buildah.from_image(busybox_base, labels={BUILD_LABEL: build_token(gone_arn), WORKER_LABEL: "dead-1"})
    live = buildah.from_image(busybox_base, labels={BUILD_LABEL: build_token(live_arn), WORKER_LABEL: "live-2"})
    gone_image, live_image = local_image(build_token(gone_arn), "built"), local_image(build_token(live_arn), "built")
    buildah.commit(dead, gone_image)
    buildah.commit(live, live_image)
    # A run the dead worker's buildah left going: runc state under the container's key.
    runner = subprocess.Popen(["buildah", *buildah._run_args(dead), dead, "--", "sleep", "60"],
                              env=buildah.environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not any(name.startswith(f"{dead}/") for name in buildah.runc_containers()):
            assert time.monotonic() < deadline, "the run never started"
            time.sleep(0.05)
        runner.kill()   # as a kill -9 of its worker would leave it (no SIGTERM reached buildah)
        runner.wait()
        assert any(name.startswith(f"{dead}/") for name in buildah.runc_containers())
        backend = ContainerBackend(buildah, local_registry, ContainerBackendSettings(scratch_dir=tmp_path),
                                   executor_factory=lambda b, c: None, managed_parent=lambda arn: None,
                                   build_running=lambda arn: arn == live_arn, running_builds=lambda: [live_arn],
                                   worker_id="new-3")
        try:
            deadline = time.monotonic() + 10
            while dead in buildah.containers():
                assert time.monotonic() < deadline, "the sweep at start did not remove the dead worker's container"
                time.sleep(0.1)
            assert not any(name.startswith(f"{dead}/") for name in buildah.runc_containers())
            assert live in buildah.containers()
            deadline = time.monotonic() + 5
            while gone_image in buildah.image_names():   # the images go after the containers
                assert time.monotonic() < deadline, "the sweep did not remove the ended build's image"
                time.sleep(0.1)
            assert live_image in buildah.image_names()
            assert backend.sweep() == 0   # and nothing more to remove
            assert buildah.labelled_containers()[live] == {BUILD_LABEL: build_token(live_arn), WORKER_LABEL: "live-2"}
        finally:
            backend.close()
        assert live in buildah.containers()   # closing sweeps nothing away either
    finally:
        runner.kill()
        buildah.remove_container(dead)
        buildah.remove_container(live)
        buildah.remove_image(gone_image)
        buildah.remove_image(live_image)
