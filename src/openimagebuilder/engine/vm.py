"""The VM backend: image recipes (AMIs) built for real in QEMU machines (openimagebuilder.vm).

How AWS's image workflows map onto machines:

- LaunchInstance (build): a machine boots from a copy-on-write overlay of the parent image (a
  bootstrapped base for AWS's managed images, or an AMI this service made); `instanceId` names it.
  The recipe's userDataOverride runs first, as user data does on AWS's first boot.
- ExecuteComponents: the components' phases through the AWSTOE runner with a VM executor on the
  guest agent (output streamed, Reboot restarts the machine and resumes).
- CollectImageMetadata: the guest's OS name and packages.
- CreateImage: the machine is powered off and its overlay flattened into a standalone qcow2 in the
  image store under an `ami-` id (the machine stays off; TerminateInstance removes it).
- LaunchInstance (test): a machine from an overlay of that AMI; the test phase runs there.
- DistributeImage: one AMI per Region of the distribution (the build's Region keeps the AMI
  CreateImage made, other Regions get a hard-linked copy under an id of their own), named by
  `amiDistributionConfiguration.name`.
- SanitizeInstance, RunSysPrep, RunCommand and the other service scripts: nothing to do here.

Machines run in this process (QEMU dies with it). Each instance's directory under the run dir
records its build, so a reaper removes the instances of builds that ended (and the AMIs of builds
that did not end AVAILABLE), and a sweep at start removes what a dead worker left.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..domain.ami_names import ami_name, ami_name_templates
from ..toe.executor import TargetError
from ..toe.modules import RunnerSettings
from ..vm.agent import AgentError
from ..vm.bootstrap import BaseImage, BaseImageError, bootstrap_vm, is_managed_windows, load_base, managed_ami
from ..vm.disk import DiskError
from ..vm.executor import VmExecutor
from ..vm.images import Ami, ImageStore
from ..vm.instance import Instance
from ..vm.qemu import Boot, MachineError
from ..vm.settings import VmSettings
from ..vm.sizes import UnsupportedInstanceType, machine_size
from .backend import BuildContext, StepControl, StepResult
from .build_reaper import BuildReaper, Chore, build_token
from .components import run_components
from .inventory import INVENTORY_SCRIPT, read_inventory
from .plan import ComponentRun

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60.0
DELETED_IMAGES_SECONDS = 5.0   # how soon the AMI files of a deleted image (DeleteImage, lifecycle) go
USER_DATA = "/run/oib/user-data"   # in the agent's tmpfs
_AMI_ID = re.compile(r"^ami-[0-9a-f]{8,17}$")
_IMAGE_ARN = re.compile(r"^arn:aws[a-z-]*:imagebuilder:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):image/"
                        r"(?P<name>[a-z0-9-_]+)/(?P<version>[0-9x.]+)(?:/(?P<build>\d+))?$")


def _id(prefix: str, *parts: str) -> str:
    return f"{prefix}-{hashlib.sha256('/'.join(parts).encode()).hexdigest()[:17]}"


def ami_id(image_arn: str, region: str, account_id: str) -> str:
    """The AMI a build leaves in a Region (its own AMI in the build's Region): derived from the
    image, so a step run again after a worker died finds what the first run made."""
    return _id("ami", image_arn, region, account_id)


class BuildStopped(Exception):
    """The step's cancel was set while it ran."""


class StepFailed(Exception):
    """The step cannot go on; the message is its failure reason."""


@dataclass(frozen=True)
class Parent:
    disk: Path
    boot: Boot
    description: str


class VmBackend:
    def __init__(self, settings: VmSettings, *, build_running: Callable[[str], bool] | None = None,
                 running_builds: Callable[[], Iterable[str]] | None = None, worker_id: str | None = None,
                 s3_endpoint_url: str | None = None,
                 deleted_images: Callable[[Iterable[str]], set[str]] | None = None) -> None:
        """`build_running(image ARN)`: whether the build still has a build job; `running_builds()`:
        the image ARNs of every build that has one (enables the sweep of what dead workers left);
        `deleted_images(image ARNs)`: those of them deleted (DeleteImage, or lifecycle's DELETED),
        whose AMI files are then removed."""
        self.settings = settings
        self.images = ImageStore(settings.images_dir)
        self.build_running = build_running
        self.running_builds = running_builds
        self.worker_id = worker_id
        self.s3_endpoint_url = s3_endpoint_url
        self.deleted_images = deleted_images
        self._instances: dict[str, Instance] = {}
        self._tokens: dict[str, str] = {}       # instance id → its build's token
        self._lock = threading.Lock()
        chores = []
        if running_builds is not None:
            chores.append(Chore(SWEEP_SECONDS, self.sweep, "sweeping the VM run directory"))
        if deleted_images is not None:
            chores.append(Chore(DELETED_IMAGES_SECONDS, self.remove_deleted_images,
                                "removing the AMIs of deleted images"))
        self.reaper = BuildReaper("oib-vm-reaper", build_running, self._remove_build, chores)

    # -- Backend -----------------------------------------------------------------------------------
    def pacing_seconds(self, context: BuildContext) -> float:
        return 0.0

    def provision(self, context: BuildContext, control: StepControl, purpose: str) -> StepResult:
        token = self.reaper.track(context.image_arn)

        def launch() -> StepResult:
            for stale in (control.handle or {}).get("instances") or []:
                self._remove_instance(stale)   # a launch a dead worker started: run it again
            if purpose == "test":
                ami = self.images.get(ami_id(context.image_arn, context.region, context.account_id))
                if ami is None:
                    raise StepFailed("The image this build made is not in this worker's image store.")
                parent = Parent(self.images.disk(ami.image_id), ami.boot, ami.image_id)
            else:
                parent = self._parent(context, control)
            instance_id = _id("i", context.image_arn, control.step_name, str(time.time_ns()))
            control.save_handle({"token": token, "instances": [instance_id]})
            disk_bytes = _root_volume_bytes(self._recipe(context)) if purpose == "build" else None
            instance = self._boot(context, control, token, instance_id, parent, disk_bytes)
            notes = [f"Launched {purpose} instance {instance_id} from {parent.description} in "
                     f"{instance.boot_seconds:.1f} s ({instance.machine.accelerator.upper()})"]
            if purpose == "build":
                notes += self._prepare(context, control, instance)
            instance.release()
            return StepResult(True, {"instanceId": instance_id}, log=notes)

        return self._guarded(context, control, launch)

    def run_components(self, context: BuildContext, control: StepControl, target_id: str,
                       components: list[ComponentRun], phases: tuple[str, ...]) -> StepResult:
        self.reaper.track(context.image_arn)

        def run() -> StepResult:
            if control.handle:
                raise StepFailed("The worker running the components stopped before they finished; a component "
                                 "run cannot be resumed halfway.")
            instance = self._instance(target_id, control)
            control.save_handle({"token": build_token(context.image_arn), "instances": [target_id]})
            recipe = self._recipe(context)
            try:
                result = run_components(
                    VmExecutor(instance.agent, self.settings.boot_timeout),
                    RunnerSettings(working_directory=recipe.get("workingDirectory") or None,
                                   s3_endpoint_url=self.s3_endpoint_url),
                    control, components, phases, command_id=lambda key: build_token(target_id + key),
                    with_output=True)
            finally:
                instance.release()
            if control.stopped():
                raise BuildStopped()
            return result

        return self._guarded(context, control, run)

    def run_command(self, context: BuildContext, control: StepControl, target_id: str, action: str) -> StepResult:
        # AWS's sanitize and sysprep scripts remove SSM agent state and keys its build instances
        # have; oib's machines have none of it (the agent lives in a tmpfs and is gone at power-off).
        return StepResult(True, {"runCommandId": _id("cmd", target_id, action), "status": "Success", "output": ""},
                          log=[f"{action} on {target_id}: nothing to do on an oib machine"])

    def bookkeeping(self, context: BuildContext, control: StepControl, action: str,
                    outputs: dict[str, Any]) -> StepResult:
        return StepResult(True, outputs, log=[f"{action}: done"])

    def collect_metadata(self, context: BuildContext, control: StepControl, target_id: str) -> StepResult:
        def collect() -> StepResult:
            instance = self._instance(target_id, control)
            try:
                outcome = instance.agent.run(INVENTORY_SCRIPT, timeout=120, cancel=control.cancel)
            finally:
                instance.release()
            os_version, packages = read_inventory(outcome.stdout)
            return StepResult(True, {"osVersion": os_version or "Linux", "associationId": build_token(target_id),
                                     "packages": packages})
        return self._guarded(context, control, collect)

    def snapshot(self, context: BuildContext, control: StepControl, target_id: str) -> StepResult:
        token = self.reaper.track(context.image_arn)

        def snap() -> StepResult:
            instance = self._instance(target_id, control)
            seconds = instance.power_off()
            image_id = ami_id(context.image_arn, context.region, context.account_id)
            started = time.monotonic()
            templates = ami_name_templates(context.image)
            self.images.create(instance.overlay, Ami(
                image_id, context.image_arn, token, context.region, context.account_id,
                ami_name(templates.get(context.region), context.image_name, context.image_arn,
                         str(context.image.get("dateCreated") or "")),
                str(instance.boot.kernel), str(instance.boot.initramfs),
                description=_description(context, context.region)))
            note = (f"Created image {image_id} from {target_id}: powered off in {seconds:.1f} s, "
                    f"flattened in {time.monotonic() - started:.1f} s")
            return StepResult(True, {"imageId": image_id}, log=[note])
        return self._guarded(context, control, snap)

    def distribute(self, context: BuildContext, control: StepControl, image_id: str) -> StepResult:
        token = self.reaper.track(context.image_arn)

        def copy() -> StepResult:
            source = self.images.get(image_id)
            if source is None:
                raise StepFailed(f"The image {image_id} is not in this worker's image store.")
            templates = ami_name_templates(context.image)
            created = str(context.image.get("dateCreated") or "")
            distributed = []
            for region in context.distribution_regions:
                # The distribution's own account, then each of its targetAccountIds: an AMI each.
                for account in dict.fromkeys([context.account_id, *_target_accounts(context, region)]):
                    if control.stopped():
                        raise BuildStopped()
                    target_id = ami_id(context.image_arn, region, account)
                    name = ami_name(templates.get(region), context.image_name, context.image_arn, created)
                    ami = Ami(target_id, context.image_arn, token, region, account, name,
                              source.kernel, source.initramfs, description=_description(context, region),
                              tags=_ami_tags(context, region))
                    if target_id == source.image_id:
                        self.images.save(ami)
                    else:
                        self.images.copy(source, ami)
                    distributed.append({"region": region, "imageId": target_id, "accountId": account})
                    control.on_output(f"Distributed {target_id} ({name}) to {region}, account {account}")
            return StepResult(True, {"distributedImages": distributed})
        return self._guarded(context, control, copy)

    def clean_up(self, context: BuildContext, control: StepControl, target_id: str) -> StepResult:
        self.reaper.track(context.image_arn)
        self._remove_instance(target_id)
        return StepResult(True, {}, log=[f"Terminated instance {target_id}"])

    def output_resources(self, context: BuildContext, image_id: str | None,
                         distributed: Mapping[str, Any]) -> dict[str, Any]:
        # One AMI per Region and account DistributeImage made; without a distribution, CreateImage's.
        made = [item["imageId"] for item in distributed.get("distributedImages") or []] or [image_id or ""]
        amis = []
        for ami in filter(None, (self.images.get(made_id) for made_id in made)):
            if not ami.available:
                ami.available = True   # the build ended AVAILABLE: the reaper keeps it
                self.images.save(ami)
            amis.append({"region": ami.region, "image": ami.image_id, "name": ami.name,
                         **({"description": ami.description} if ami.description else {}),
                         "state": {"status": "AVAILABLE"}, "accountId": ami.account_id})
        return {"amis": amis}

    # -- lifecycle -----------------------------------------------------------------------------------
    def close(self) -> None:
        """Stops the reaper and every machine of this process (QEMU would die with it anyway)."""
        self.reaper.close()
        with self._lock:
            instances = list(self._instances)
        for instance_id in instances:
            self._remove_instance(instance_id)

    def reap(self) -> int:
        """Removes the instances (and AMIs not made AVAILABLE) of builds that are no longer running."""
        return self.reaper.reap()

    def sweep(self) -> int:
        """Removes instance directories (and unfinished AMIs) of builds that have no build job any
        more: what a worker that died (kill -9; its QEMUs died with it) left behind."""
        if self.running_builds is None or not self.settings.run_root.exists():
            return 0
        entries = [(entry, _owner(entry)) for entry in self.settings.run_root.iterdir() if entry.is_dir()]
        running = {build_token(arn) for arn in self.running_builds()}
        removed = 0
        for entry, owner in entries:
            token = owner.get("token")
            if token is None or token in running:
                continue
            self._remove_instance(entry.name)
            removed += 1
            log.warning("removed instance %s of build %s, which is no longer running (made by worker %s)",
                        entry.name, token, owner.get("worker", "unknown"))
        for ami in self.images.all():
            if not ami.available and ami.build_token not in running:
                self.images.delete(ami.image_id)
                log.warning("removed image %s of build %s, which did not end AVAILABLE", ami.image_id, ami.build_token)
        self.images.finish_deletions()
        return removed

    def remove_deleted_images(self) -> int:
        """Removes the AMI files of images that were deleted; how many AMIs."""
        if self.deleted_images is None:
            return 0
        amis = [ami for ami in self.images.all() if ami.available and ami.image_arn]   # not imported ones
        gone = self.deleted_images({ami.image_arn for ami in amis})
        for ami in amis:
            if ami.image_arn in gone:
                self.images.delete(ami.image_id)
                log.info("removed %s: its image %s was deleted", ami.image_id, ami.image_arn)
        return sum(ami.image_arn in gone for ami in amis)

    # -- helpers ---------------------------------------------------------------------------------------
    def _remove_build(self, token: str) -> int:
        """Kills and removes the build's instances, this process's and any a dead worker left in
        the run directory, and the AMIs it made that did not become AVAILABLE."""
        run = self.settings.run_root
        mine = {entry.name for entry in (run.iterdir() if run.exists() else []) if _owner(entry).get("token") == token}
        with self._lock:   # and this process's, whose directory another worker may have removed
            mine |= {instance_id for instance_id, owner in self._tokens.items() if owner == token}
        for instance_id in mine:
            self._remove_instance(instance_id)
        for ami in self.images.all():
            if ami.build_token == token and not ami.available:
                self.images.delete(ami.image_id)
        return len(mine)

    def _remove_instance(self, instance_id: str) -> None:
        """Kills the instance's QEMU (whichever process of this host started it) and removes its
        directory."""
        directory = self.settings.run_root / instance_id
        with self._lock:
            instance = self._instances.pop(instance_id, None)
            self._tokens.pop(instance_id, None)
        if instance is None and (pid := _owner(directory).get("qemuPid")):
            instance = Instance.attach(directory, instance_id, int(pid), "", Boot(Path(), Path()))
        if instance is not None:
            instance.remove()
        shutil.rmtree(directory, ignore_errors=True)

    def _instance(self, instance_id: str, control: StepControl) -> Instance:
        """The running instance, its agent connected: this process's, or one another worker process
        of this host started (steps of a build may run on any worker)."""
        with self._lock:
            instance = self._instances.get(instance_id)
        if instance is None:
            owner = _owner(self.settings.run_root / instance_id)
            if not owner.get("qemuPid"):
                raise StepFailed(f"Instance {instance_id} is not running on this host (was it started by a worker "
                                 "that stopped, or by one on another machine?).")
            instance = Instance.attach(self.settings.run_root / instance_id, instance_id, int(owner["qemuPid"]),
                                       str(owner.get("accelerator", "")),
                                       Boot(Path(owner["kernel"]), Path(owner["initramfs"])))
            with self._lock:
                instance = self._instances.setdefault(instance_id, instance)
                self._tokens[instance_id] = str(owner.get("token", ""))
        if not instance.machine.running():
            raise StepFailed(f"Instance {instance_id} has stopped (did the worker that started it stop?). "
                             f"Console:\n{instance.machine.console_tail()}")
        try:
            return instance.connected(cancel=control.cancel)
        except AgentError as error:
            if control.stopped():
                raise BuildStopped() from None
            raise StepFailed(f"Instance {instance_id}'s agent does not answer: {error}") from None

    def _boot(self, context: BuildContext, control: StepControl, token: str, instance_id: str,
              parent: Parent, disk_bytes: int | None = None) -> Instance:
        directory = self.settings.run_root / instance_id
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "owner.json").write_text(json.dumps({"token": token, "imageArn": context.image_arn,
                                                          "worker": self.worker_id or ""}))
        try:
            size = machine_size(list((context.image.get("infrastructureConfiguration") or {}).get("instanceTypes")
                                     or []), self.settings)
        except UnsupportedInstanceType as error:
            raise StepFailed(str(error)) from None
        control.on_output(f"Instance {instance_id}: {size.note}")
        instance = Instance.start(self.settings, parent.boot, parent.disk, directory, instance_id,
                                  cancel=control.cancel, cpus=size.cpus, memory_mib=size.memory_mib,
                                  on_console=lambda line: control.on_output(f"console: {line}"),
                                  disk_bytes=disk_bytes)
        with self._lock:
            self._instances[instance_id] = instance
            self._tokens[instance_id] = token
        # What another worker process of this host needs to drive the machine (_instance).
        (directory / "owner.json").write_text(json.dumps({
            "token": token, "imageArn": context.image_arn, "worker": self.worker_id or "",
            "qemuPid": instance.machine.pid, "accelerator": instance.machine.accelerator,
            "kernel": str(parent.boot.kernel), "initramfs": str(parent.boot.initramfs)}))
        return instance

    def _prepare(self, context: BuildContext, control: StepControl, instance: Instance) -> list[str]:
        """What the recipe asks of the build instance before the components: its working directory,
        then its user data (run as a script, as cloud-init runs a user-data script on AWS)."""
        recipe = self._recipe(context)
        notes = []
        for note in _unsupported(context, recipe):
            notes.append(note)
        if instance.disk_grown:   # the partition already reaches the disk's end; the file system follows
            self._checked(instance, "command -v resize2fs >/dev/null || { echo 'resize2fs is not installed in the "
                          "image (Debian package e2fsprogs)' >&2; exit 1; }; resize2fs /dev/vda1", control,
                          "growing the root file system to the recipe's root volume size")
            notes.append(f"Root volume grown to {(_root_volume_bytes(recipe) or 0) // 2**30} GiB")
        directory = recipe.get("workingDirectory")
        if directory:
            self._checked(instance, f"mkdir -p '{directory}'", control, "creating the working directory")
        user_data = (recipe.get("additionalInstanceConfiguration") or {}).get("userDataOverride")
        if user_data:
            try:
                script = base64.b64decode(user_data, validate=True)
            except binascii.Error:
                raise StepFailed("userDataOverride is not base64-encoded.") from None
            # Run as a file, as cloud-init runs a user-data script: its #! line picks the interpreter
            # (/bin/sh without one). It lives in the agent's tmpfs, so the image keeps no copy.
            instance.agent.put_file(USER_DATA, script, 0o700)
            self._checked(instance, USER_DATA if script.startswith(b"#!") else f"/bin/sh {USER_DATA}", control,
                          "userDataOverride")
            notes.append("Ran the recipe's userDataOverride")
        return notes

    def _checked(self, instance: Instance, script: str, control: StepControl, what: str) -> None:
        outcome = instance.agent.run(script, timeout=3600, cancel=control.cancel,
                                     on_output=lambda stream, line: control.on_output(line))
        if outcome.cancelled or control.stopped():
            raise BuildStopped()
        if outcome.exit_code != 0:
            raise StepFailed(f"{what} failed (exit status {outcome.exit_code}): "
                             f"{(outcome.stderr or outcome.stdout).strip()[-2000:]}")

    def _recipe(self, context: BuildContext) -> dict[str, Any]:
        recipe = dict(context.image.get("imageRecipe") or {})
        if context.image_type != "AMI" or not recipe:
            raise StepFailed("The VM backend builds image recipes only (image type AMI).")
        return recipe

    def _parent(self, context: BuildContext, control: StepControl) -> Parent:
        """The disk a build starts from: the base `oib images bootstrap --vm` made for an AWS
        managed image, an AMI of the image store, or the AMI of an image this service built."""
        recipe = self._recipe(context)
        parent = str(recipe.get("parentImage") or "")
        if is_managed_windows(parent) or context.platform == "Windows":
            raise StepFailed(f"The parent image {parent} is a Windows image: oib's machines run Linux only "
                             "(Windows cannot be built from Debian's packages).")
        managed = managed_ami(parent)
        if managed is not None:
            base = load_base(self.settings, managed.base)
            if base is None:   # built once, by the first build that needs it (or `oib images bootstrap --vm`)
                try:
                    base = bootstrap_vm(self.settings, self.settings.cache_dir, control.on_output, control.cancel)
                except BaseImageError as error:
                    if control.stopped():
                        raise BuildStopped() from None
                    raise StepFailed(f"The parent image {parent} ({managed.aws} on AWS) is served here by the "
                                     f"'{managed.base}' VM base, which could not be built: {error}") from None
            return _base_parent(base, f"{parent} (served by the {base.name} base, kernel {base.kernel_release})")
        ami = self._own_ami(parent, context)
        if ami is None:
            raise StepFailed(f"The parent image {parent} is neither an AWS managed image oib serves "
                             f"({', '.join(sorted(_managed_names()))}) nor an image in this service's image store.")
        return Parent(self.images.disk(ami.image_id), ami.boot, f"{parent} ({ami.image_id})")

    def _own_ami(self, parent: str, context: BuildContext) -> Ami | None:
        if _AMI_ID.match(parent):
            return self.images.get(parent)
        match = _IMAGE_ARN.match(parent)
        if match is None:
            return None
        candidates = [ami for ami in self.images.all()
                      if ami.available and ami.region == context.region and _arn_matches(ami.image_arn, match)]
        candidates.sort(key=lambda ami: _version_key(ami.image_arn))
        return candidates[-1] if candidates else None

    def _guarded(self, context: BuildContext, control: StepControl, work: Callable[[], StepResult]) -> StepResult:
        """Runs a step's work: a cancel removes the build's machines at once; a known failure becomes
        the step's failure reason; an unexpected one too, with its type."""
        try:
            return work()
        except BuildStopped:
            pass
        except (StepFailed, TargetError, MachineError, DiskError) as error:
            if not control.stopped():
                return StepResult(False, {}, str(error), [str(error)])
        except Exception as error:  # noqa: BLE001 - a tool failure fails the step, not the worker
            if not control.stopped():
                log.exception("step %s of %s failed", control.step_name, context.image_arn)
                return StepResult(False, {}, f"{type(error).__name__}: {error}")
        self._remove_build(build_token(context.image_arn))
        return StepResult(False, {}, "Stopped while running.")


