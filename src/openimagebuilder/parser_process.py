"""A process of its own for the CPU-heavy, pure work of API requests (parsing documents of up to
64 KiB). On a handler thread such work holds the GIL, and the event loop — which serves every
other caller — waits for it each time it wants the GIL back. In a process of its own the work runs
on another core and holds no lock the loop needs.

One process (`python -m openimagebuilder.parser_process`), started at the first large document and
used once it has said it is ready; until then, and whenever it is unavailable, the work runs on the
calling thread as before. Calls take turns, so the heavy work of all callers together takes at most
one core. The process imports only what the functions it is given need (the document parsers:
~15 MB), and ends when its standard input closes: when `oib` ends, however it ends (kill -9
included), so it never outlives it.

Functions and their arguments and results cross the process boundary pickled: module-level
functions and plain data only."""
from __future__ import annotations

import contextlib
import logging
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import IO, Any, TypeVar

log = logging.getLogger(__name__)

Result = TypeVar("Result")

_HEADER = struct.Struct("!Q")
_READY = b"R"


class ChildGone(Exception):
    """The parser process ended (or never started)."""


class _Child:
    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=None)
        self.ready = False
        self.turn = threading.Lock()

    def became_ready(self) -> bool:
        """Whether it has said it is ready (never blocks)."""
        if not self.ready:
            assert self.process.stdout is not None
            readable, _, _ = select.select([self.process.stdout], [], [], 0)
            if readable:
                if os.read(self.process.stdout.fileno(), 1) != _READY:
                    raise ChildGone("the parser process failed to start")
                self.ready = True
        return self.ready

    def call(self, function: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        with self.turn:
            try:
                _send(self.process.stdin, (function, args))
                failed, value = _receive(self.process.stdout)
            except (OSError, EOFError, pickle.UnpicklingError) as error:
                raise ChildGone(str(error)) from None
        if failed:
            raise value
        return value

    def stop(self) -> None:
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):   # a pipe to a process that ended
                    stream.close()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class ParserProcess:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._child: _Child | None = None

    def run(self, function: Callable[..., Result], *args: Any) -> Result:
        """function(*args): in the parser process once it is ready, else on this thread."""
        child = self._ready_child()
        if child is None:
            return function(*args)
        try:
            result: Result = child.call(function, args)
            return result
        except ChildGone as gone:
            log.warning("the document parser process ended (%s); another is started", gone)
            self._forget(child)
            return function(*args)

    def close(self) -> None:
        """Ends the process (a later run() starts another)."""
        with self._lock:
            child = self._child
        self._forget(child)

    def _ready_child(self) -> _Child | None:
        with self._lock:
            if self._child is None:
                try:
                    self._child = _Child()
                except OSError as error:
                    log.warning("the document parser process cannot start: %s", error)
                    return None
            child = self._child
        try:
            return child if child.became_ready() else None
        except (ChildGone, OSError) as error:
            log.warning("the document parser process: %s", error)
            self._forget(child)
            return None

    def _forget(self, child: _Child | None) -> None:
        with self._lock:
            if child is None or self._child is not child:
                return
            self._child = None
        child.stop()


def _send(stream: IO[bytes], value: object) -> None:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(payload)) + payload)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError("the other end closed")
    (size,) = _HEADER.unpack(header)
    payload = stream.read(size)
    if len(payload) < size:
        raise EOFError("the other end closed")
    return pickle.loads(payload)


def faults_as_values(function: Callable[..., Result], fault: type[Exception], *args: Any) -> tuple[Result | None, str | None]:
    """(function(*args), None), or (None, what is wrong) when it raises `fault`: a parse's outcome
    as plain data, to keep and to send across."""
    try:
        return function(*args), None
    except fault as error:
        return None, str(getattr(error, "message", None) or error)


def main() -> None:
    """The parser process: (function, args) in, (failed, result or exception) out, until its
    standard input closes."""
    requests = sys.stdin.buffer
    # The replies get standard output to themselves: anything printed goes to standard error.
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    replies.write(_READY)
    replies.flush()
    while True:
        try:
            function, args = _receive(requests)
        except EOFError:
            return
        try:
            reply: tuple[bool, object] = (False, function(*args))
        except Exception as error:  # noqa: BLE001 - handed to the caller, who raises it
            reply = (True, error)
        try:
            _send(replies, reply)
        except (pickle.PicklingError, TypeError, AttributeError):
            _send(replies, (True, RuntimeError(repr(reply[1]))))
        except BrokenPipeError:
            return


PARSER = ParserProcess()

if __name__ == "__main__":
    main()
