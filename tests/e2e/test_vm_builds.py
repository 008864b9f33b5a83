"""Image recipes (AMIs) built for real in QEMU machines: `oib serve --backend real` driven through
boto3, from CreateImageRecipe with a managed parent to an AVAILABLE image whose AMIs are disks in
the image store, exported with `oib images export` and booted in plain QEMU. Needs root and the
VM tools; skipped saying so without them, except under CI=true. One server on SQLite: a VM build
takes ~15 s of the shared CPUs, so the store matrix is left to the simulated tests."""
from __future__ import annotations

import base64
import contextlib
import os
import subprocess
import sys
import time
import urllib.parse

import httpx
import pytest

from openimagebuilder.vm.disk import PARTITION_OFFSET
from openimagebuilder.vm.images import ImageStore
from openimagebuilder.vm.settings import VmSettings
from tests.conftest import start_server, start_worker, stop_process, unique

# The same documents as the container builds': a build component writes /opt/app/hello.txt, a
# test component checks it, another looks for a file that is not there, one sleeps.
from tests.e2e.test_container_builds import BUILD_DOC, FAILING_TEST_DOC, SLOW_DOC, TEST_DOC
from tests.e2e.test_vm_agent import REBOOTING_DOC
from tests.vm_fixtures import qemu_processes, vm_root_env

REGION, OTHER_REGION = "us-east-1", "us-west-2"
SHARED_ACCOUNT = "111122223333"   # a distribution's targetAccountIds: an AMI of its own
PARENT = f"arn:aws:imagebuilder:{REGION}:aws:image/amazon-linux-2-x86/x.x.x"
RECIPE_DOC = """name: recipe-set-up
schemaVersion: 1.0
phases:
  - name: test
    steps:
      - name: RootSize
        action: ExecuteBash
        inputs:
          commands:
            - test "$(df -k / | awk 'NR == 2 { print $2 }')" -gt 2500000
            - echo "the root file system is over 2.5 GiB"
      - name: RecipeSetUp
        action: ExecuteBash
        inputs:
          commands:
            - test -d /opt/work && grep -q "user data ran" /root/user-data
            - echo "the working directory and the user data are there"
"""
WINDOWS_DOC = """name: hello
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Hello
        action: ExecutePowerShell
        inputs:
          commands:
            - Write-Host hello
"""


