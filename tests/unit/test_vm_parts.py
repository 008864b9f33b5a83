"""The parts of VM builds that need no machine: kernel module order, oib's initramfs archive, the
managed image mapping, AMI ids and parent lookups, the VM executor's script prologue, settings."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from openimagebuilder.engine.vm import _IMAGE_ARN, _arn_matches, _version_key, ami_id
from openimagebuilder.toe.executor import RunOutcome
from openimagebuilder.vm import guest
from openimagebuilder.vm.bootstrap import is_managed_windows, managed_ami
from openimagebuilder.vm.executor import VmExecutor
from openimagebuilder.vm.images import DELETING_PREFIX, Ami, ImageStore
from openimagebuilder.vm.initramfs import InitramfsError, _Cpio, module_load_order
from openimagebuilder.vm.settings import VmSettings


def _modules(tmp_path: Path, dep: str, builtin: str = "") -> Path:
    (tmp_path / "modules.dep").write_text(dep)
    (tmp_path / "modules.builtin").write_text(builtin)
    return tmp_path


def test_modules_load_after_what_they_depend_on_and_built_in_ones_are_left_out(tmp_path):
    modules = _modules(tmp_path, (
        "kernel/virtio_pci.ko: kernel/virtio_pci_legacy_dev.ko kernel/virtio_ring.ko kernel/virtio.ko\n"
        "kernel/virtio_ring.ko:\nkernel/virtio.ko:\nkernel/virtio_pci_legacy_dev.ko:\n"
        "kernel/virtio_blk.ko: kernel/virtio_ring.ko kernel/virtio.ko\n"
        "kernel/virtio_net.ko: kernel/net_failover.ko kernel/virtio_ring.ko kernel/virtio.ko\n"
        "kernel/net_failover.ko: kernel/failover.ko\nkernel/failover.ko:\n"
        "kernel/virtio_console.ko: kernel/virtio_ring.ko kernel/virtio.ko\n"), "kernel/fs/ext4/ext4.ko\n")
    order = module_load_order(modules)
    assert len(order) == len(set(order)) == 9
    for module, needs in (("virtio_pci", "virtio"), ("virtio_pci", "virtio_ring"), ("virtio_net", "failover"),
                          ("net_failover", "failover"), ("virtio_blk", "virtio_ring")):
        assert order.index(f"kernel/{needs}.ko") < order.index(f"kernel/{module}.ko")
    assert not any("ext4" in path for path in order)


def test_a_wanted_module_the_kernel_lacks_is_named(tmp_path):
    with pytest.raises(InitramfsError, match="virtio_blk"):
        module_load_order(_modules(tmp_path, "kernel/virtio.ko:\n"), ("virtio_blk",))


def test_the_initramfs_is_a_newc_archive_the_kernel_unpacks():
    archive = _Cpio()
    archive.directory("dev")
    archive.device("dev/console", 0o600, 5, 1)
    archive.file("init", b"#!/bin/busybox sh\n", 0o755)
    data = archive.finish()
    entries, offset = [], 0
    while True:   # newc: "070701", 13 eight-digit hex fields, the name, padding to 4, the data, padding
        assert data[offset:offset + 6] == b"070701"
        fields = [int(data[offset + 6 + 8 * i: offset + 14 + 8 * i], 16) for i in range(13)]
        name_start = offset + 110
        name = data[name_start:name_start + fields[11] - 1].decode()
        body_start = (name_start + fields[11] + 3) & ~3
        entries.append((name, fields[1], data[body_start:body_start + fields[6]], (fields[9], fields[10])))
        offset = (body_start + fields[6] + 3) & ~3
        if name == "TRAILER!!!":
            break
    assert entries[:3] == [("dev", 0o040755, b"", (0, 0)), ("dev/console", 0o020600, b"", (5, 1)),
                           ("init", 0o100755, b"#!/bin/busybox sh\n", (0, 0))]


def test_the_guest_scripts_are_posix_sh():
    for script in (guest.INIT, guest.agent_script()):
        assert subprocess.run(["sh", "-n"], input=script, text=True).returncode == 0
    assert guest.AGENT_PORT in guest.agent_script() and "@" not in guest.agent_script().replace("$@", "")


@pytest.mark.parametrize(("parent", "served"), [
    ("arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2-x86/x.x.x", "debian"),
    ("arn:aws:imagebuilder:eu-west-1:aws:image/ubuntu-server-22-lts-x86/2024.1.9/1", "debian"),
    ("arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2023-x86/x.x.x", "debian"),
    ("arn:aws:imagebuilder:us-east-1:aws:image/windows-server-2022-english-full-base-x86/x.x.x", None),
    ("arn:aws:imagebuilder:us-east-1:123456789012:image/mine/1.0.0/1", None),
    ("ami-0123456789abcdef0", None),
])
def test_managed_parents_resolve_to_the_debian_base_and_nothing_else_does(parent, served):
    found = managed_ami(parent)
    assert (found.base if found else None) == served


def test_windows_parents_are_recognised():
    windows = "arn:aws:imagebuilder:us-east-1:aws:image/windows-server-2022-english-full-base-x86/x.x.x"
    assert is_managed_windows(windows)
    assert not is_managed_windows("arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2-x86/x.x.x")


def test_ami_ids_look_like_aws_ones_and_are_the_same_for_the_same_build_and_region():
    arn = "arn:aws:imagebuilder:us-east-1:123456789012:image/app/1.0.0/1"
    first = ami_id(arn, "us-east-1", "123456789012")
    assert re.fullmatch(r"ami-[0-9a-f]{17}", first)
    assert first == ami_id(arn, "us-east-1", "123456789012") != ami_id(arn, "us-west-2", "123456789012")


def test_an_own_image_parent_matches_by_name_version_wildcards_and_build():
    built = "arn:aws:imagebuilder:us-east-1:123456789012:image/app/1.2.3/4"
    for wanted, matches in (("image/app/1.2.3/4", True), ("image/app/1.2.3", True), ("image/app/1.x.x", True),
                            ("image/app/x.x.x", True), ("image/app/1.2.4", False), ("image/app/1.2.3/5", False),
                            ("image/other/1.2.3", False)):
        match = _IMAGE_ARN.match(f"arn:aws:imagebuilder:us-east-1:123456789012:{wanted}")
        assert match is not None and _arn_matches(built, match) is matches, wanted
    assert _version_key(built) < _version_key("arn:aws:imagebuilder:us-east-1:123456789012:image/app/1.10.0/1")


class _LocalAgent:
    """Runs what the VM executor would send to the guest agent with this machine's /bin/sh."""

    def run(self, script, **_):
        process = subprocess.run(["sh", "-c", script], capture_output=True, text=True)
        return RunOutcome(process.returncode, process.stdout, process.stderr)


