"""Base images built offline, the managed-image mapping, `oib images bootstrap`, and the managed
registry's lifetime."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from openimagebuilder.containers.bootstrap import MANAGED_IMAGES, bootstrap, managed_base, managed_parent
from openimagebuilder.containers.buildah import Buildah
from openimagebuilder.containers.registry import LocalRegistry
from tests.containers_fixtures import TEST_CACHE, remove_storage, require_container_tools, scratch_root


def test_managed_parent_maps_aws_names_to_what_is_really_inside():
    arn = "arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-x86-2/x.x.x"
    assert managed_parent(arn) == "aws-managed/amazon-linux-x86-2:latest"
    assert managed_parent("arn:aws:imagebuilder:eu-west-1:aws:image/ubuntu-22-x86-22-04/2024.1.1/1") == \
        "aws-managed/ubuntu-22-x86-22-04:latest"
    assert managed_parent("amazon-linux-2023-x86-2023") == "aws-managed/amazon-linux-2023-x86-2023:latest"
    assert managed_base(arn) == "busybox" and managed_base("ubuntu-24-x86-24-04") == "debian"
    assert managed_parent("arn:aws:imagebuilder:us-east-1:aws:image/windows-server-2019-x86-core-ltsc2019-amd64/x.x.x") is None
    assert managed_parent("arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2-x86/x.x.x") is None   # an AMI
    assert managed_parent("busybox:latest") is None
    assert {image.base for image in MANAGED_IMAGES.values()} == {"busybox", "debian"}


def test_busybox_base_is_in_the_registry_under_every_managed_name(busybox_base, local_registry, container_settings):
    digest = local_registry.digest("oib-base/busybox", "latest")
    assert digest and busybox_base.endswith("oib-base/busybox:latest")
    for name, image in MANAGED_IMAGES.items():
        if image.base == "busybox":
            assert local_registry.digest(f"aws-managed/{name}", "latest") == digest
    assert managed_parent("amazon-linux-x86-2", local_registry) == "aws-managed/amazon-linux-x86-2:latest"
    buildah = Buildah(container_settings)
    container = buildah.from_image(f"{local_registry.url}/{managed_parent('amazon-linux-x86-2')}", labels={"t": "1"})
    try:
        outcome = buildah.run(container, "busybox | head -1; ls -ld /tmp; id -un")
        assert outcome.exit_code == 0 and "BusyBox" in outcome.stdout and "drwxrwxrwt" in outcome.stdout
        assert outcome.stdout.strip().endswith("root")
    finally:
        buildah.remove_container(container)


def test_bootstrap_busybox_pushes_one_image_under_every_name_it_stands_in_for(container_settings, local_registry,
                                                                               tmp_path):
    pushed = bootstrap("busybox", Buildah(container_settings), local_registry, tmp_path)
    assert len(set(pushed.values())) == 1 and len(pushed) == 1 + sum(
        image.base == "busybox" for image in MANAGED_IMAGES.values())
    with pytest.raises(ValueError, match="unknown base"):
        bootstrap("alpine", Buildah(container_settings), local_registry, tmp_path)


def test_bootstrap_debian(container_settings, local_registry):
    """Debian minbase from Debian's mirror: ~40 s the first time on this machine (under 60 s, so
    not skipped), then from the tarball cached in OIB_TEST_CACHE in a few seconds."""
    buildah = Buildah(container_settings)
    bootstrap("debian", buildah, local_registry, TEST_CACHE)
    assert (TEST_CACHE / "debian-bookworm-minbase.tar").exists()
    container = buildah.from_image(f"{local_registry.url}/{managed_parent('ubuntu-22-x86-22-04')}", labels={"t": "d"})
    try:
        outcome = buildah.run(container, ". /etc/os-release; echo $ID $VERSION_CODENAME; command -v apt-get")
        assert outcome.stdout.split() == ["debian", "bookworm", "/usr/bin/apt-get"]
    finally:
        buildah.remove_container(container)


def test_managed_parent_with_a_registry_that_lacks_the_base(tmp_path):
    require_container_tools()
    with LocalRegistry(tmp_path) as empty:
        assert managed_parent("arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-x86-2/x.x.x", empty) is None


def test_oib_images_bootstrap_command(tmp_path):
    require_container_tools()
    data_dir = scratch_root("oib-bootstrap-cli-")
    try:
        result = subprocess.run([sys.executable, "-m", "openimagebuilder.server.cli", "images", "bootstrap",
                                 "--base", "busybox", "--data-dir", str(data_dir)],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "aws-managed/amazon-linux-x86-2:latest" in result.stdout
        assert (data_dir / "registry" / "storage" / "docker").is_dir()
        # The registry it started for the push is gone again.
        assert "docker-registry serve " + str(data_dir) not in subprocess.run(
            ["ps", "-eo", "args"], capture_output=True, text=True).stdout
    finally:
        from openimagebuilder.containers.settings import ContainerSettings
        remove_storage(ContainerSettings.for_data_dir(data_dir))
        subprocess.run(["rm", "-rf", str(data_dir)])


def test_local_registry_dies_with_the_process_that_started_it(tmp_path):
    require_container_tools()
    script = textwrap.dedent(f"""
        import time
        from openimagebuilder.containers.registry import LocalRegistry
        registry = LocalRegistry({str(tmp_path)!r})
        registry.start()
        print(registry.pid, flush=True)
        time.sleep(60)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    registry_pid = int(parent.stdout.readline())
    os.kill(registry_pid, 0)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and Path(f"/proc/{registry_pid}").exists() and \
            "Z" not in Path(f"/proc/{registry_pid}/stat").read_text().split()[2]:
        time.sleep(0.05)
    assert not Path(f"/proc/{registry_pid}").exists() or \
        Path(f"/proc/{registry_pid}/stat").read_text().split()[2] == "Z"