@pytest.fixture(scope="module")
def vm_server(vm_settings, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("vm-server")
    env = {"OIB_BACKEND": "real", "OIB_LEASE_SECONDS": "5", "OIB_CONTAINER_ROOT": str(vm_settings.root / "containers"),
           **vm_root_env(vm_settings)}
    with contextlib.ExitStack() as stack:
        server = start_server("sqlite", "", tmp, env)
        stack.callback(stop_process, server.process)
        yield server


def _component(client, document: str, platform: str = "Linux") -> str:
    return client.create_component(name=unique("c"), semanticVersion="1.0.0", platform=platform,
                                   data=document)["componentBuildVersionArn"]


def _pipeline(client, components: list[str], parent: str = PARENT, distributions: list[dict] | None = None,
              instance_types: list[str] | None = None, **recipe_members) -> str:
    recipe = client.create_image_recipe(
        name=unique("recipe"), semanticVersion="1.0.0", parentImage=parent,
        components=[{"componentArn": arn} for arn in components], **recipe_members)["imageRecipeArn"]
    infra = client.create_infrastructure_configuration(
        name=unique("infra"), instanceProfileName="profile",
        **({"instanceTypes": instance_types} if instance_types else {}))["infrastructureConfigurationArn"]
    params = {"name": unique("pipeline"), "imageRecipeArn": recipe, "infrastructureConfigurationArn": infra}
    if distributions:
        params["distributionConfigurationArn"] = client.create_distribution_configuration(
            name=unique("dist"), distributions=distributions)["distributionConfigurationArn"]
    return client.create_image_pipeline(**params)["imagePipelineArn"]


def _wait(client, image_arn: str, timeout: float = 180, states=("AVAILABLE", "FAILED", "CANCELLED")) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        image = client.get_image(imageBuildVersionArn=image_arn)["image"]
        if image["state"]["status"] in states or time.monotonic() > deadline:
            return image
        time.sleep(0.2)


def _log(server, image_arn: str) -> str:
    reply = httpx.get(f"{server.url}/_oib/logs?" + urllib.parse.urlencode({"imageBuildVersionArn": image_arn}))
    return "\n".join(event["message"] for event in reply.json()["events"])


def _settled(probe, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def _instances(vm_settings, image_arn: str | None = None) -> list[str]:
    """The instance directories in the run directory (of one build's machines, with `image_arn`)."""
    run = vm_settings.run_root
    entries = [entry for entry in run.iterdir() if entry.name.startswith("i-")] if run.exists() else []
    return sorted(entry.name for entry in entries if image_arn is None or _owned_by(entry, image_arn))


def _owned_by(entry, image_arn: str) -> bool:
    try:
        return image_arn in (entry / "owner.json").read_text()
    except OSError:
        return False


def _oib(*arguments: str, env: dict[str, str]) -> str:
    process = subprocess.run([sys.executable, "-m", "openimagebuilder.server.cli", *arguments],
                             capture_output=True, text=True, env={**os.environ, **env}, timeout=120)
    assert process.returncode == 0, process.stderr
    return process.stdout


def _plain_boot(disk, console, wanted: str, timeout: float = 120) -> str:
    """Boots `disk` in QEMU as a user would (its own boot loader, no oib kernel or agent, QEMU's
    default IDE disk) until the console shows `wanted`; the console's text."""
    process = subprocess.Popen(["qemu-system-x86_64", "-accel", "tcg", "-m", "512", "-nodefaults", "-display", "none",
                                "-drive", f"file={disk},format=qcow2", "-serial", f"file:{console}",   # IDE
                                "-nic", "none"], stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = console.read_text(errors="replace") if console.exists() else ""
            if wanted in text or process.poll() is not None:
                return text
            time.sleep(0.5)
        return console.read_text(errors="replace")
    finally:
        process.kill()
        process.wait()


def test_an_image_pipeline_builds_tests_and_distributes_amis_to_two_regions_and_an_account(vm_server, vm_settings, tmp_path):
    client = vm_server.client()
    components = [_component(client, BUILD_DOC), _component(client, REBOOTING_DOC), _component(client, TEST_DOC),
                  _component(client, RECIPE_DOC)]
    distributions = [
        {"region": REGION, "amiDistributionConfiguration": {"name": "app-{{ imagebuilder:buildDate }}",
                                                            "description": "built by oib"}},
        {"region": OTHER_REGION,
         "amiDistributionConfiguration": {"name": "west-{{imagebuilder:buildVersion}}-{{ imagebuilder:buildDate }}",
                                          "targetAccountIds": [SHARED_ACCOUNT]}}]
    root_volume = [{"deviceName": "/dev/xvda", "ebs": {"volumeSize": 3}}]   # GiB; the base is 2
    user_data = base64.b64encode(b"#!/bin/bash\n[[ -n $BASH_VERSION ]] && echo 'user data ran' > /root/user-data\n").decode()
    pipeline = _pipeline(client, components, distributions=distributions, instance_types=["t2.micro"],
                         blockDeviceMappings=root_volume, workingDirectory="/opt/work",
                         additionalInstanceConfiguration={"userDataOverride": user_data})
    image_arn = client.start_image_pipeline_execution(imagePipelineArn=pipeline)["imageBuildVersionArn"]
    image = _wait(client, image_arn)
    log = _log(vm_server, image_arn)
    assert image["state"]["status"] == "AVAILABLE", (image["state"].get("reason"), log[-3000:])
    account = image_arn.split(":")[4]
    output = image["outputResources"]["amis"]
    assert sorted((ami["region"], ami["accountId"]) for ami in output) == [
        (REGION, account), (OTHER_REGION, SHARED_ACCOUNT), (OTHER_REGION, account)]
    amis = {ami["region"]: ami for ami in output if ami["accountId"] == account}
    [shared] = [ami for ami in output if ami["accountId"] == SHARED_ACCOUNT]
    assert shared["name"] == amis[OTHER_REGION]["name"] and shared["image"] != amis[OTHER_REGION]["image"]
    assert amis[REGION]["name"].startswith("app-") and amis[REGION]["description"] == "built by oib"
    assert amis[OTHER_REGION]["name"].startswith("west-1-")
    assert amis[REGION]["image"] != amis[OTHER_REGION]["image"]
    for ami in output:
        assert ami["image"].startswith("ami-") and ami["state"] == {"status": "AVAILABLE"}
        assert (vm_settings.images_dir / ami["image"] / "disk.qcow2").is_file()
    # The test instance booted from the AMI found what the build component wrote.
    assert "wrote the greeting" in log and "the greeting is there" in log
    assert "1 vCPU, 1024 MiB for t2.micro" in log
    assert "Root volume grown to 3 GiB" in log and "the root file system is over 2.5 GiB" in log
    assert "the working directory and the user data are there" in log
    assert "rebooted" in log   # a Reboot step in the middle of a build component, and the steps after it
    assert _settled(lambda: _instances(vm_settings, image_arn) == []), _instances(vm_settings)

    # `oib images export` hands the disk over: the raw file holds what the component wrote, and
    # the qcow2 boots in plain QEMU into the image's own systemd.
    raw, qcow2 = tmp_path / "app.raw", tmp_path / "app.qcow2"
    for disk, disk_format in ((raw, "raw"), (qcow2, "qcow2")):
        _oib("images", "export", amis[REGION]["image"], "--format", disk_format, "--output", str(disk),
             env=vm_root_env(vm_settings))
    written = subprocess.run(["debugfs", "-R", "cat /opt/app/hello.txt", f"{raw}?offset={PARTITION_OFFSET}"],
                             capture_output=True, text=True)
    assert written.stdout == "hello from oib\n", written.stderr
    raw.unlink()
    assert "Welcome to" in _plain_boot(qcow2, tmp_path / "console.log", "Welcome to")   # systemd, then colours

    # The image is the parent of the next: its file is there, without the build component.
    child = _pipeline(client, [_component(client, TEST_DOC)], parent=image_arn)
    child_arn = client.start_image_pipeline_execution(imagePipelineArn=child)["imageBuildVersionArn"]
    child_image = _wait(client, child_arn)
    assert child_image["state"]["status"] == "AVAILABLE", (child_image["state"], _log(vm_server, child_arn)[-2000:])
    assert amis[REGION]["image"] in _log(vm_server, child_arn)   # booted from the parent's AMI
    child_recipe = client.get_image_pipeline(imagePipelineArn=child)["imagePipeline"]["imageRecipeArn"]
    client.delete_image(imageBuildVersionArn=child_arn)
    client.delete_image_pipeline(imagePipelineArn=child)
    client.delete_image_recipe(imageRecipeArn=child_recipe)   # it names the image as its parent

    client.delete_image(imageBuildVersionArn=image_arn)   # removes the AMIs' files too
    disks = [vm_settings.images_dir / ami["image"] for ami in output]
    assert _settled(lambda: not any(disk.exists() for disk in disks), timeout=10), disks


def test_a_failing_test_component_fails_the_image_with_the_steps_output(vm_server, vm_settings):
    client = vm_server.client()
    pipeline = _pipeline(client, [_component(client, BUILD_DOC), _component(client, FAILING_TEST_DOC)])
    image_arn = client.start_image_pipeline_execution(imagePipelineArn=pipeline)["imageBuildVersionArn"]
    image = _wait(client, image_arn)
    assert image["state"]["status"] == "FAILED"
    reason = image["state"]["reason"]
    assert "LookForMissingFile" in reason and "looking for /opt/app/missing.txt" in reason, reason
    assert not (image.get("outputResources") or {}).get("amis")
    # Nothing of the failed build stays: its machines, nor the AMI it made before the tests.
    images = ImageStore(vm_settings.images_dir)
    assert _settled(lambda: [ami for ami in images.all() if ami.image_arn == image_arn] == []), images.all()
    assert _settled(lambda: _instances(vm_settings, image_arn) == []), _instances(vm_settings)


def test_a_windows_parent_fails_with_the_reason(vm_server):
    client = vm_server.client()
    windows = f"arn:aws:imagebuilder:{REGION}:aws:image/windows-server-2022-english-full-base-x86/x.x.x"
    pipeline = _pipeline(client, [_component(client, WINDOWS_DOC, "Windows")], parent=windows)
    image = _wait(client, client.start_image_pipeline_execution(imagePipelineArn=pipeline)["imageBuildVersionArn"])
    assert image["state"]["status"] == "FAILED"
    assert "Windows" in image["state"]["reason"], image["state"]["reason"]


def test_cancel_mid_build_stops_the_machine_within_two_seconds(vm_server, vm_settings):
    client = vm_server.client()
    pipeline = _pipeline(client, [_component(client, SLOW_DOC)])
    image_arn = client.start_image_pipeline_execution(imagePipelineArn=pipeline)["imageBuildVersionArn"]
    deadline = time.monotonic() + 120
    while "started sleeping" not in _log(vm_server, image_arn):
        assert time.monotonic() < deadline, _log(vm_server, image_arn)
        time.sleep(0.2)
    assert qemu_processes(str(vm_settings.run_root))
    client.cancel_image_creation(imageBuildVersionArn=image_arn)
    cancelled_at = time.monotonic()
    image = _wait(client, image_arn, timeout=10)
    assert image["state"]["status"] == "CANCELLED"
    assert time.monotonic() - cancelled_at < 2
    assert _settled(lambda: not qemu_processes(str(vm_settings.run_root)), timeout=2)
    assert _settled(lambda: _instances(vm_settings, image_arn) == []), _instances(vm_settings)


def test_kill_9_of_the_worker_takes_its_machine_down_and_the_next_worker_cleans_up(vm_settings, tmp_path):
    # A VM root of its own: one VM root belongs to one store (the module's server sweeps the
    # instances of builds its store does not know).
    root = vm_settings.root / "kill-9"
    root.mkdir()
    (root / "bases").symlink_to(vm_settings.bases_dir.resolve())
    vm_settings = VmSettings(root=root, run_root=root / "run")
    env = {"OIB_BACKEND": "real", "OIB_LEASE_SECONDS": "3", "OIB_CONTAINER_ROOT": str(vm_settings.root / "containers"),
           **vm_root_env(vm_settings)}
    server = start_server("sqlite", "", tmp_path, {**env, "OIB_NO_WORKER": "1"})
    workers = []
    try:
        workers.append(start_worker(server, tmp_path, extra_env=env))
        client = server.client()
        image_arn = client.start_image_pipeline_execution(
            imagePipelineArn=_pipeline(client, [_component(client, SLOW_DOC)]))["imageBuildVersionArn"]
        deadline = time.monotonic() + 120
        while "started sleeping" not in _log(server, image_arn):
            assert time.monotonic() < deadline, (_log(server, image_arn), workers[0].log()[-3000:])
            time.sleep(0.2)
        [instance] = _instances(vm_settings, image_arn)
        workers[0].stop("kill")
        # QEMU got its parent-death signal with the worker.
        assert _settled(lambda: not qemu_processes(str(vm_settings.run_root)), timeout=2)
        workers.append(start_worker(server, tmp_path, extra_env=env))
        image = _wait(client, image_arn, timeout=60)
        assert image["state"]["status"] == "FAILED", image["state"]
        assert "cannot be resumed" in image["state"]["reason"], image["state"]["reason"]
        assert _settled(lambda: instance not in _instances(vm_settings)), _instances(vm_settings)
    finally:
        for worker in workers:
            worker.stop("kill")
        stop_process(server.process)


def test_without_qemu_the_service_serves_and_image_recipe_builds_fail_naming_the_package(tmp_path):
    bare = tmp_path / "bin"
    bare.mkdir()
    (bare / "python").symlink_to(sys.executable)
    server = start_server("sqlite", "", tmp_path, {"OIB_BACKEND": "real", "PATH": str(bare)})
    try:
        assert "image recipes cannot be built here: qemu-system-x86_64 not found: install the Debian package " \
               "qemu-system-x86" in server.log()
        client = server.client()
        image = _wait(client, client.start_image_pipeline_execution(
            imagePipelineArn=_pipeline(client, [_component(client, BUILD_DOC)]))["imageBuildVersionArn"], timeout=30)
        assert image["state"]["status"] == "FAILED"
        assert "apt-get install qemu-system-x86" in image["state"]["reason"], image["state"]["reason"]
    finally:
        stop_process(server.process)
