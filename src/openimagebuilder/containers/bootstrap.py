"""Base images built offline, and the AWS managed container images they stand in for.

AWS's managed container images (parentImage `arn:aws:imagebuilder:<region>:aws:image/<name>/x.x.x`)
cannot be downloaded here. `oib images bootstrap` builds two real bases from what this machine has
and pushes them into the registry under `aws-managed/<name>:latest`. The mapping below says
plainly what each name really contains: a recipe that needs yum on "Amazon Linux" will fail, as
it should, rather than run on a pretend Amazon Linux.

- busybox: an empty image with Debian's static busybox and its applet links (< 1 s to build).
- debian:  Debian 12 (bookworm) minbase from Debian's mirror with mmdebstrap (apt and dpkg work);
           the root filesystem tarball is cached under the data dir, so only the first build downloads.
"""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..file_lock import file_lock
from .buildah import Buildah, BuildahError
from .registry import Registry
from .settings import STATIC_BUSYBOX, require_tools

BASES = ("busybox", "debian")
BASE_REPOSITORY = "oib-base"            # oib-base/busybox:latest, oib-base/debian:latest
MANAGED_REPOSITORY = "aws-managed"      # aws-managed/<AWS name>:latest
TAG = "latest"
DEBIAN_SUITE = "bookworm"
DEBIAN_MIRROR = os.environ.get("OIB_DEBIAN_MIRROR", "http://deb.debian.org/debian")
DEBIAN_TIMEOUT = 900.0
BOOTSTRAP_LABEL = "org.openimagebuilder.bootstrap"
DEBIAN_IMPORT = f"localhost/{BASE_REPOSITORY}/debian-rootfs:{TAG}"   # the imported tarball, before configuration


@dataclass(frozen=True)
class ManagedImage:
    name: str        # AWS's image name, as in arn:aws:imagebuilder:<region>:aws:image/<name>/x.x.x
    aws: str         # what AWS serves under that name
    base: str        # what oib really serves: "busybox" or "debian"


# AWS's Linux managed container images (container recipes' parentImage); names as AWS uses them
# (Image Builder console and CDK's AmazonManagedImage, DOCKER type). Amazon Linux has no Debian-side
# equivalent, so it gets the smallest honest base; Ubuntu gets Debian, which shares apt and dpkg.
MANAGED_IMAGES: dict[str, ManagedImage] = {image.name: image for image in (
    ManagedImage("amazon-linux-x86-2", "Amazon Linux 2 (x86_64)", "busybox"),
    ManagedImage("amazon-linux-x86-latest", "Amazon Linux, latest (x86_64)", "busybox"),
    ManagedImage("amazon-linux-2023-x86-2023", "Amazon Linux 2023 (x86_64)", "busybox"),
    ManagedImage("ubuntu-22-x86-22-04", "Ubuntu 22.04 (x86_64)", "debian"),
    ManagedImage("ubuntu-24-x86-24-04", "Ubuntu 24.04 (x86_64)", "debian"),
)}
_MANAGED_ARN = re.compile(r"^arn:aws[a-z-]*:imagebuilder:[a-z0-9-]+:aws:image/(?P<name>[a-z0-9-]+)(?:/[^/]+){0,2}$")

Progress = Callable[[str], None]


def managed_parent(arn_or_name: str, registry: Registry | None = None) -> str | None:
    """The registry repository:tag an AWS managed container image resolves to (every version of it
    resolves to the one bootstrapped base), or None if the name is not a managed container image
    oib can stand in for (Windows container images, AMI names, anything else). With `registry`:
    also None while that registry does not hold it yet (`oib images bootstrap` has not run)."""
    match = _MANAGED_ARN.match(arn_or_name)
    name = match.group("name") if match else arn_or_name
    if name not in MANAGED_IMAGES:
        return None
    if registry is not None and registry.digest(f"{MANAGED_REPOSITORY}/{name}", TAG) is None:
        return None
    return f"{MANAGED_REPOSITORY}/{name}:{TAG}"


def managed_base(arn_or_name: str) -> str | None:
    """Which base ("busybox" or "debian") a managed container image is served by; None if none."""
    reference = managed_parent(arn_or_name)
    if reference is None:
        return None
    return MANAGED_IMAGES[reference.split("/", 1)[1].rsplit(":", 1)[0]].base


