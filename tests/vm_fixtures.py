"""Session fixtures for real VM builds: `vm_base` (the bootstrapped Debian VM base, built once and
cached in OIB_TEST_CACHE) and `vm_settings` (a VM root for this session on tmpfs whose bases/
is that cache). Without root or the tools they skip with the reason, except under CI=true, where
that is a failure: real builds are never skipped there."""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from openimagebuilder.vm.bootstrap import BaseImage, bootstrap_vm
from openimagebuilder.vm.settings import VmSettings, missing_tools
from tests.containers_fixtures import TEST_CACHE, scratch_root


def require_vm_tools() -> None:
    """Skips (fails under CI) unless real VM builds can run here."""
    reason = None
    if os.geteuid() != 0:
        reason = "real VM builds need root (mkfs.ext4 -d keeps file owners only as root)"
    elif missing := missing_tools():
        reason = "missing " + ", ".join(f"{tool} (Debian package {package})" for tool, package in missing)
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"real VM builds are required in CI: {reason} (make test installs the packages as root)")
    pytest.skip(f"{reason}: VM tests skipped (set CI=1 to fail instead)")


def qemu_processes(marker: str) -> list[str]:
    """The command lines of running QEMU processes that mention `marker` (a directory of a test's)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue   # not a process, or one that just ended
        if arguments and arguments[0].endswith(b"qemu-system-x86_64") and marker.encode() in b" ".join(arguments):
            found.append(b" ".join(arguments).decode(errors="replace"))
    return found


@pytest.fixture(scope="session")
def vm_cache() -> VmSettings:
    """The VM root in the test cache that holds the bootstrapped base between sessions."""
    require_vm_tools()
    return VmSettings(root=TEST_CACHE / "vm", run_root=TEST_CACHE / "vm" / "run")


@pytest.fixture(scope="session")
def vm_base(vm_cache: VmSettings) -> BaseImage:
    """`oib images bootstrap --vm` into the test cache (~35 s the first time, then nothing)."""
    return bootstrap_vm(vm_cache, TEST_CACHE)


@pytest.fixture(scope="session")
def vm_settings(vm_base: BaseImage, vm_cache: VmSettings) -> Iterator[VmSettings]:
    """A VM root for this session on tmpfs (machines' overlays, the image store), its bases/ the
    cached one (where the KVM probe's answer is kept too)."""
    root = scratch_root("oib-vm-")
    (root / "bases").symlink_to(vm_cache.bases_dir)
    settings = VmSettings(root=root, run_root=root / "run")
    yield settings
    leftovers = qemu_processes(str(root))
    shutil.rmtree(root, ignore_errors=True)
    assert not leftovers, f"QEMU processes outlived the session: {leftovers}"


def vm_root_env(settings: VmSettings) -> dict[str, str]:
    """The environment that points an `oib serve` at this session's VM root."""
    return {"OIB_VM_ROOT": str(settings.root)}


__all__ = ["qemu_processes", "require_vm_tools", "vm_base", "vm_cache", "vm_root_env",
           "vm_settings"]