def test_the_executor_passes_environment_directory_and_quotes_intact(tmp_path):
    executor = VmExecutor(_LocalAgent())  # type: ignore[arg-type]
    outcome = executor.run("""echo "$A|$B|$(pwd)"; printf '%s\\n' "it's" 'a "quote"'; exit 5""",
                           env={"A": "x y", "B": "it's $HOME"}, cwd=str(tmp_path))
    assert outcome.exit_code == 5
    assert outcome.stdout == f"x y|it's $HOME|{tmp_path}\nit's\na \"quote\"\n"
    assert executor.run("exit 0", cwd=str(tmp_path / "missing")).exit_code == 1


def test_vm_settings_refuse_what_would_leave_the_host_exposed_or_cannot_run(tmp_path):
    with pytest.raises(ValueError, match="never a tap"):
        VmSettings(root=tmp_path, run_root=tmp_path, network="tap")
    with pytest.raises(ValueError, match="accelerator"):
        VmSettings(root=tmp_path, run_root=tmp_path, accelerator="hvf")
    settings = VmSettings.for_data_dir(tmp_path)
    assert (settings.bases_dir, settings.images_dir, settings.run_root) == (
        tmp_path / "vm" / "bases", tmp_path / "vm" / "images", tmp_path / "vm" / "run")


def test_instance_types_size_machines_within_the_hosts_limits(tmp_path):
    from openimagebuilder.vm.sizes import UnsupportedInstanceType, machine_size

    settings = VmSettings(root=tmp_path, run_root=tmp_path, max_cpus=2, max_memory_mib=2048)
    assert (machine_size(["t2.micro"], settings).cpus, machine_size(["t2.micro"], settings).memory_mib) == (1, 1024)
    large = machine_size(["m5.xlarge"], settings)
    assert (large.cpus, large.memory_mib) == (2, 2048) and "capped" in large.note
    unknown = machine_size(["x9.huge", "t3.nano"], settings)   # the first one oib knows counts
    assert (unknown.cpus, unknown.memory_mib) == (2, 512)
    assert machine_size([], settings).memory_mib == settings.memory_mib
    with pytest.raises(UnsupportedInstanceType, match="Arm"):
        machine_size(["t4g.small"], settings)


def test_a_deleted_ami_leaves_the_store_whole_and_an_interrupted_deletion_is_finished(tmp_path):
    store = ImageStore(tmp_path)
    amis = [Ami(image_id=f"ami-{n}", image_arn="arn:x", build_token="t", region="us-east-1", account_id="1" * 12,
                name=f"n{n}", kernel="k", initramfs="i") for n in range(3)]
    for ami in amis:
        (tmp_path / ami.image_id).mkdir()
        store.disk(ami.image_id).write_bytes(b"disk")
        store.save(ami)
    assert store.delete("ami-0") and not store.delete("ami-0")
    assert [ami.image_id for ami in store.all()] == ["ami-1", "ami-2"]
    # A deletion whose process died after the rename: out of sight, and removed by the sweep.
    (tmp_path / "ami-1").rename(tmp_path / f"{DELETING_PREFIX}ami-1-dead")
    assert [ami.image_id for ami in store.all()] == ["ami-2"]
    store.finish_deletions()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["ami-2"]
