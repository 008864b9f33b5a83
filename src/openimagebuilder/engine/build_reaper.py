"""What a real backend runs beside its builds: it remembers the builds it touched and, on a thread
of its own, removes what each left (`remove_build(token)`) once the build no longer runs (ended,
failed, cancelled between steps, deleted), and runs periodic chores (sweeps of what dead workers
left) at their own pace. The engine records rollbacks without calling the backend, so this is how
nothing a build made outlives it."""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

REAP_SECONDS = 0.5     # how often builds that ended are looked for (a cancel → nothing left within ~1 s)


def build_token(image_arn: str) -> str:
    """A build's short name on the things it makes (labels, directory owners)."""
    return hashlib.sha256(image_arn.encode()).hexdigest()[:16]


@dataclass
class Chore:
    """Work done every `seconds` (and at the reaper's first pass)."""
    seconds: float
    run: Callable[[], object]
    what: str                  # for the log when it fails
    due: float = 0.0           # monotonic


class BuildReaper:
    def __init__(self, name: str, build_running: Callable[[str], bool] | None,
                 remove_build: Callable[[str], object], chores: list[Chore] | None = None) -> None:
        """`build_running(image ARN)`: whether the build still has a build job (None: builds are
        never reaped, only chores run); `remove_build(token)`: removes what the build made."""
        self.name = name
        self.build_running = build_running
        self.remove_build = remove_build
        self.chores = chores or []
        self._builds: dict[str, str] = {}      # token → image ARN, builds this process touched
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if self.chores:
            self._start()

    def track(self, image_arn: str) -> str:
        """Remembers the build; its token."""
        token = build_token(image_arn)
        with self._lock:
            self._builds[token] = image_arn
        if self.build_running is not None:
            self._start()
        return token

    def reap(self) -> int:
        """Removes what builds that no longer run made; how many builds."""
        if self.build_running is None:
            return 0
        with self._lock:
            builds = dict(self._builds)
        removed = 0
        for token, image_arn in builds.items():
            try:
                if self.build_running(image_arn):
                    continue
                self.remove_build(token)
            except Exception:  # noqa: BLE001 - tried again at the next pass
                log.exception("cleaning up after %s failed", image_arn)
                continue
            removed += 1
            with self._lock:
                self._builds.pop(token, None)
        return removed

    def close(self) -> None:
        """Stops the thread after one last pass."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.reap()

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while True:
            for chore in self.chores:
                if time.monotonic() >= chore.due:
                    chore.due = time.monotonic() + chore.seconds
                    try:
                        chore.run()
                    except Exception:  # noqa: BLE001 - the store or a tool failing now: tried again later
                        log.exception("%s failed", chore.what)
            if self._stop.wait(REAP_SECONDS):
                return
            self.reap()
