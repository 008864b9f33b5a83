"""VM base images built offline, and the AWS managed images (AMI parents) they stand in for.

AWS's managed AMIs cannot be downloaded here. `oib images bootstrap --vm` builds one real base from
Debian's packages: Debian 12 (bookworm) minbase with Debian's cloud kernel and systemd, made with
mmdebstrap (the root filesystem tarball is cached) and turned into a bootable partitioned qcow2
without mounting it for writing (disk.make_bootable_disk), with oib's initramfs for that kernel.
The mapping below says plainly what each managed name really contains: a recipe that runs yum
on "Amazon Linux" fails here, as it should, rather than run on a pretend Amazon Linux.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..containers.bootstrap import DEBIAN_MIRROR, DEBIAN_SUITE, _wait_cancellable
from ..file_lock import file_lock
from ..host_tools import ToolsMissing
from .disk import ROOT_LABEL, DiskError, make_bootable_disk
from .initramfs import STANDALONE_MODULES, InitramfsError, build_initramfs, guest_code_hash, module_load_order
from .qemu import Boot
from .settings import VmSettings, require_tools

BASE = "debian"                      # the one VM base: bases/debian/
BASE_FORMAT = 4                      # how the base is made; a base made otherwise is made again
DISK_MIB = 2048                      # the base disk's size; a build grows into what it does not use
VM_PACKAGES = "linux-image-cloud-amd64,systemd-sysv,udev,initramfs-tools,zstd"
MMDEBSTRAP_TIMEOUT = 900.0
Progress = Callable[[str], None]


class BaseImageError(RuntimeError):
    """A base image could not be built or is not there; the message says what to do."""


@dataclass(frozen=True)
class ManagedAmi:
    name: str        # AWS's image name, as in arn:aws:imagebuilder:<region>:aws:image/<name>/x.x.x
    aws: str         # what AWS serves under that name
    base: str        # what oib really boots


# AWS's Linux x86 managed images for image recipes (those in oib's catalog, catalog/data/images.yaml).
# Every one is served by the Debian base: nothing else with a kernel can be built offline here.
MANAGED_AMIS: dict[str, ManagedAmi] = {image.name: image for image in (
    ManagedAmi("amazon-linux-2-x86", "Amazon Linux 2 (x86_64)", BASE),
    ManagedAmi("amazon-linux-2023-x86", "Amazon Linux 2023 (x86_64)", BASE),
    ManagedAmi("ubuntu-server-22-lts-x86", "Ubuntu Server 22.04 LTS (x86_64)", BASE),
    ManagedAmi("ubuntu-server-20-lts-x86", "Ubuntu Server 20.04 LTS (x86_64)", BASE),
)}
_MANAGED_ARN = re.compile(r"^arn:aws[a-z-]*:imagebuilder:[a-z0-9-]+:aws:image/(?P<name>[a-z0-9-]+)(?:/[^/]+){0,2}$")


@dataclass(frozen=True)
class BaseImage:
    """A bootstrapped base: its disk, the kernel it boots with and oib's initramfs for that kernel."""
    name: str
    directory: Path
    kernel_release: str
    bootable: bool     # extlinux installed: the disk also boots on its own in plain QEMU

    @property
    def disk(self) -> Path:
        return self.directory / "disk.qcow2"

    @property
    def modules_dir(self) -> Path:
        """The kernel modules oib's initramfs needs, with modules.dep (kept from the root filesystem)."""
        return self.directory / "modules"

    def boot(self) -> Boot:
        """The kernel and oib's initramfs for it, made from this version of oib's guest code (and
        made again when that changes: the initramfs's name carries its hash)."""
        initramfs = self.directory / f"initramfs-{guest_code_hash()}.img"
        if not initramfs.exists():
            build_initramfs(self.modules_dir, initramfs)
        return Boot(self.directory / "vmlinuz", initramfs)


def managed_ami(arn_or_name: str) -> ManagedAmi | None:
    """The managed AMI a parent image ARN (any version) names, or None for anything else."""
    match = _MANAGED_ARN.match(arn_or_name)
    return MANAGED_AMIS.get(match.group("name") if match else arn_or_name)


def is_managed_windows(arn_or_name: str) -> bool:
    match = _MANAGED_ARN.match(arn_or_name)
    return bool(match and match.group("name").startswith("windows"))


def load_base(settings: VmSettings, name: str = BASE) -> BaseImage | None:
    """The bootstrapped base called `name`, or None if `oib images bootstrap --vm` has not made it."""
    directory = settings.bases_dir / name
    try:
        manifest = json.loads((directory / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    if manifest.get("format") != BASE_FORMAT:
        return None   # made by an older recipe: bootstrapped again (from the cached root filesystem)
    return BaseImage(name, directory, manifest["kernelRelease"], bool(manifest.get("bootable")))


def bootstrap_vm(settings: VmSettings, cache_dir: Path, progress: Progress | None = None,
                 cancel: threading.Event | None = None, rebuild: bool = False) -> BaseImage:
    """The Debian VM base under settings.bases_dir, built unless it is there already."""
    say = progress or (lambda message: None)
    settings.bases_dir.mkdir(parents=True, exist_ok=True)
    # One bootstrap at a time per base directory (builds that need the base start it, as the CLI does).
    with file_lock(settings.bases_dir / ".lock"):
        if not rebuild and (existing := load_base(settings)) is not None:
            say(f"VM base {existing.name} is there already ({existing.disk}, kernel {existing.kernel_release})")
            return existing
        try:
            return _bootstrap(settings, cache_dir, say, cancel)
        except (DiskError, InitramfsError, ToolsMissing, OSError, subprocess.CalledProcessError) as error:
            raise BaseImageError(f"{type(error).__name__}: {error}") from None


def _bootstrap(settings: VmSettings, cache_dir: Path, say: Progress, cancel: threading.Event | None) -> BaseImage:
    require_tools()
    if os.geteuid() != 0:
        # mkfs.ext4 -d copies owners as they are on disk: unpacked by anyone but root, every file
        # of the system would belong to that user.
        raise BaseImageError("building the VM base needs root: run `oib images bootstrap --vm` as root")
    started = time.monotonic()
    tarball = debian_vm_rootfs(cache_dir, say, cancel)
    scratch_parent = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    directory = settings.bases_dir / BASE
    with tempfile.TemporaryDirectory(prefix="oib-vm-base-", dir=scratch_parent) as scratch:
        root = Path(scratch) / "root"
        root.mkdir()
        subprocess.run(["tar", "--extract", "--numeric-owner", "--xattrs", "--xattrs-include=*", "-f",
                        str(tarball), "-C", str(root)], check=True, capture_output=True)
        release = _kernel_release(root)
        build_initramfs(root / "lib" / "modules" / release, root / "boot" / "initrd.img-oib", compress=True)
        # Without oib.agent on its command line, oib's initramfs hands over to the image's systemd;
        # the last console= is /dev/console, where systemd writes: the serial one. The root is found by
        # its label, on whichever disk (virtio, or IDE as plain QEMU attaches it).
        config = (f"DEFAULT oib\nPROMPT 0\nTIMEOUT 1\nLABEL oib\n  LINUX /boot/vmlinuz-{release}\n"
                  f"  INITRD /boot/initrd.img-oib\n  APPEND root=LABEL={ROOT_LABEL} rw console=tty0 console=ttyS0\n")
        say(f"making a bootable disk from the root filesystem (kernel {release})")
        staging = directory.with_name(directory.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        bootable = make_bootable_disk(root, staging / "disk.qcow2", DISK_MIB, config, Path(scratch))
        shutil.copyfile(root / "boot" / f"vmlinuz-{release}", staging / "vmlinuz")
        _keep_modules(root / "lib" / "modules" / release, staging / "modules")
        (staging / "manifest.json").write_text(json.dumps({
            "format": BASE_FORMAT, "name": BASE, "kernelRelease": release, "bootable": bootable, "suite": DEBIAN_SUITE,
            "packages": VM_PACKAGES, "mirror": DEBIAN_MIRROR}, indent=2))
    shutil.rmtree(directory, ignore_errors=True)
    staging.replace(directory)
    if not bootable:
        say("note: could not mount the disk to install extlinux: it boots in oib's machines only")
    say(f"built the VM base {directory / 'disk.qcow2'} in {time.monotonic() - started:.1f} s")
    base = load_base(settings)
    assert base is not None
    return base


def _keep_modules(source: Path, destination: Path) -> None:
    for relative in [*module_load_order(source), *module_load_order(source, STANDALONE_MODULES, optional=True),
                     "modules.dep", "modules.builtin"]:
        if (source / relative).exists():
            (destination / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / relative, destination / relative)


def _kernel_release(root: Path) -> str:
    releases = sorted(path.name for path in (root / "lib" / "modules").iterdir()
                      if (root / "boot" / f"vmlinuz-{path.name}").exists())
    if not releases:
        raise BaseImageError("the root filesystem has no kernel (linux-image-cloud-amd64 missing?)")
    return releases[-1]


def debian_vm_rootfs(cache_dir: Path, say: Progress, cancel: threading.Event | None = None) -> Path:
    """Debian minbase with a kernel and systemd as a tarball, built once with mmdebstrap and then
    taken from the cache."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    tarball = cache_dir / f"debian-{DEBIAN_SUITE}-vm.tar"
    if tarball.exists():
        say(f"using the cached Debian VM root filesystem {tarball}")
        return tarball
    say(f"building a Debian {DEBIAN_SUITE} root filesystem with a kernel from {DEBIAN_MIRROR} (about 30 s, once)")
    scratch_parent = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="oib-mmdebstrap-", dir=scratch_parent) as scratch:
        partial = Path(scratch) / "rootfs.tar"
        # initramfs-tools comes with the kernel package; in a chroot its default MODULES=most/dep
        # fails, and oib boots with its own initramfs anyway, so Debian's is made from a short list.
        hook = ('mkdir -p "$1/etc/initramfs-tools/conf.d" && '
                'echo MODULES=list > "$1/etc/initramfs-tools/conf.d/oib.conf"')
        process = subprocess.Popen(
            # unshare mode: mmdebstrap's mounts (/proc, /sys, /dev/pts in the chroot) live in a mount
            # namespace of its own, so a bootstrap killed halfway (a cancelled build) leaves none behind.
            ["mmdebstrap", "--quiet", "--mode=unshare", "--variant=minbase", "--dpkgopt=force-unsafe-io",
             f"--include={VM_PACKAGES}",
             f"--essential-hook={hook}", DEBIAN_SUITE, str(partial), DEBIAN_MIRROR],
            env={**os.environ, "TMPDIR": scratch}, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True)
        try:
            output = _wait_cancellable(process, cancel, MMDEBSTRAP_TIMEOUT)
        except Exception as error:  # noqa: BLE001 - containers' helper raises BuildahError
            raise BaseImageError(str(error)) from None
        if process.returncode != 0:
            raise BaseImageError(f"mmdebstrap failed (exit status {process.returncode}):\n{output[-3000:]}")
        shutil.move(partial, cache_dir / (tarball.name + ".partial"))
        os.replace(cache_dir / (tarball.name + ".partial"), tarball)
    return tarball


def bootstrap_vm_command(data_dir: str, rebuild: bool = False) -> int:
    """`oib images bootstrap --vm`: builds the VM base under <data-dir>/vm (or OIB_VM_ROOT); prints
    what it did."""
    settings = VmSettings.from_environment(data_dir)
    try:
        base = bootstrap_vm(settings, settings.cache_dir, lambda message: print(message, flush=True), rebuild=rebuild)
    except BaseImageError as error:
        print(f"oib images bootstrap --vm: error: {error}", file=sys.stderr)
        return 1
    served = [name for name, image in MANAGED_AMIS.items() if image.base == base.name]
    print(f"VM base {base.name} ready: {base.disk} (kernel {base.kernel_release}"
          f"{', boots on its own with extlinux' if base.bootable else ''}); managed images it serves: "
          f"{', '.join(served)}", flush=True)
    return 0
