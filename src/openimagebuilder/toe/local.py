"""The local machine as a build target: scripts run with /bin/sh in a working directory, files are
read and written in place. Used by `oib toe run` on the host itself and by the tests of every
module, so the modules are exercised against a real shell."""
from __future__ import annotations

import errno
import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from typing import IO

from .executor import OutputSink, RunOutcome, TargetError

# How long a killed script's process group gets to exit on SIGTERM before SIGKILL; together with
# the polling interval this keeps a timeout or cancel well under half a second.
TERMINATE_GRACE = 0.3
POLL_INTERVAL = 0.05
FIRST_POLL_INTERVAL = 0.001
# Longer scripts go through a file: one argv string is limited (MAX_ARG_STRLEN, 128 KiB on Linux).
INLINE_SCRIPT_LIMIT = 64 * 1024
# A line longer than this is passed on in pieces, so a program printing without newlines cannot
# make the runner hold unbounded output before the sink sees any of it.
MAX_LINE = 64 * 1024
# After the script ends, how long to wait for its output to drain; a process that left our
# process group (setsid) may keep the pipes open forever and must not hang the run.
DRAIN_TIMEOUT = 1.0


class LocalExecutor:
    def __init__(self, working_directory: str | os.PathLike[str], shell: Sequence[str] = ("/bin/sh",)) -> None:
        """`shell`: the command that runs scripts, e.g. ("busybox", "sh") to try a busybox target's shell."""
        self.working_directory = os.fspath(working_directory)
        self.shell = list(shell)

    def run(self, script: str, *, timeout: float | None = None, on_output: OutputSink | None = None,
            cancel: threading.Event | None = None, env: Mapping[str, str] | None = None,
            cwd: str | None = None) -> RunOutcome:
        script_file = self._script_file(script)
        argv = [*self.shell, script_file] if script_file else [*self.shell, "-c", script]
        try:
            return self._run(argv, timeout, on_output, cancel, env, cwd)
        finally:
            if script_file:
                _remove_quietly(script_file)

    def put_file(self, path: str, data: bytes, *, mode: int | None = None) -> None:
        resolved = self._resolve(path)
        try:
            with open(resolved, "wb") as handle:
                handle.write(data)
            if mode is not None:
                os.chmod(resolved, mode)
        except OSError as error:
            raise TargetError(f"Cannot write {path}: {error.strerror or error}.") from None

    def get_file(self, path: str) -> bytes:
        try:
            with open(self._resolve(path), "rb") as handle:
                return handle.read()
        except OSError as error:
            raise TargetError(f"Cannot read {path}: {error.strerror or error}.") from None

    def reboot(self, cancel: threading.Event | None = None) -> None:
        raise TargetError("The local executor cannot reboot the host it runs on;"
                          " run documents with Reboot steps against a container or VM target.")

    def _resolve(self, path: str) -> str:
        return os.path.join(self.working_directory, path)

    def _script_file(self, script: str) -> str | None:
        # A NUL cannot travel in an argument; sh reads such a script from a file as it would anyway.
        if len(script.encode("utf-8", "surrogateescape")) <= INLINE_SCRIPT_LIMIT and "\0" not in script:
            return None
        try:
            descriptor, name = tempfile.mkstemp(prefix=".oib-script-", suffix=".sh", dir=self.working_directory)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(script.encode("utf-8", "surrogateescape"))
        except OSError as error:
            raise TargetError(f"Cannot write the script to {self.working_directory}: {error.strerror}.") from None
        return name

    def _run(self, argv: list[str], timeout: float | None, on_output: OutputSink | None,
             cancel: threading.Event | None, env: Mapping[str, str] | None, cwd: str | None) -> RunOutcome:
        directory = self._resolve(cwd) if cwd else self.working_directory
        if not os.path.isdir(directory):
            raise TargetError(f"The working directory {directory} does not exist.")
        try:
            process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                cwd=directory,
                env={**os.environ, **env} if env else None,
                # Its own session: the whole tree it starts can be signalled as one process group.
                start_new_session=True)
        except OSError as error:
            raise TargetError(f"Cannot start {' '.join(self.shell)}: {error.strerror or error}.") from None
        sink = _SerialSink(on_output)
        readers = [_Reader(process.stdout, "stdout", sink), _Reader(process.stderr, "stderr", sink)]
        stopped = _wait(process, time.monotonic() + timeout if timeout is not None else None, cancel)
        if stopped:
            _terminate_group(process.pid)
        process.wait()
        # Whatever it left running in the background goes too: nothing a step starts outlives it.
        _terminate_group(process.pid)
        for reader in readers:
            reader.join(DRAIN_TIMEOUT)
        return RunOutcome(
            exit_code=-1 if stopped else process.returncode,
            stdout=readers[0].text(), stderr=readers[1].text(),
            timed_out=stopped == "timeout", cancelled=stopped == "cancel")


