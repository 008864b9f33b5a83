"""A running `oib` for tests: its own store in a directory of its own, the simulated backend, on a
port the system picks; started in this process (a uvicorn server on a thread) or as an
`oib serve` process, stopped with everything it started."""
from __future__ import annotations

import gc
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MODES = ("inprocess", "process")
SERVING_LINE = re.compile(r"serving the Image Builder API on (http://\S+?:\d+)")
START_TIMEOUT = 60.0


class ServiceFailed(RuntimeError):
    """The service did not start; the message ends with its log."""


@dataclass(frozen=True)
class ServiceOptions:
    """What a test may ask of its service. The defaults make builds quick and deterministic."""
    clock: str = "system"                  # "manual": time moves only when the test moves it
    step_seconds: float = 0.01             # simulated: how long each workflow step takes
    fail_steps: tuple[str, ...] = ()       # workflow steps every build of this service fails
    account_id: str = "123456789012"       # account of callers whose access key is not a 12-digit id
    extra: dict[str, str] = field(default_factory=dict)  # other `oib serve` settings, by field name

    def settings_values(self) -> dict[str, Any]:
        return {"clock": self.clock, "step_seconds": self.step_seconds, "fail_steps": ",".join(self.fail_steps),
                "account_id": self.account_id, "backend": "simulated", "auth": "none", **self.extra}


class OibService:
    """One service: `start()`, then `url`; `stop()` ends it. `mode` is "inprocess" (a thread of
    this process: quick to start, so a store per test is cheap) or "process" (an `oib serve`
    child process: nothing shared with the tests but the network)."""

    def __init__(self, data_dir: Path, options: ServiceOptions | None = None, mode: str = "inprocess") -> None:
        if mode not in MODES:
            raise ValueError(f"mode '{mode}' is not one of {', '.join(MODES)}")
        self.data_dir = Path(data_dir)
        self.options = options or ServiceOptions()
        self.mode = mode
        self.url = ""
        self.log_path = self.data_dir / "oib.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> OibService:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.mode == "process":
            self._start_process()
        else:
            self._start_in_process()

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
            self._process = None
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=30)
            self._server = self._thread = None

    def log(self) -> str:
        """What a process-mode service logged (in-process services log through `logging`)."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def _start_process(self) -> None:
        settings = self.options.settings_values()
        command = [sys.executable, "-m", "openimagebuilder.server.cli", "serve", "--host", "127.0.0.1",
                   "--port", "0", "--data-dir", str(self.data_dir), "--log-level", "info"]
        # Only what the test asked for: none of the OIB_* settings of the shell running the tests.
        env = {key: value for key, value in os.environ.items() if not key.startswith("OIB_")}
        env.update({f"OIB_{name.upper()}": str(value) for name, value in settings.items() if value != ""})
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ServiceFailed(f"oib serve exited with status {self._process.returncode}:\n{self.log()[-4000:]}")
            found = SERVING_LINE.search(self.log())
            if found and _healthy(found.group(1)):
                self.url = found.group(1)
                return
            time.sleep(0.05)
        self.stop()
        raise ServiceFailed(f"oib serve did not start within {START_TIMEOUT:.0f} s:\n{self.log()[-4000:]}")

    def _start_in_process(self) -> None:
        import uvicorn

        from ..server.app import ImageBuilderApp
        from ..server.listen import listen
        from ..server.settings import Settings

        settings = Settings(host="127.0.0.1", port=0, data_dir=str(self.data_dir), **self.options.settings_values())
        settings.validate()
        sock = listen(settings.host, 0)
        app = ImageBuilderApp(settings)
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name=f"oib-{sock.getsockname()[1]}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise ServiceFailed("the in-process oib service did not start (its errors are in the log output)")
            time.sleep(0.005)
        # The app freezes what is alive at start-up out of the collector's way, which suits a
        # service process; here that would be the tests' own objects, so they go back.
        gc.unfreeze()
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_oib/health", timeout=1) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False
