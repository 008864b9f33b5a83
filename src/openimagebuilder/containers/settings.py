"""Where buildah keeps its images and containers and how it runs them, and the host tools real
container builds need (each with the Debian package that provides it)."""
from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .. import host_tools
from ..host_tools import is_static

STORAGE_DRIVERS = ("vfs", "overlay")
ISOLATIONS = ("oci", "chroot")

# tool on PATH → Debian package that provides it. busybox must be the static build (it is copied
# into an empty image), so it is looked up by its own path below rather than just on PATH.
TOOLS: tuple[tuple[str, str], ...] = (
    ("buildah", "buildah"),
    ("runc", "runc"),
    ("skopeo", "skopeo"),
    ("docker-registry", "docker-registry"),
    ("mmdebstrap", "mmdebstrap"),
    ("busybox", "busybox-static"),
)
STATIC_BUSYBOX = Path("/bin/busybox")


@dataclass(frozen=True)
class ContainerSettings:
    storage_root: Path        # containers/storage graphroot: images and working containers
    run_root: Path            # runroot, our config files, runc state and buildah's scratch (tmpfs-friendly)
    # vfs: no mounts at all, so nothing can be left mounted after a kill and it works on any file
    # system (also nested in an overlay root); overlay is faster for large bases (no full copy per
    # working container) but leaves the driver's mounts until the storage is shut down.
    storage_driver: str = "vfs"
    runtime: str = "runc"     # crun, buildah's own default, fails on this project's hybrid cgroups
    isolation: str = "oci"
    registry_url: str | None = None   # host:port of an existing registry; None: the managed local one
    network: str = "host"     # "host" (steps reach package mirrors) or "none"; never a bridge

    def __post_init__(self) -> None:
        if self.storage_driver not in STORAGE_DRIVERS:
            raise ValueError(f"storage_driver must be one of {', '.join(STORAGE_DRIVERS)}, not {self.storage_driver!r}")
        if self.isolation not in ISOLATIONS:
            raise ValueError(f"isolation must be one of {', '.join(ISOLATIONS)}, not {self.isolation!r}")
        if self.network not in ("host", "none"):
            raise ValueError(f"network must be host or none (never a bridge), not {self.network!r}")
        if not self.runtime:
            raise ValueError("runtime must name an OCI runtime, e.g. runc")
        if self.registry_url is not None and ("/" in self.registry_url or not self.registry_url.strip()):
            raise ValueError(f"registry_url must be host:port without a scheme or path, not {self.registry_url!r}")

    @classmethod
    def for_data_dir(cls, data_dir: Path | str, **overrides: object) -> ContainerSettings:
        """The defaults under oib's data dir: <data-dir>/containers/storage and <data-dir>/containers/run."""
        base = Path(data_dir) / "containers"
        values: dict[str, object] = {"storage_root": base / "storage", "run_root": base / "run"}
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    @property
    def config_dir(self) -> Path:
        """containers.conf, storage.conf, registries.conf and policy.json written for our buildah alone."""
        return self.run_root / "config"

    @property
    def runc_root(self) -> Path:
        """runc's state directory, one subdirectory per working container (never the host's /run/runc)."""
        return self.run_root / "runc"

    @property
    def tmp_dir(self) -> Path:
        """buildah's scratch space (bundles, layer blobs) instead of the host's /var/tmp."""
        return self.run_root / "tmp"


def missing_tools(tools: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """(tool, Debian package) for each tool real container builds need (or each of `tools`) that is
    not installed."""
    return host_tools.missing_tools(TOOLS, tools, _present)


def require_tools(tools: Iterable[str] | None = None) -> None:
    """ToolsMissing naming the first missing tool's package (and any others), or nothing. `tools`:
    only these (names from TOOLS); default all of them."""
    host_tools.require(missing_tools(tools))


def _present(tool: str) -> bool:
    # busybox is copied into an empty image: it must need no libraries.
    return is_static(STATIC_BUSYBOX) if tool == "busybox" else shutil.which(tool) is not None