def _base_parent(base: BaseImage, description: str) -> Parent:
    return Parent(base.disk, base.boot(), description)


def _managed_names() -> list[str]:
    from ..vm.bootstrap import MANAGED_AMIS
    return list(MANAGED_AMIS)


def _owner(directory: Path) -> dict[str, str]:
    try:
        return dict(json.loads((directory / "owner.json").read_text()))
    except (OSError, ValueError):
        return {}


def _arn_matches(image_arn: str, wanted: re.Match[str]) -> bool:
    found = _IMAGE_ARN.match(image_arn)
    if found is None or found["name"] != wanted["name"] or found["account"] != wanted["account"]:
        return False
    for have, want in zip(found["version"].split("."), wanted["version"].split("."), strict=False):
        if want != "x" and have != want:
            return False
    return wanted["build"] is None or found["build"] == wanted["build"]


def _version_key(image_arn: str) -> tuple[int, ...]:
    match = _IMAGE_ARN.match(image_arn)
    if match is None:
        return ()
    return (*(int(part) for part in match["version"].split(".") if part.isdigit()), int(match["build"] or 0))


def _distribution(context: BuildContext, region: str) -> dict[str, Any]:
    for item in (context.image.get("distributionConfiguration") or {}).get("distributions") or []:
        if item.get("region") == region:
            return dict(item.get("amiDistributionConfiguration") or {})
    return {}