def _wait(process: subprocess.Popen[bytes], deadline: float | None, cancel: threading.Event | None) -> str | None:
    """Waits for the script to end; "timeout" or "cancel" when it must be stopped instead. The
    checks start 1 ms apart and back off to POLL_INTERVAL: a short script is seen to end at once,
    a long one costs a check every POLL_INTERVAL."""
    interval = FIRST_POLL_INTERVAL
    while process.poll() is None:
        if cancel is not None and cancel.is_set():
            return "cancel"
        if deadline is not None and time.monotonic() >= deadline:
            return "timeout"
        if cancel is not None:
            cancel.wait(interval)
        else:
            time.sleep(interval)
        interval = min(interval * 2, POLL_INTERVAL)
    return None


def _terminate_group(group: int) -> None:
    """SIGTERM to every process of the group, SIGKILL to those still there after the grace."""
    if not _signal_group(group, signal.SIGTERM):
        return
    deadline = time.monotonic() + TERMINATE_GRACE
    while time.monotonic() < deadline:
        time.sleep(0.01)
        if not _signal_group(group, 0):
            return
    _signal_group(group, signal.SIGKILL)


def _signal_group(group: int, signal_number: int) -> bool:
    """False once the group has no process left. Linux keeps a group's id allocated while any
    member lives, so the id cannot name someone else's group here."""
    try:
        os.killpg(group, signal_number)
    except ProcessLookupError:
        return False
    except PermissionError:
        # A member that changed its user (sudo, su) still counts as alive; SIGKILL may fail likewise.
        return True
    except OSError as error:
        if error.errno == errno.ESRCH:
            return False
        raise
    return True


class _SerialSink:
    """Hands lines to the step's sink one at a time (two readers call it) and keeps a failing sink
    from stopping the readers, which would leave the script blocked on a full pipe."""

    def __init__(self, sink: OutputSink | None) -> None:
        self._sink = sink
        self._lock = threading.Lock()

    def __call__(self, stream: str, line: str) -> None:
        if self._sink is None:
            return
        with self._lock:
            try:
                self._sink(stream, line)
            except Exception:  # noqa: BLE001 - the sink's own fault must not stall the target
                self._sink = None


class _Reader:
    """Reads one of the script's pipes in a thread, passing each line on as it arrives."""

    def __init__(self, pipe: IO[bytes] | None, stream: str, sink: _SerialSink) -> None:
        self._pipe = pipe
        self._stream = stream
        self._sink = sink
        self._chunks: list[bytes] = []
        self._thread = threading.Thread(target=self._read, name=f"oib-local-{stream}", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        pipe = self._pipe
        assert pipe is not None
        with pipe:
            # readline returns a last line without its newline at end of file: partial lines count.
            for chunk in iter(lambda: pipe.readline(MAX_LINE), b""):
                self._chunks.append(chunk)
                self._sink(self._stream, _line_text(chunk))

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def text(self) -> str:
        return b"".join(self._chunks).decode("utf-8", "replace")


def _line_text(chunk: bytes) -> str:
    if chunk.endswith(b"\n"):
        chunk = chunk[:-2] if chunk.endswith(b"\r\n") else chunk[:-1]
    return chunk.decode("utf-8", "replace")


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass
