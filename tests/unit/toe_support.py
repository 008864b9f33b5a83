"""Calling an action module the way the interpreter does, against LocalExecutor in a folder."""
from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from openimagebuilder.toe.local import LocalExecutor
from openimagebuilder.toe.modules import MODULES, ModuleResult, RunnerSettings, StepCall


def module_runner(folder: Path, shell: Sequence[str] = ("/bin/sh",)) -> Callable[..., ModuleResult]:
    """run(action, inputs, endpoint=, dry_run=, cancel=, lines=, timeout=): one step's module, run in `folder`
    (also the working directory relative paths are taken from); `lines` collects what it prints."""
    def run(action: str, inputs: Any, *, endpoint: str | None = None, dry_run: bool = False,
            cancel: threading.Event | None = None, lines: list[str] | None = None,
            timeout: float | None = 60) -> ModuleResult:
        call = StepCall(action=action, inputs=inputs, executor=LocalExecutor(folder, shell),
                        settings=RunnerSettings(working_directory=str(folder), s3_endpoint_url=endpoint,
                                                dry_run=dry_run),
                        timeout=timeout, cancel=cancel or threading.Event(),
                        on_output=lambda stream, line: lines.append(line) if lines is not None else None)
        return MODULES[action](call)
    return run


def ok(result: ModuleResult) -> ModuleResult:
    assert result.succeeded, result.message
    return result


def failed(result: ModuleResult, *words: str) -> None:
    assert not result.succeeded
    for word in words:
        assert word in result.message, result.message


def busybox_path(folder: Path) -> str | None:
    """A folder of busybox's applets (cp, find, chown, ...) to put first on PATH, so scripts meet
    busybox's commands and not GNU's; None without busybox."""
    busybox = shutil.which("busybox")
    if busybox is None:
        return None
    listing = subprocess.run([busybox, "--list"], capture_output=True, text=True, check=True).stdout.split()
    folder.mkdir(parents=True, exist_ok=True)
    for applet in listing:
        os.symlink(busybox, folder / applet)
    return str(folder)
