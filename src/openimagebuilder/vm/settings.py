"""Where VM base images, built images and running machines live, how machines are sized and run,
and the host tools VM builds need (each with the Debian package that provides it)."""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .. import host_tools
from ..host_tools import is_static

ACCELERATORS = ("auto", "kvm", "tcg")
NETWORKS = ("user", "none")

# tool on PATH → Debian package that provides it.
TOOLS: tuple[tuple[str, str], ...] = (
    ("qemu-system-x86_64", "qemu-system-x86"),
    ("qemu-img", "qemu-utils"),
    ("mkfs.ext4", "e2fsprogs"),
    ("sfdisk", "fdisk"),
    ("extlinux", "extlinux"),
    ("mmdebstrap", "mmdebstrap"),
    ("busybox", "busybox-static"),
)
# What running machines need (QEMU, overlays, oib's initramfs); the other tools make the base image.
RUNTIME_TOOLS = ("qemu-system-x86_64", "qemu-img", "busybox")
STATIC_BUSYBOX = Path("/bin/busybox")
MBR_CODE = Path("/usr/lib/EXTLINUX/mbr.bin")   # extlinux's master boot record code


@dataclass(frozen=True)
class VmSettings:
    root: Path                # bases/ (bootstrapped base disks) and images/ (built AMIs): kept
    run_root: Path            # one directory per running machine: overlays, sockets, console logs (tmpfs is fine)
    memory_mib: int = 512
    cpus: int = 1
    accelerator: str = "auto"   # auto: KVM when a probe shows it really runs guests, else TCG
    network: str = "user"       # QEMU's user-mode network (guests reach the package mirrors) or none
    boot_timeout: float = 90.0  # TCG on a busy 2-core host boots in ~5 s; leave room
    # The most an instance type may ask for one machine (vm/sizes.py): a build host is not a fleet.
    max_cpus: int = 2
    max_memory_mib: int = 2048

    def __post_init__(self) -> None:
        if self.accelerator not in ACCELERATORS:
            raise ValueError(f"accelerator must be one of {', '.join(ACCELERATORS)}, not {self.accelerator!r}")
        if self.network not in NETWORKS:
            raise ValueError(f"network must be one of {', '.join(NETWORKS)} (never a tap or bridge), "
                             f"not {self.network!r}")
        if self.memory_mib < 128 or self.cpus < 1:
            raise ValueError("a machine needs at least 128 MiB of memory and one CPU")

    @classmethod
    def for_data_dir(cls, data_dir: Path | str, **overrides: object) -> VmSettings:
        """The defaults under oib's data dir: <data-dir>/vm (bases, images) and <data-dir>/vm/run."""
        base = Path(data_dir) / "vm"
        values: dict[str, object] = {"root": base, "run_root": base / "run"}
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    @classmethod
    def from_environment(cls, data_dir: Path | str) -> VmSettings:
        """OIB_VM_ROOT=DIR (bases/, images/, cache/ and run/ there, e.g. on tmpfs) or the data dir's."""
        root = os.environ.get("OIB_VM_ROOT")
        return cls(root=Path(root), run_root=Path(root) / "run") if root else cls.for_data_dir(data_dir)

    @property
    def bases_dir(self) -> Path:
        return self.root / "bases"

    @property
    def images_dir(self) -> Path:
        return self.root / "images"

    @property
    def cache_dir(self) -> Path:
        """Downloads kept between bootstraps (the Debian root filesystem tarball)."""
        return self.root / "cache"


def missing_tools(tools: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """(tool, Debian package) for each tool VM builds need (or each of `tools`) that is missing."""
    return host_tools.missing_tools(TOOLS, tools, _present)


def require_tools(tools: Iterable[str] | None = None) -> None:
    """ToolsMissing naming the first missing tool's package (and any others), or nothing."""
    host_tools.require(missing_tools(tools))


def _present(tool: str) -> bool:
    if tool == "busybox":
        return is_static(STATIC_BUSYBOX)   # copied into the initramfs: must need no libraries
    if tool == "extlinux":
        return shutil.which(tool) is not None and MBR_CODE.exists()
    return shutil.which(tool) is not None
