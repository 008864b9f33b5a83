"""The VM backend driven directly, as the engine drives it: a build's steps on two workers of one
host (two backends sharing a VM root, as two `oib worker` processes would), each step on the
other one's machine. Real QEMU; skipped without root and the tools, except under CI=true."""
from __future__ import annotations

import threading

from openimagebuilder.engine.backend import BuildContext, StepControl
from openimagebuilder.engine.plan import ComponentRun
from openimagebuilder.engine.vm import VmBackend
from tests.e2e.test_container_builds import BUILD_DOC
from tests.vm_fixtures import qemu_processes

ARN = "arn:aws:imagebuilder:us-east-1:123456789012:image/two-workers/1.0.0/1"


def _context() -> BuildContext:
    image = {"imageRecipe": {"parentImage": "arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2-x86/x.x.x"},
             "dateCreated": "2026-12-03T08:00:00.000Z"}
    return BuildContext(ARN, "two-workers", "Linux", "AMI", "us-east-1", "123456789012", ("us-east-1",), {}, image)


def _control(step: str, lines: list[str]) -> StepControl:
    return StepControl(step, step, threading.Event(), lines.append, lambda handle: None)


def test_a_builds_steps_run_on_whichever_worker_of_the_host_claims_them(vm_settings):
    first, second = VmBackend(vm_settings), VmBackend(vm_settings)   # two worker processes' backends
    context, lines = _context(), []
    try:
        launched = first.provision(context, _control("LaunchBuildInstance", lines), "build")
        assert launched.succeeded, launched.message
        instance_id = launched.outputs["instanceId"]
        component = ComponentRun("arn:aws:imagebuilder:us-east-1:123456789012:component/write/1.0.0/1", "write",
                                 BUILD_DOC, "BUILD", {})
        ran = second.run_components(context, _control("ApplyBuildComponents", lines), instance_id, [component],
                                    ("build",))
        assert ran.succeeded, ran.message
        assert any("wrote the greeting" in line for line in lines), lines
        metadata = first.collect_metadata(context, _control("InventoryCollection", lines), instance_id)
        assert metadata.succeeded and "Debian" in metadata.outputs["osVersion"], metadata.message
        made = second.snapshot(context, _control("CreateOutputAMI", lines), instance_id)
        assert made.succeeded, made.message
        assert (vm_settings.images_dir / made.outputs["imageId"] / "disk.qcow2").is_file()
        assert second.clean_up(context, _control("TerminateBuildInstance", lines), instance_id).succeeded
        assert not (vm_settings.run_root / instance_id).exists()
        assert not qemu_processes(str(vm_settings.run_root / instance_id))
    finally:
        first.close()
        second.close()
        for ami in first.images.all():
            if ami.image_arn == ARN:
                first.images.delete(ami.image_id)
