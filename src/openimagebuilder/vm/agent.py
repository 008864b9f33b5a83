"""The host side of oib's guest agent (protocol in guest.py): run a script with its output streamed
line by line and its exit status, put and get files, reboot and wait for the agent to come back,
power off. One request at a time; every wait can be cancelled and gives up when QEMU exits."""
from __future__ import annotations

import base64
import itertools
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..toe.executor import OutputSink, RunOutcome, TargetError

CHUNK = 4 * 1024 * 1024     # files travel in pieces of at most this size (the guest buffers one in memory)
POLL = 0.2                  # how often a wait looks at cancel, deadlines and QEMU
KILL_GRACE = 10.0           # how long a killed script's exit status may take to come back


class AgentError(TargetError):
    """The agent cannot be reached or broke the protocol; the machine is unusable."""


class AgentClient:
    def __init__(self, socket_path: Path, alive: Callable[[], bool], describe: Callable[[], str] = lambda: "") -> None:
        """`alive()`: whether QEMU still runs; `describe()`: what to add to an error (its console's end)."""
        self.socket_path = socket_path
        self.alive = alive
        self.describe = describe
        self._socket: socket.socket | None = None
        self._buffer = bytearray()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    # -- connection ------------------------------------------------------------------------------------
    def connect(self, timeout: float, cancel: threading.Event | None = None) -> float:
        """Waits until the agent answers (the machine has booted); the seconds it took."""
        started = time.monotonic()
        deadline = started + timeout
        while self._socket is None:
            self._check(deadline, cancel, "the machine's agent socket to appear")
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                connection.connect(str(self.socket_path))
            except OSError:
                connection.close()
                time.sleep(0.05)
                continue
            connection.settimeout(POLL)
            self._socket = connection
        with self._lock:
            # READY may have gone out before we connected; PING waits in the port until the agent reads.
            self._send(b"PING\n")
            while self._line(deadline, cancel, "the agent to start") != b"PONG":
                pass
        return time.monotonic() - started

    @property
    def connected(self) -> bool:
        return self._socket is not None

    def close(self) -> None:
        """Lets go of the machine: another process of this host may connect next."""
        if self._socket is not None:
            self._socket.close()
            self._socket = None
            self._buffer.clear()

    # -- requests --------------------------------------------------------------------------------------
    def run(self, script: str, *, timeout: float | None = None, on_output: OutputSink | None = None,
            cancel: threading.Event | None = None) -> RunOutcome:
        with self._lock:
            request = str(next(self._ids))
            payload = script.encode()
            self._send(f"RUN {request} {len(payload)}\n".encode() + payload)
            stdout: list[str] = []
            stderr: list[str] = []
            deadline = time.monotonic() + timeout if timeout is not None else None
            killed: str | None = None
            kill_deadline = 0.0
            while True:
                if killed is None and ((cancel is not None and cancel.is_set()) or
                                       (deadline is not None and time.monotonic() > deadline)):
                    killed = "cancelled" if cancel is not None and cancel.is_set() else "timed out"
                    self._send(f"KILL {request}\n".encode())
                    kill_deadline = time.monotonic() + KILL_GRACE
                line = self._poll_line(kill_deadline if killed else None, "the script to end")
                if line is None:
                    continue   # nothing yet: look at cancel and the deadline again
                if line == b"READY":   # the agent started again: the machine restarted under the script
                    raise self._gone("the machine restarted while the script ran (a reboot or a kernel panic)")
                kind, _, rest = line.partition(b" ")
                ident, _, text = rest.partition(b" ")
                if ident != request.encode():
                    continue   # left over from an earlier request
                if kind == b"X":
                    status = int(text or b"-1")
                    return RunOutcome(-1 if killed else status, "".join(stdout), "".join(stderr),
                                      timed_out=killed == "timed out", cancelled=killed == "cancelled")
                decoded = text.decode(errors="replace")
                (stdout if kind == b"O" else stderr).append(decoded + "\n")
                if on_output is not None:
                    on_output("stdout" if kind == b"O" else "stderr", decoded)

    def put_file(self, path: str, data: bytes, mode: int | None = None) -> None:
        encoded = base64.b64encode(path.encode()).decode()
        with self._lock:
            pieces = [data[start:start + CHUNK] for start in range(0, len(data), CHUNK)] or [b""]
            for index, piece in enumerate(pieces):
                last = index == len(pieces) - 1
                mode_text = f"{mode:o}" if mode is not None and last else "-"
                self._send(f"PUT {encoded} {mode_text} {len(piece)} {'w' if index == 0 else 'a'}\n".encode() + piece)
                answer = self._line(time.monotonic() + 120, None, f"writing {path}")
                if answer != b"OK":
                    raise TargetError(f"cannot write {path}: {answer.decode(errors='replace').removeprefix('ERR ')}")

    def get_file(self, path: str) -> bytes:
        with self._lock:
            self._send(f"GET {base64.b64encode(path.encode()).decode()}\n".encode())
            deadline = time.monotonic() + 120
            answer = self._line(deadline, None, f"reading {path}")
            if not answer.startswith(b"SIZE "):
                raise TargetError(f"cannot read {path}: {answer.decode(errors='replace').removeprefix('ERR ')}")
            return self._exactly(int(answer[5:]), deadline, f"reading {path}")

    def reboot(self, timeout: float, cancel: threading.Event | None = None) -> float:
        """Restarts the machine and waits for the agent; the seconds it took."""
        started = time.monotonic()
        with self._lock:
            self._send(b"REBOOT\n")
            deadline = started + timeout
            while self._line(deadline, cancel, "the machine to reboot") != b"OK":
                pass
            while self._line(deadline, cancel, "the agent after the reboot") != b"READY":
                pass
        return time.monotonic() - started

    def power_off(self, timeout: float) -> None:
        """Asks the machine to sync its disk and stop; returns once the agent acknowledged (wait for
        QEMU to exit to know it has)."""
        with self._lock:
            self._send(b"POWEROFF\n")
            deadline = time.monotonic() + timeout
            while self._line(deadline, None, "the machine to power off") != b"OK":
                pass

    # -- wire --------------------------------------------------------------------------------------------
    def _send(self, data: bytes) -> None:
        if self._socket is None:
            raise AgentError("not connected to the machine's agent")
        try:
            self._socket.sendall(data)
        except OSError as error:
            raise self._gone(f"the agent's connection broke ({error})") from None

    def _line(self, deadline: float | None, cancel: threading.Event | None, what: str) -> bytes:
        """The next line (without its newline); READY lines carry their version after a space, which
        is dropped so callers compare the word."""
        while b"\n" not in self._buffer:
            self._receive(deadline, cancel, what)
        return self._take_line()

    def _poll_line(self, deadline: float | None, what: str) -> bytes | None:
        """The next line if one is whole within one POLL, else None."""
        if b"\n" not in self._buffer:
            self._receive(deadline, None, what)
            if b"\n" not in self._buffer:
                return None
        return self._take_line()

    def _take_line(self) -> bytes:
        end = self._buffer.index(b"\n")
        line = bytes(self._buffer[:end])
        del self._buffer[:end + 1]
        return b"READY" if line.startswith(b"READY ") else line

    def _exactly(self, size: int, deadline: float, what: str) -> bytes:
        while len(self._buffer) < size:
            self._receive(deadline, None, what)
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def _receive(self, deadline: float | None, cancel: threading.Event | None, what: str) -> None:
        assert self._socket is not None
        self._check(deadline, cancel, what)
        try:
            chunk = self._socket.recv(65536)
        except TimeoutError:
            return
        except OSError as error:
            raise self._gone(f"the agent's connection broke ({error})") from None
        if not chunk:
            raise self._gone("the machine closed the agent's connection")
        self._buffer += chunk

    def _check(self, deadline: float | None, cancel: threading.Event | None, what: str) -> None:
        if cancel is not None and cancel.is_set():
            raise AgentError(f"cancelled while waiting for {what}")
        if not self.alive():
            raise self._gone(f"the machine stopped while waiting for {what}")
        if deadline is not None and time.monotonic() > deadline:
            raise self._gone(f"timed out waiting for {what}")

    def _gone(self, message: str) -> AgentError:
        detail = self.describe()
        return AgentError(message + (f"; console:\n{detail}" if detail else ""))
