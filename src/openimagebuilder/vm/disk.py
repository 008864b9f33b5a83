"""Disk images with qemu-img and e2fsprogs: a bootable partitioned disk from a root directory
(made without mounting it for writing: `mkfs.ext4 -d`), copy-on-write overlays on which machines
run, and flattening an overlay into a standalone image."""
from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from .settings import MBR_CODE

PARTITION_OFFSET = 1024 * 1024       # the root partition starts at 1 MiB, as sfdisk aligns it
ROOT_DEVICE = "/dev/vda1"            # the root partition as a virtio disk shows it to the guest
ROOT_LABEL = "oib-root"              # the root file system's label (a plain boot finds it by that)


class DiskError(RuntimeError):
    """A disk tool failed; the message ends with its error output."""


def run_tool(args: list[str], timeout: float = 300.0, what: str | None = None) -> str:
    try:
        process = subprocess.run(args, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise DiskError(f"{what or args[0]} took longer than {timeout:.0f} s") from None
    if process.returncode != 0:
        raise DiskError(f"{what or ' '.join(args[:2])} failed (exit status {process.returncode}): "
                        f"{(process.stderr or process.stdout).strip()[-2000:]}")
    return process.stdout


def create_overlay(parent: Path, overlay: Path) -> Path:
    """A qcow2 overlay whose reads fall through to `parent` (left untouched) and whose writes stay
    in the overlay."""
    overlay.parent.mkdir(parents=True, exist_ok=True)
    run_tool(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", str(parent.resolve()),
              str(overlay)], what="qemu-img create")
    return overlay


def flatten(overlay: Path, output: Path) -> Path:
    """The overlay with everything it falls through to, as one standalone qcow2 at `output`
    (written beside it and renamed, so `output` is never half-written)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    run_tool(["qemu-img", "convert", "-O", "qcow2", str(overlay), str(partial)], what="qemu-img convert")
    partial.replace(output)
    return output


def convert(source: Path, output: Path, disk_format: str) -> Path:
    """`source` as a standalone image in `disk_format` (qcow2 or raw)."""
    partial = output.with_name(output.name + ".partial")
    run_tool(["qemu-img", "convert", "-O", disk_format, str(source), str(partial)], what="qemu-img convert")
    partial.replace(output)
    return output


def virtual_size(image: Path) -> int:
    import json
    return int(json.loads(run_tool(["qemu-img", "info", "--output=json", str(image)]))["virtual-size"])


def make_bootable_disk(root: Path, output: Path, size_mib: int, boot_config: str, scratch: Path) -> bool:
    """A qcow2 at `output` with one bootable ext4 partition holding the tree at `root`, which must
    already contain /boot with the kernel, initramfs and `boot_config` (extlinux.conf's text).
    The file system is made from the tree by `mkfs.ext4 -d`; only extlinux's own install needs the
    file system mounted, for a moment, read-write. True when extlinux was installed (the disk then
    boots in plain QEMU); False when mounting is not possible here (oib's machines boot with the
    kernel given to QEMU and do not need it)."""
    (root / "boot" / "extlinux").mkdir(parents=True, exist_ok=True)
    (root / "boot" / "extlinux" / "extlinux.conf").write_text(boot_config)
    raw = scratch / "disk.raw"
    size = size_mib * 1024 * 1024
    with open(raw, "wb") as handle:
        handle.truncate(size)
    subprocess.run(["sfdisk", "--quiet", str(raw)], input=f"label: dos\nstart={PARTITION_OFFSET // 512}, type=83, "
                   "bootable\n", text=True, capture_output=True, check=True)
    blocks = (size - PARTITION_OFFSET) // 4096
    run_tool(["mkfs.ext4", "-q", "-F", "-L", ROOT_LABEL, "-b", "4096", "-E", f"offset={PARTITION_OFFSET}",
              "-d", str(root), str(raw), str(blocks)], what="mkfs.ext4")
    bootable = _install_extlinux(raw)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    run_tool(["qemu-img", "convert", "-O", "qcow2", "-f", "raw", str(raw), str(partial)], what="qemu-img convert")
    partial.replace(output)
    raw.unlink()
    return bootable


EXTLINUX_MOUNT_PREFIX = "oib-extlinux-"


def _install_extlinux(raw: Path) -> bool:
    unmount_stale()
    mount_point = Path(tempfile.mkdtemp(prefix=EXTLINUX_MOUNT_PREFIX))
    try:
        mounted = subprocess.run(["mount", "-o", f"loop,offset={PARTITION_OFFSET}", str(raw), str(mount_point)],
                                 capture_output=True, text=True)
        if mounted.returncode != 0:
            return False
        try:
            run_tool(["extlinux", "--install", str(mount_point / "boot" / "extlinux")], what="extlinux")
        finally:
            # The loop device goes with the mount (mount -o loop sets autoclear).
            run_tool(["umount", str(mount_point)], what="umount")
        with open(raw, "r+b") as handle:
            handle.write(MBR_CODE.read_bytes()[:440])   # boot code only: the partition table stays
        return True
    finally:
        os.rmdir(mount_point)


MBR_SIZE = 512
_PARTITION_ENTRY = 446           # the first partition's entry in the MBR
MAX_MBR_SECTORS = 2**32 - 1      # an MBR partition's largest length (2 TiB in 512-byte sectors)


def grow_disk(overlay: Path, size_bytes: int) -> bool:
    """Makes the overlay's disk `size_bytes` long and its first partition reach the end (the file
    system in it is grown by resize2fs once the machine runs); False when it is that big already.
    Refuses to shrink: the image's data would not fit."""
    current = virtual_size(overlay)
    if size_bytes == current:
        return False
    if size_bytes < current:
        raise DiskError(f"the disk cannot be made smaller than its image ({current // 2**30} GiB)")
    run_tool(["qemu-img", "resize", "-q", "-f", "qcow2", str(overlay), str(size_bytes)], what="qemu-img resize")
    with tempfile.TemporaryDirectory(prefix="oib-mbr-") as scratch:
        sector = Path(scratch) / "mbr"
        run_tool(["qemu-img", "dd", "-f", "qcow2", "-O", "raw", f"bs={MBR_SIZE}", "count=1", f"if={overlay}",
                  f"of={sector}"], what="qemu-img dd")
        table = bytearray(sector.read_bytes()[:MBR_SIZE])
        if table[510:512] != b"\x55\xaa" or table[_PARTITION_ENTRY + 4] == 0:
            raise DiskError("the image has no MBR partition table to grow")
        start = int.from_bytes(table[_PARTITION_ENTRY + 8:_PARTITION_ENTRY + 12], "little")
        length = min(size_bytes // 512 - start, MAX_MBR_SECTORS)
        table[_PARTITION_ENTRY + 12:_PARTITION_ENTRY + 16] = length.to_bytes(4, "little")
        sector.write_bytes(bytes(table))
        run_tool(["qemu-io", "-f", "qcow2", "-c", f"write -q -s {sector} 0 {MBR_SIZE}", str(overlay)],
                 what="qemu-io write")
    return True


def unmount_stale() -> list[str]:
    """Unmounts (and removes) what an earlier bootstrap killed while extlinux ran left mounted: the
    only mounts oib makes. Their loop devices go with them (mount -o loop sets autoclear)."""
    removed: list[str] = []
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return removed
    for line in mounts:
        fields = line.split()
        if len(fields) > 1 and Path(fields[1]).name.startswith(EXTLINUX_MOUNT_PREFIX):
            target = fields[1].replace("\\040", " ")
            if subprocess.run(["umount", target], capture_output=True).returncode == 0:
                removed.append(target)
                try:
                    os.rmdir(target)
                except OSError:
                    pass
    return removed