def _target_accounts(context: BuildContext, region: str) -> list[str]:
    return [str(account) for account in _distribution(context, region).get("targetAccountIds") or []]


def _description(context: BuildContext, region: str) -> str:
    return str(_distribution(context, region).get("description") or "")


def _ami_tags(context: BuildContext, region: str) -> dict[str, str]:
    return {str(key): str(value) for key, value in (_distribution(context, region).get("amiTags") or {}).items()}


def _unsupported(context: BuildContext, recipe: Mapping[str, Any]) -> list[str]:
    """What the recipe and infrastructure ask that oib's machines do not do, said in the log."""
    notes = []
    for mapping in recipe.get("blockDeviceMappings") or []:
        if mapping.get("deviceName") not in ROOT_DEVICE_NAMES:
            notes.append(f"blockDeviceMappings {mapping.get('deviceName')}: not attached; oib's machines have one "
                         "disk, the root volume")
        elif set(mapping.get("ebs") or {}) - {"volumeSize", "deleteOnTermination", "volumeType"}:
            notes.append(f"blockDeviceMappings {mapping.get('deviceName')}: only volumeSize applies here")
    return notes


# The root device of AWS's AMIs (Amazon Linux: /dev/xvda; Ubuntu: /dev/sda1; Nitro: /dev/nvme0n1).
ROOT_DEVICE_NAMES = ("/dev/xvda", "/dev/xvda1", "/dev/sda", "/dev/sda1", "/dev/nvme0n1")


