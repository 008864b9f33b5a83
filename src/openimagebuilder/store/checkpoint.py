"""SQLite: the WAL is copied back into the database file on a thread of its own.

By default the commit that takes the WAL past 1,000 pages runs the checkpoint itself (copying the
pages and an fsync of the database file): every 60th request or so paid milliseconds for it, and
commits cost twice their median on average. The store's connections therefore checkpoint only as
a backstop (`BACKSTOP_PAGES`), and this thread runs a PASSIVE checkpoint, which never blocks a
reader or a writer, every `interval` seconds.
"""
from __future__ import annotations

import logging
import sqlite3
import threading

log = logging.getLogger("openimagebuilder.store")

# Request connections checkpoint themselves only when the WAL passes this size (about 80 MB),
# should this thread fall that far behind.
BACKSTOP_PAGES = 20_000


class WalCheckpointer:
    def __init__(self, database_path: str, interval: float = 0.05) -> None:
        self.database_path = database_path
        self.interval = interval
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="oib-wal-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        connection = sqlite3.connect(self.database_path, isolation_level=None, check_same_thread=False)
        try:
            while not self._stopping.wait(self.interval):
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as error:  # the next round tries again; the backstop remains
                    log.warning("WAL checkpoint failed: %s", error)
        finally:
            connection.close()
