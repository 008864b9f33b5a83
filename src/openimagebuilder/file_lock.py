"""An flock on a file: it orders threads and processes alike (several workers and `oib` commands
may share one storage or cache), and the kernel drops it with a holder that dies, kill -9 included."""
from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def file_lock(path: Path, mode: int = fcntl.LOCK_EX) -> Iterator[None]:
    """Holds the lock on `path` (created if missing): LOCK_EX alone, LOCK_SH shared."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, mode)
        yield
    finally:
        os.close(descriptor)
