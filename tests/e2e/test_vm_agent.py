"""Real QEMU machines (openimagebuilder.vm): the guest agent's round trips, a component document
run inside the guest through the VM executor (Reboot included), and an overlay flattened into an
image that boots again. Needs root and the VM tools (Debian: qemu-system-x86 qemu-utils e2fsprogs
fdisk extlinux mmdebstrap busybox-static); without them skipped saying so, except under CI=true."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from openimagebuilder.toe.interpreter import run_documents
from openimagebuilder.toe.modules import RunnerSettings
from openimagebuilder.toe.results import ComponentInput
from openimagebuilder.vm.agent import AgentError
from openimagebuilder.vm.disk import flatten
from openimagebuilder.vm.executor import VmExecutor
from openimagebuilder.vm.images import ImageStore
from openimagebuilder.vm.instance import Instance
from tests.vm_fixtures import qemu_processes


def test_agent_round_trips_and_a_flattened_overlay_imported_as_an_ami_boots_again(vm_settings, vm_base):
    directory = vm_settings.run_root / "agent-test"
    instance = Instance.start(vm_settings, vm_base.boot(), vm_base.disk, directory, "agent-test")
    try:
        executor = VmExecutor(instance.agent, vm_settings.boot_timeout)
        lines: list[tuple[str, str]] = []
        outcome = executor.run('echo "$GREETING from $(pwd)"; echo oops >&2; exit 3', env={"GREETING": "it's me"},
                               cwd="/tmp", on_output=lambda stream, line: lines.append((stream, line)))
        assert (outcome.exit_code, outcome.stdout, outcome.stderr) == (3, "it's me from /tmp\n", "oops\n")
        # Each stream in order; between the two, the order is the guest's (two pipes).
        assert sorted(lines) == [("stderr", "oops"), ("stdout", "it's me from /tmp")]
        assert "Debian GNU/Linux 12" in executor.run(". /etc/os-release; echo $PRETTY_NAME").stdout

        data = bytes(range(256)) * 20_000   # 5 MB of every byte value: more than one transfer piece
        executor.put_file("/root/payload.bin", data, mode=0o600)
        assert executor.get_file("/root/payload.bin") == data
        assert executor.run("stat -c %a /root/payload.bin").stdout == "600\n"

        started = time.monotonic()
        timed_out = executor.run("echo before; sleep 60", timeout=1)
        assert timed_out.timed_out and timed_out.exit_code == -1 and timed_out.stdout == "before\n"
        cancel = threading.Event()
        threading.Timer(0.5, cancel.set).start()
        assert executor.run("sleep 60", cancel=cancel).cancelled
        assert time.monotonic() - started < 10
        assert executor.run("pgrep -x sleep || echo none").stdout == "none\n"   # the killed scripts are gone

        executor.reboot()
        assert executor.run("cat /root/payload.bin | wc -c").stdout.strip() == str(len(data))
        # A script that restarts the machine under itself ends with the reason, not a hang; the
        # agent answers again afterwards.
        with pytest.raises(AgentError, match="restarted while the script ran"):
            executor.run("sync; echo b > /proc/sysrq-trigger; sleep 60", timeout=120)
        assert executor.run("echo back").stdout == "back\n"
        instance.power_off()
        assert not instance.machine.running()
        image = flatten(instance.overlay, vm_settings.root / "flat-test.qcow2")
    finally:
        instance.remove()
    # `oib images import` makes the flattened disk an AMI (a recipe's parentImage), which boots.
    imported = subprocess.run([sys.executable, "-m", "openimagebuilder.server.cli", "images", "import", str(image)],
                              capture_output=True, text=True, env={**os.environ, "OIB_VM_ROOT": str(vm_settings.root)})
    assert imported.returncode == 0, imported.stderr
    image.unlink()
    store = ImageStore(vm_settings.images_dir)
    ami = store.get(imported.stdout.strip())
    assert ami is not None and ami.available and ami.name == "flat-test"
    again = Instance.start(vm_settings, ami.boot, store.disk(ami.image_id), vm_settings.run_root / "agent-test-2",
                           "agent-test-2")
    try:
        assert VmExecutor(again.agent).run("wc -c < /root/payload.bin").stdout.strip() == str(len(data))
    finally:
        again.remove()
        store.delete(ami.image_id)
    assert not directory.exists() and not qemu_processes(str(directory))


REBOOTING_DOC = """name: reboot-in-the-middle
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Before
        action: ExecuteBash
        inputs:
          commands:
            - echo "$(cat /proc/sys/kernel/random/boot_id)" > /root/boot-before
            - echo written
      - name: Restart
        action: Reboot
      - name: After
        action: ExecuteBash
        inputs:
          commands:
            - test "$(cat /proc/sys/kernel/random/boot_id)" != "$(cat /root/boot-before)"
            - echo "rebooted"
      - name: Config
        action: CreateFile
        inputs:
          - path: /etc/oib-made.conf
            content: made by a component
"""


def test_a_component_runs_in_the_guest_across_a_reboot(vm_settings, vm_base):
    instance = Instance.start(vm_settings, vm_base.boot(), vm_base.disk, vm_settings.run_root / "toe-test", "toe-test")
    try:
        events = []
        report = run_documents([ComponentInput(name="reboot-in-the-middle", text=REBOOTING_DOC)], ("build",),
                               VmExecutor(instance.agent, vm_settings.boot_timeout), RunnerSettings(),
                               on_event=lambda event: events.append(event.text))
        assert report.succeeded, report
        assert any("rebooted" in text for text in events), events
        assert VmExecutor(instance.agent).run("cat /etc/oib-made.conf").stdout.startswith("made by a component")
    finally:
        instance.remove()


def test_a_mount_a_killed_bootstrap_left_is_unmounted_by_the_next(vm_cache, tmp_path):
    from openimagebuilder.vm.disk import EXTLINUX_MOUNT_PREFIX, unmount_stale

    left = tmp_path / f"{EXTLINUX_MOUNT_PREFIX}killed"
    left.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(left)], check=True)
    try:
        assert unmount_stale() == [str(left)]
        assert not left.exists()
    finally:
        subprocess.run(["umount", str(left)], capture_output=True)