def _root_volume_bytes(recipe: Mapping[str, Any]) -> int | None:
    """The root volume size the recipe asks for (ebs.volumeSize of its root device, GiB), if any."""
    for mapping in recipe.get("blockDeviceMappings") or []:
        size = (mapping.get("ebs") or {}).get("volumeSize")
        if mapping.get("deviceName") in ROOT_DEVICE_NAMES and size:
            return int(size) * 2**30
    return None


def vm_backend(data_dir: str | Path, database: Any, worker_id: str | None = None,
               s3_endpoint_url: str | None = None) -> VmBackend:
    """The VM backend of `oib serve --backend real` / `oib worker`: machines and images under
    <data-dir>/vm, or under OIB_VM_ROOT (its run/ directory is best on tmpfs); builds looked up in
    the store `database` (a SQLAlchemy engine) for the reaper and the sweep. ToolsMissing names the
    Debian package of a missing tool."""
    from sqlalchemy import select

    from ..store.database import transaction
    from ..store.tables import build_jobs, resources
    from ..vm.settings import RUNTIME_TOOLS, require_tools

    require_tools(RUNTIME_TOOLS)   # the base's tools (mmdebstrap, mkfs.ext4, ...) are checked when it is made
    settings = VmSettings.from_environment(data_dir)

    def build_running(image_arn: str) -> bool:
        with transaction(database, write=False) as connection:
            return connection.execute(select(build_jobs.c.image_arn).where(
                build_jobs.c.image_arn == image_arn)).first() is not None

    def running_builds() -> list[str]:
        with transaction(database, write=False) as connection:
            return list(connection.scalars(select(build_jobs.c.image_arn)))

    def deleted_images(arns: Iterable[str]) -> set[str]:
        wanted = set(arns)
        if not wanted:
            return set()
        with transaction(database, write=False) as connection:
            rows = connection.execute(select(resources.c.arn, resources.c.document).where(
                resources.c.arn.in_(wanted))).all()
        kept = {arn for arn, document in rows if _status(document) != "DELETED"}
        return wanted - kept

    return VmBackend(settings, build_running=build_running, running_builds=running_builds, worker_id=worker_id,
                     s3_endpoint_url=s3_endpoint_url, deleted_images=deleted_images)


def _status(document: Any) -> str:
    if isinstance(document, (str, bytes)):
        document = json.loads(document)
    return str(((document or {}).get("state") or {}).get("status") or "")
