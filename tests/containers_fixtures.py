"""Session fixtures for real container builds, shared by every test that needs buildah and a
registry: `container_settings` (buildah storage on tmpfs when there is one), `local_registry`
(a managed docker-registry on loopback) and `busybox_base` (the bootstrapped busybox base's
registry reference). Without root or the tools they skip with the reason, except under CI=true,
where that is a failure: real builds are never skipped there."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from openimagebuilder.containers.bootstrap import BASE_REPOSITORY, TAG, bootstrap
from openimagebuilder.containers.buildah import Buildah
from openimagebuilder.containers.registry import LocalRegistry
from openimagebuilder.containers.settings import ContainerSettings, missing_tools

# Where the Debian root filesystem is cached between test sessions (built once, ~40 s).
TEST_CACHE = Path(os.environ.get("OIB_TEST_CACHE", Path.home() / ".cache" / "openimagebuilder-tests"))


def require_container_tools() -> None:
    """Skips (fails under CI) unless real container builds can run here."""
    reason = None
    if os.geteuid() != 0:
        reason = "real container builds need root"
    elif missing := missing_tools():
        reason = "missing " + ", ".join(f"{tool} (Debian package {package})" for tool, package in missing)
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"real container builds are required in CI: {reason} (make test installs the packages as root)")
    pytest.skip(f"{reason}: container tests skipped (set CI=1 to fail instead)")


def scratch_root(prefix: str) -> Path:
    """A fresh directory on tmpfs if there is one: buildah's small-file work is ~20x faster there."""
    parent = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    return Path(tempfile.mkdtemp(prefix=prefix, dir=parent))


def remove_storage(settings: ContainerSettings) -> None:
    """Every container and image of this storage, then its directories."""
    buildah = Buildah(settings)
    for container in buildah.containers():
        buildah.remove_container(container)
    subprocess.run(["buildah", "rm", "--all"], env=buildah.environment, capture_output=True)
    subprocess.run(["buildah", "rmi", "--all", "--force"], env=buildah.environment, capture_output=True)
    shutil.rmtree(settings.storage_root.parent, ignore_errors=True)
    shutil.rmtree(settings.run_root, ignore_errors=True)


@pytest.fixture(scope="session")
def local_registry() -> Iterator[LocalRegistry]:
    """A docker-registry on 127.0.0.1 for this session (its url: host:port)."""
    require_container_tools()
    root = scratch_root("oib-registry-")
    registry = LocalRegistry(root)
    registry.start()
    yield registry
    registry.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def container_settings(local_registry: LocalRegistry) -> Iterator[ContainerSettings]:
    """buildah storage and run state for this session, pointed at `local_registry`."""
    root = scratch_root("oib-containers-")
    settings = ContainerSettings(storage_root=root / "storage", run_root=root / "run",
                                 registry_url=local_registry.url)
    yield settings
    remove_storage(settings)
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def busybox_base(container_settings: ContainerSettings, local_registry: LocalRegistry) -> str:
    """`oib images bootstrap --base busybox` into `local_registry`; its reference host:port/oib-base/busybox:latest
    (the managed names aws-managed/amazon-linux-x86-2:latest and the others point at the same image)."""
    bootstrap("busybox", Buildah(container_settings), local_registry, TEST_CACHE)
    return f"{local_registry.url}/{BASE_REPOSITORY}/busybox:{TAG}"