def bootstrap(base: str, buildah: Buildah, registry: Registry, cache_dir: Path,
              progress: Progress | None = None, cancel: threading.Event | None = None) -> dict[str, str]:
    """Builds `base` and pushes it to `registry` as oib-base/<base>:latest and as every managed
    image it stands in for; {reference: manifest digest}."""
    if base not in BASES:
        raise ValueError(f"unknown base {base!r}: choose one of {', '.join(BASES)}")
    say = progress or (lambda message: None)
    started = time.monotonic()
    labels = {BOOTSTRAP_LABEL: base}
    container = _busybox(buildah, labels) if base == "busybox" else _debian(buildah, labels, cache_dir, say, cancel)
    try:
        buildah.config(container, env={"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
                       cmd=["/bin/sh"], labels={BOOTSTRAP_LABEL: base,
                                                "org.opencontainers.image.description": _DESCRIPTIONS[base]})
        image = buildah.commit(container, f"localhost/{BASE_REPOSITORY}/{base}:{TAG}")
    finally:
        buildah.remove_container(container)
        if base == "debian":
            # Only after the container is gone: removing an image forcibly removes its containers.
            buildah.remove_image(DEBIAN_IMPORT)
    say(f"built the {base} base image in {time.monotonic() - started:.1f} s")
    pushed = {}
    names = [f"{BASE_REPOSITORY}/{base}:{TAG}"] + [
        f"{MANAGED_REPOSITORY}/{image.name}:{TAG}" for image in MANAGED_IMAGES.values() if image.base == base]
    for reference in names:
        destination = f"{registry.url}/{reference}"
        pushed[destination] = buildah.push(image, destination, cancel=cancel)
        say(f"pushed {destination} ({pushed[destination]})")
    return pushed


_DESCRIPTIONS = {
    "busybox": "oib base: empty image with Debian's static busybox (stands in for Amazon Linux)",
    "debian": f"oib base: Debian 12 ({DEBIAN_SUITE}) minbase built with mmdebstrap (stands in for Ubuntu)",
}


def _busybox(buildah: Buildah, labels: dict[str, str]) -> str:
    require_tools(["busybox"])
    container = buildah.from_image("scratch", labels=labels)
    try:
        # One archive, unpacked by buildah add: nothing has to run in the empty image.
        buildah.add_archive(container, busybox_archive())
    except BaseException:
        buildah.remove_container(container)
        raise
    return container


def busybox_archive() -> bytes:
    """The busybox root filesystem as a tar archive: the static binary, a link for each applet at
    the place busybox itself lists (/bin/sh, /usr/bin/env, ...), /tmp, and a root user."""
    applets = subprocess.run([str(STATIC_BUSYBOX), "--list-full"], capture_output=True, text=True,
                             check=True).stdout.split()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        def add(name: str, kind: bytes, mode: int, data: bytes = b"", target: str = "") -> None:
            member = tarfile.TarInfo(name)
            member.type, member.mode, member.size, member.linkname = kind, mode, len(data), target
            member.mtime = 0   # the same archive, and so the same layer, on every machine with this busybox
            archive.addfile(member, io.BytesIO(data) if data else None)

        for directory, mode in (("bin", 0o755), ("sbin", 0o755), ("usr", 0o755), ("usr/bin", 0o755),
                                ("usr/sbin", 0o755), ("etc", 0o755), ("root", 0o700), ("tmp", 0o1777),
                                ("var", 0o755), ("var/tmp", 0o1777)):
            add(directory, tarfile.DIRTYPE, mode)
        add("bin/busybox", tarfile.REGTYPE, 0o755, STATIC_BUSYBOX.read_bytes())
        for applet in sorted(set(applets)):
            if applet != "bin/busybox" and applet.count("/") >= 1:
                add(applet, tarfile.SYMTYPE, 0o777, target="/bin/busybox")
        add("etc/passwd", tarfile.REGTYPE, 0o644, b"root:x:0:0:root:/root:/bin/sh\n")
        add("etc/group", tarfile.REGTYPE, 0o644, b"root:x:0:\n")
    return buffer.getvalue()


def _debian(buildah: Buildah, labels: dict[str, str], cache_dir: Path, say: Progress,
            cancel: threading.Event | None) -> str:
    require_tools(["skopeo", "mmdebstrap"])
    tarball = debian_rootfs(cache_dir, say, cancel)
    say(f"importing {tarball}")
    image = DEBIAN_IMPORT
    process = subprocess.run(
        ["skopeo", "copy", "--quiet", "--policy", str(buildah.settings.config_dir / "policy.json"),
         f"tarball:{tarball}", f"containers-storage:{image}"],
        env=buildah.environment, capture_output=True, text=True)
    if process.returncode != 0:
        raise BuildahError(f"skopeo could not import {tarball}: {process.stderr.strip()}")
    return buildah.from_image(image, labels=labels, cancel=cancel)


def debian_rootfs(cache_dir: Path, say: Progress, cancel: threading.Event | None = None) -> Path:
    """Debian minbase as a tarball, built once with mmdebstrap and then taken from the cache."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    tarball = cache_dir / f"debian-{DEBIAN_SUITE}-minbase.tar"
    if tarball.exists():
        say(f"using the cached Debian root filesystem {tarball}")
        return tarball
    # Processes sharing the cache (workers, `oib images bootstrap`) build it once, in turn.
    with file_lock(cache_dir / (tarball.name + ".lock")):
        if tarball.exists():
            say(f"using the cached Debian root filesystem {tarball}")
            return tarball
        _build_debian_rootfs(tarball, say, cancel)
    return tarball


def _build_debian_rootfs(tarball: Path, say: Progress, cancel: threading.Event | None) -> None:
    cache_dir = tarball.parent
    say(f"building a Debian {DEBIAN_SUITE} minbase root filesystem from {DEBIAN_MIRROR} (about a minute, once)")
    # Scratch on tmpfs when there is one: unpacking is small-file work, ~20x faster there.
    scratch_parent = "/dev/shm" if os.path.isdir("/dev/shm") else None
    with tempfile.TemporaryDirectory(prefix="oib-mmdebstrap-", dir=scratch_parent) as scratch:
        partial = Path(scratch) / "rootfs.tar"
        process = subprocess.Popen(
            # unshare mode: mmdebstrap's mounts (/proc, /sys, /dev/pts in the chroot) live in a mount
            # namespace of its own, so a bootstrap killed halfway leaves none behind.
            ["mmdebstrap", "--quiet", "--mode=unshare", "--variant=minbase", "--dpkgopt=force-unsafe-io",
             DEBIAN_SUITE, str(partial), DEBIAN_MIRROR],
            env={**os.environ, "TMPDIR": scratch}, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True)
        output = _wait_cancellable(process, cancel, DEBIAN_TIMEOUT)
        if process.returncode != 0:
            raise BuildahError(f"mmdebstrap failed (exit status {process.returncode}):\n{output[-3000:]}")
        shutil.move(partial, cache_dir / (tarball.name + ".partial"))
        os.replace(cache_dir / (tarball.name + ".partial"), tarball)


def _wait_cancellable(process: subprocess.Popen[str], cancel: threading.Event | None, timeout: float) -> str:
    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(process.communicate()[0] or ""), daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    while reader.is_alive():
        if (cancel is not None and cancel.is_set()) or time.monotonic() > deadline:
            os.killpg(process.pid, 9)
            reader.join()
            raise BuildahError("mmdebstrap cancelled" if cancel is not None and cancel.is_set()
                               else f"mmdebstrap took longer than {timeout:.0f} s")
        reader.join(0.1)
    return result[0] if result else ""



def bootstrap_command(base: str, data_dir: str, registry_url: str | None) -> int:
    """`oib images bootstrap`: builds `base` into the managed registry under the data dir (started
    for the duration), or into the registry at `registry_url`; prints what it did."""
    from ..host_tools import ToolsMissing
    from .registry import ExternalRegistry, LocalRegistry, RegistryError
    from .settings import ContainerSettings

    def say(message: str) -> None:
        print(message, flush=True)

    # While `oib serve` runs on this data dir, its registry holds the kept port: push there.
    registry_url = registry_url or LocalRegistry(data_dir).serving_url()
    try:
        buildah = Buildah(ContainerSettings.for_data_dir(data_dir, registry_url=registry_url))
        registry = ExternalRegistry(registry_url) if registry_url else LocalRegistry(data_dir)
        if isinstance(registry, LocalRegistry):
            registry.start()
        try:
            pushed = bootstrap(base, buildah, registry, Path(data_dir) / "cache", say)
        finally:
            if isinstance(registry, LocalRegistry):
                registry.stop()
    except (ToolsMissing, BuildahError, RegistryError, ValueError) as error:
        print(f"oib images bootstrap: error: {error}", file=sys.stderr)
        return 1
    served = [name for name, image in MANAGED_IMAGES.items() if image.base == base]
    say(f"{base} base ready ({len(pushed)} references); managed images it serves: {', '.join(served)}")
    return 0
