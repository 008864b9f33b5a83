"""Child processes that do not outlive oib: the kernel signals them when the thread that started
them dies, however it dies (kill -9 included)."""
from __future__ import annotations

import ctypes
import signal
from collections.abc import Callable

PR_SET_PDEATHSIG = 1


def die_with_parent(signal_number: int = signal.SIGKILL) -> Callable[[], None]:
    """A preexec_fn for subprocess: the child gets `signal_number` when its parent thread ends.
    buildah is given SIGTERM, on which it stops its runc container and removes what it made;
    the registry SIGKILL. The signal follows the thread that started the child, so start
    long-lived children from a long-lived thread."""
    def arrange() -> None:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal_number)
    return arrange
