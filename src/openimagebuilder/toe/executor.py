"""What the runner needs from a build target. The interpreter and the action modules run on the
host; everything they do to the target goes through these few calls, so one set of modules serves
the local machine, containers and VMs alike. Scripts are POSIX sh: a busybox-only target works."""
from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

# Called with ("stdout" | "stderr", one line without its newline) as the target prints it.
OutputSink = Callable[[str, str], None]


@dataclass(frozen=True)
class RunOutcome:
    exit_code: int          # the script's exit status; -1 when it was killed (timeout, cancel)
    stdout: str             # everything it printed, as text (undecodable bytes replaced)
    stderr: str
    timed_out: bool = False
    cancelled: bool = False


class TargetError(Exception):
    """The target itself failed (it cannot be reached, a file transfer failed): not a step's own
    failure but the reason it could not run."""


class Executor(Protocol):
    """One build target. Implementations: toe.local.LocalExecutor (this machine, in a working
    directory); container and VM executors come with their backends."""

    def run(self, script: str, *, timeout: float | None = None, on_output: OutputSink | None = None,
            cancel: threading.Event | None = None, env: Mapping[str, str] | None = None,
            cwd: str | None = None) -> RunOutcome:
        """Runs `script` with /bin/sh on the target and waits for it; output is streamed line by line
        to `on_output` as it comes and also returned whole. A timeout (seconds) or a set `cancel`
        kills the script and everything it started."""
        ...

    def put_file(self, path: str, data: bytes, *, mode: int | None = None) -> None:
        """Writes `data` to `path` on the target (parent folders must exist)."""
        ...

    def get_file(self, path: str) -> bytes:
        """Reads `path` from the target; TargetError if it cannot."""
        ...

    def reboot(self, cancel: threading.Event | None = None) -> None:
        """Restarts the target and returns once it runs scripts again (the Reboot module)."""
        ...
