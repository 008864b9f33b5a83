"""oib's own initramfs for a kernel: Debian's static busybox, the virtio drivers of that kernel
(with what they depend on, in load order) and guest.INIT / guest.AGENT. Written as a newc cpio
archive by Python itself, so device nodes need no privileges and no cpio tool; uncompressed,
because under TCG decompressing costs more boot time than reading the larger file."""
from __future__ import annotations

import gzip
import hashlib
import io
import os
import tempfile
from pathlib import Path

from . import guest
from .settings import STATIC_BUSYBOX

# The drivers a machine needs: its disk, the agent's port and the user-mode network. ext4 is built
# into Debian's kernels; were it a module it would be listed here too.
WANTED_MODULES = ("virtio_pci", "virtio_blk", "virtio_console", "virtio_net", "ext4")
# Loaded only when an exported image boots on its own: QEMU's default disk is IDE (the pc
# machine's PIIX controller), so `qemu-system-x86_64 image.qcow2` finds its root too. Left out
# of build machines, whose boots they would only slow down.
STANDALONE_MODULES = ("ata_piix", "sd_mod")


class InitramfsError(RuntimeError):
    pass


def module_load_order(modules_dir: Path, wanted: tuple[str, ...] = WANTED_MODULES,
                      optional: bool = False) -> list[str]:
    """Paths (relative to `modules_dir`) of the wanted modules and their dependencies, each after
    what it depends on; built-in ones are left out. `modules_dir`: /lib/modules/<release>.
    `optional`: a module the kernel does not have is left out rather than an error."""
    dependencies: dict[str, list[str]] = {}
    for line in (modules_dir / "modules.dep").read_text().splitlines():
        name, _, needs = line.partition(":")
        dependencies[name.strip()] = needs.split()
    builtin = set((modules_dir / "modules.builtin").read_text().split()) if (
        modules_dir / "modules.builtin").exists() else set()
    by_name = {_module_name(path): path for path in dependencies}
    order: list[str] = []

    def visit(path: str) -> None:
        if path in order:
            return
        for needed in dependencies.get(path, []):
            visit(needed)
        order.append(path)

    for name in wanted:
        if name in by_name:
            visit(by_name[name])
        elif not optional and not any(_module_name(path) == name for path in builtin):
            raise InitramfsError(f"kernel module {name} is neither a module nor built into the kernel "
                                 f"of {modules_dir}")
    return order


def _module_name(path: str) -> str:
    return Path(path).name.split(".ko", 1)[0].replace("-", "_")


def guest_code_hash() -> str:
    """A short hash of what oib puts into its initramfs (init, agent, busybox): a new version of
    any of them gets an initramfs of its own."""
    digest = hashlib.sha256(guest.INIT.encode() + guest.agent_script().encode())
    status = STATIC_BUSYBOX.stat()
    digest.update(f"{status.st_size} {status.st_mtime_ns}".encode())
    return digest.hexdigest()[:12]


def build_initramfs(modules_dir: Path, output: Path, compress: bool = False) -> Path:
    """Writes the initramfs for the kernel whose modules are in `modules_dir` to `output`;
    `compress`: gzip it (for the copy a boot loader reads from the image's file system, which
    stores runs of zeros as holes that extlinux cannot read)."""
    archive = _Cpio()
    for directory in ("bin", "dev", "proc", "sys", "newroot", "modules"):
        archive.directory(directory)
    archive.device("dev/console", 0o600, 5, 1)   # the kernel opens it for /init's stdio before /init runs
    archive.file("init", guest.INIT.encode(), 0o755)
    archive.file("agent.sh", guest.agent_script().encode(), 0o755)
    archive.file("bin/busybox", STATIC_BUSYBOX.read_bytes(), 0o755)
    machine = module_load_order(modules_dir)
    standalone = [path for path in module_load_order(modules_dir, STANDALONE_MODULES, optional=True)
                  if path not in machine]
    for list_name, paths in (("order", machine), ("standalone", standalone)):
        names = []
        for relative in paths:
            data = (modules_dir / relative).read_bytes()
            if relative.endswith(".xz"):
                import lzma
                data = lzma.decompress(data)
            name = _module_name(relative) + ".ko"
            archive.file(f"modules/{name}", data, 0o644)
            names.append(name)
        archive.file(f"modules/{list_name}", "".join(f"{name}\n" for name in names).encode(), 0o644)
    output.parent.mkdir(parents=True, exist_ok=True)
    # Written beside it under a name of its own and renamed: processes may make it at the same time.
    with tempfile.NamedTemporaryFile(dir=output.parent, prefix=output.name, delete=False) as partial:
        partial.write(gzip.compress(archive.finish(), 6, mtime=0) if compress else archive.finish())
    os.replace(partial.name, output)
    return output


class _Cpio:
    """A newc ("070701") cpio archive, as the kernel unpacks initramfs images."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.inode = 1

    def _entry(self, name: str, mode: int, data: bytes = b"", rdev: tuple[int, int] = (0, 0)) -> None:
        encoded = name.encode() + b"\0"
        fields = (self.inode, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(encoded), 0)
        self.inode += 1
        self.buffer.write(b"070701" + b"".join(b"%08X" % value for value in fields) + encoded)
        self._pad()
        self.buffer.write(data)
        self._pad()

    def _pad(self) -> None:
        self.buffer.write(b"\0" * (-self.buffer.tell() % 4))

    def directory(self, name: str) -> None:
        self._entry(name, 0o040755)

    def file(self, name: str, data: bytes, mode: int) -> None:
        self._entry(name, 0o100000 | mode, data)

    def device(self, name: str, mode: int, major: int, minor: int) -> None:
        self._entry(name, 0o020000 | mode, rdev=(major, minor))

    def finish(self) -> bytes:
        self._entry("TRAILER!!!", 0)
        return self.buffer.getvalue()
