"""The host's tools real builds drive (buildah, qemu, mkfs, ...): which are missing, and the one
message that names their Debian packages."""
from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path


class ToolsMissing(RuntimeError):
    """A tool real builds need is not installed; the message names its Debian package."""


def missing_tools(table: Sequence[tuple[str, str]], tools: Iterable[str] | None,
                  present: Callable[[str], bool] = lambda tool: shutil.which(tool) is not None,
                  ) -> list[tuple[str, str]]:
    """(tool, Debian package) for each tool of `table` (or each of `tools`) that `present` denies."""
    wanted = set(tools) if tools is not None else None
    return [(tool, package) for tool, package in table
            if (wanted is None or tool in wanted) and not present(tool)]


def require(missing: list[tuple[str, str]]) -> None:
    """ToolsMissing naming the first missing tool's package (and any others), or nothing."""
    if not missing:
        return
    tool, package = missing[0]
    message = f"{tool} not found: install the Debian package {package} (apt-get install {package})"
    if len(missing) > 1:
        message += "; also missing: " + ", ".join(f"{t} (package {p})" for t, p in missing[1:])
    raise ToolsMissing(message)


def is_static(path: Path) -> bool:
    """True for an ELF executable without a program interpreter, i.e. statically linked: the
    dynamic busybox of Debian's `busybox` package would not run inside an empty image."""
    try:
        with open(path, "rb") as handle:
            header = handle.read(64)
            if header[:4] != b"\x7fELF" or header[4] != 2:   # 64-bit ELF only
                return False
            program_headers = int.from_bytes(header[32:40], "little")
            entry_size = int.from_bytes(header[54:56], "little")
            count = int.from_bytes(header[56:58], "little")
            handle.seek(program_headers)
            for _ in range(count):
                if int.from_bytes(handle.read(entry_size)[:4], "little") == 3:   # PT_INTERP
                    return False
            return True
    except OSError:
        return False
