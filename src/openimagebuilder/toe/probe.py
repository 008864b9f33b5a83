"""The target-side checks of conditional expressions (fileExists, binaryExists, fileSHA256Equals,
...), each one short POSIX sh command run through the executor."""
from __future__ import annotations

import shlex
import threading

from .executor import Executor, TargetError

_EXISTS_TESTS = {
    "fileExists": "test -f {name}",
    "folderExists": "test -d {name}",
    "binaryExists": "command -v {name} >/dev/null 2>&1",
}
# Each prints the digest first on its line; all exist in coreutils and in busybox.
_DIGEST_TOOLS = {"md5": "md5sum", "sha1": "sha1sum", "sha256": "sha256sum", "sha512": "sha512sum"}
PROBE_TIMEOUT = 60.0


class ExecutorProbe:
    def __init__(self, executor: Executor, cancel: threading.Event, cwd: str | None = None) -> None:
        self.executor = executor
        self.cancel = cancel
        self.cwd = cwd

    def exists(self, kind: str, name: str) -> bool:
        return self._run(_EXISTS_TESTS[kind].format(name=shlex.quote(name))) is not None

    def digest(self, algorithm: str, path: str) -> str | None:
        printed = self._run(f"{_DIGEST_TOOLS[algorithm]} {shlex.quote(path)}")
        if not printed:
            return None
        return printed.split()[0] if printed.split() else None

    def _run(self, script: str) -> str | None:
        """The command's stdout if it succeeded, None otherwise (a target that cannot run it
        answers "no", like a missing file)."""
        try:
            outcome = self.executor.run(script, timeout=PROBE_TIMEOUT, cancel=self.cancel, cwd=self.cwd)
        except TargetError:
            return None
        return outcome.stdout if outcome.exit_code == 0 else None


class DryRunProbe:
    """A dry run looks at no target: every file, folder and binary is taken as absent."""

    def exists(self, kind: str, name: str) -> bool:
        return False

    def digest(self, algorithm: str, path: str) -> str | None:
        return None
