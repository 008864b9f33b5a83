"""The image store: every AMI this service made is a directory under <data-dir>/vm/images named by
its `ami-` id, holding a standalone qcow2 (`disk.qcow2`, no backing file) and what is known about it
(`image.json`: the Image Builder image it belongs to, region, account, name, the kernel it boots
with). Copies of an image (distribution to other Regions) are hard links of the same file: AMIs
are never written to after they are made (machines run on overlays of them)."""
from __future__ import annotations

import json
import os
import secrets
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .disk import convert, flatten
from .qemu import Boot


@dataclass
class Ami:
    image_id: str
    image_arn: str          # the Image Builder image that made it ("" for none)
    build_token: str        # the build that made it (engine/vm.py's token)
    region: str
    account_id: str
    name: str
    kernel: str             # the kernel and initramfs it boots with (from its base)
    initramfs: str
    description: str = ""
    available: bool = False  # its build ended AVAILABLE; until then an ended build's AMIs are removed
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def boot(self) -> Boot:
        return Boot(Path(self.kernel), Path(self.initramfs))


DELETING_PREFIX = ".deleting-"   # an AMI directory being removed


class ImageStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def disk(self, image_id: str) -> Path:
        return self.root / image_id / "disk.qcow2"

    def get(self, image_id: str) -> Ami | None:
        try:
            data = json.loads((self.root / image_id / "image.json").read_text())
        except (OSError, ValueError):
            return None
        return Ami(**data) if self.disk(image_id).exists() else None

    def all(self) -> list[Ami]:
        if not self.root.exists():
            return []
        return [ami for entry in sorted(self.root.iterdir())
                if not entry.name.startswith(DELETING_PREFIX) and (ami := self.get(entry.name)) is not None]

    def create(self, overlay: Path, ami: Ami) -> Ami:
        """Flattens `overlay` into a new AMI."""
        directory = self.root / ami.image_id
        directory.mkdir(parents=True, exist_ok=True)
        flatten(overlay, self.disk(ami.image_id))
        self.save(ami)
        return ami

    def copy(self, source: Ami, ami: Ami) -> Ami:
        """`ami` with the disk of `source` (a hard link; a copy where links are not possible)."""
        directory = self.root / ami.image_id
        directory.mkdir(parents=True, exist_ok=True)
        target = self.disk(ami.image_id)
        if not target.exists():
            try:
                os.link(self.disk(source.image_id), target)
            except OSError:
                shutil.copyfile(self.disk(source.image_id), target)
        self.save(ami)
        return ami

    def save(self, ami: Ami) -> None:
        path = self.root / ami.image_id / "image.json"
        partial = path.with_name("image.json.partial")
        partial.write_text(json.dumps(asdict(ami), indent=2))
        partial.replace(path)

    def delete(self, image_id: str) -> bool:
        # Renamed out of sight first, removed second: a reader of the store never finds an AMI
        # half removed (a disk without its image.json, or the reverse).
        directory = self.root / image_id
        doomed = self.root / f"{DELETING_PREFIX}{image_id}-{secrets.token_hex(4)}"
        try:
            directory.rename(doomed)
        except FileNotFoundError:
            return False
        shutil.rmtree(doomed, ignore_errors=True)
        return True

    def finish_deletions(self) -> None:
        """Removes what a deletion interrupted (its process killed) left out of sight."""
        for entry in self.root.glob(f"{DELETING_PREFIX}*") if self.root.exists() else []:
            shutil.rmtree(entry, ignore_errors=True)


EXPORT_FORMATS = ("qcow2", "raw")


class ImageNotFound(LookupError):
    pass


def export(store: ImageStore, image_id: str, disk_format: str, output: Path) -> Path:
    """The AMI's disk as a standalone file in `disk_format` at `output`. It boots in plain QEMU
    (extlinux, oib's initramfs handing over to the image's systemd), e.g.
    `qemu-system-x86_64 -m 1024 -nographic OUTPUT`."""
    if disk_format not in EXPORT_FORMATS:
        raise ValueError(f"format must be one of {', '.join(EXPORT_FORMATS)}, not {disk_format!r}")
    if store.get(image_id) is None:
        raise ImageNotFound(f"no image {image_id} in {store.root}")
    output.parent.mkdir(parents=True, exist_ok=True)
    return convert(store.disk(image_id), output, disk_format)


def export_command(image_id: str, disk_format: str, output: str, data_dir: str) -> int:
    """`oib images export AMI-ID --format qcow2|raw --output FILE`: prints where it went."""
    import sys

    from .settings import VmSettings

    settings = VmSettings.from_environment(data_dir)
    try:
        path = export(ImageStore(settings.images_dir), image_id, disk_format, Path(output))
    except (ImageNotFound, ValueError, RuntimeError) as error:
        print(f"oib images export: error: {error}", file=sys.stderr)
        return 1
    print(f"exported {image_id} to {path} ({disk_format}); boot it with: qemu-system-x86_64 -m 1024 "
          f"-nographic -drive file={path},format={disk_format}", flush=True)
    return 0


def import_disk(store: ImageStore, source: Path, boot: Boot, *, name: str, region: str = "",
                account_id: str = "") -> Ami:
    """A disk file (any format qemu-img reads) as a new AMI that recipes can name as their parent
    (`parentImage: ami-...`). It must be laid out as oib's images are: an MBR with the root file
    system (ext4) in its first partition; it boots with `boot` (the VM base's kernel and oib's
    initramfs), so it needs no kernel or boot loader of its own."""
    image_id = f"ami-{secrets.token_hex(9)[:17]}"
    directory = store.root / image_id
    directory.mkdir(parents=True)
    try:
        convert(source, store.disk(image_id), "qcow2")
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    ami = Ami(image_id, "", "import", region, account_id, name, str(boot.kernel), str(boot.initramfs),
              description=f"imported from {source.name}", available=True)
    store.save(ami)
    return ami


def import_command(source: str, name: str | None, data_dir: str) -> int:
    """`oib images import FILE [--name NAME]`: prints the new AMI's id."""
    import sys

    from .bootstrap import load_base
    from .settings import VmSettings

    settings = VmSettings.from_environment(data_dir)
    base = load_base(settings)
    if base is None:
        print("oib images import: error: the VM base (its kernel boots imported disks) is not there: "
              "run `oib images bootstrap --vm` first", file=sys.stderr)
        return 1
    path = Path(source)
    try:
        ami = import_disk(ImageStore(settings.images_dir), path, base.boot(), name=name or path.stem)
    except (RuntimeError, OSError) as error:
        print(f"oib images import: error: {error}", file=sys.stderr)
        return 1
    print(ami.image_id, flush=True)
    return 0
