"""What the AWSTOE-compatible runner costs per step, against running the same commands with sh.

    python bench/toe_overhead.py                 # 200 steps, 5 repeats
    python bench/toe_overhead.py --steps 50 --repeats 3 --command 'echo x'

Measured, each --repeats times, best and median reported:
  (a) library:   run_documents() in this process with LocalExecutor, one document of N ExecuteBash
                 steps (each step runs --command);
  (b) dry run:   the same document with RunnerSettings(dry_run=True): the interpreter alone
                 (substitution, events, reports' records), no command;
  (c) one sh:    one `sh -c` running the N commands (the cheapest possible way to run them);
  (d) N sh:      N `sh -c` processes, one per command, started from Python with subprocess.run;
  (e) CLI:       `oib toe run` on that document, end to end (Python start-up included);
  (f) executor:  N LocalExecutor.run(command) calls: the target layer alone;
  (g) executor+bash: N LocalExecutor.run() of the script ExecuteBash sends (bash started by sh);
  (h) library, 1 ms poll: (a) with LocalExecutor checking for the script's end every 1 ms instead
                 of its POLL_INTERVAL (50 ms): how much of (a) is that wait.
Overhead per step = (library - N sh) / N: what the runner adds to starting one shell per step;
library - executor+bash is the interpreter's own share. Goal: at most 20 ms per step.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from openimagebuilder.toe import local
from openimagebuilder.toe.interpreter import run_documents
from openimagebuilder.toe.local import LocalExecutor
from openimagebuilder.toe.modules import RunnerSettings, StepCall
from openimagebuilder.toe.modules.execute import execute_bash
from openimagebuilder.toe.results import ComponentInput

OIB = str(Path(sys.executable).with_name("oib"))


def document(steps: int, command: str) -> str:
    lines = ["schemaVersion: 1.0", "phases:", "  - name: build", "    steps:"]
    for number in range(steps):
        lines += [f"      - name: Step{number}", "        action: ExecuteBash", "        inputs:",
                  f"          commands: [{json.dumps(command)}]"]
    return "\n".join(lines) + "\n"


def timed(action: Callable[[], object], repeats: int) -> list[float]:
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--command", default="true")
    args = parser.parse_args()
    steps, command = args.steps, args.command
    text = document(steps, command)
    work = Path(tempfile.mkdtemp(prefix="oib-toe-bench-"))
    (work / "bench.yml").write_text(text)
    executor = LocalExecutor(work)

    def library(dry_run: bool) -> None:
        report = run_documents([ComponentInput("bench.yml", text)], None, executor, RunnerSettings(dry_run=dry_run))
        assert report.succeeded and len(report.steps()) == steps, report.failure_message

    def cli() -> None:
        subprocess.run([OIB, "toe", "run", "--documents", "bench.yml", "--working-directory", str(work)],
                       cwd=work, check=True, stdout=subprocess.DEVNULL)

    sent: list[str] = []

    class Recording(LocalExecutor):
        def run(self, script: str, **options: object) -> object:  # type: ignore[override]
            sent.append(script)
            return super().run(script, **options)  # type: ignore[arg-type]

    execute_bash(StepCall("ExecuteBash", {"commands": [command]}, Recording(work), RunnerSettings(), None,
                          threading.Event(), lambda stream, line: None))
    launcher = sent[0]

    results = {
        "library": timed(lambda: library(False), args.repeats),
        "dry run": timed(lambda: library(True), args.repeats),
        "one sh": timed(lambda: subprocess.run(["/bin/sh", "-c", "\n".join([command] * steps)], check=True,
                                               cwd=work), args.repeats),
        "N sh": timed(lambda: [subprocess.run(["/bin/sh", "-c", command], check=True, cwd=work)
                               for _ in range(steps)], args.repeats),
        "CLI": timed(cli, args.repeats),
        "executor": timed(lambda: [executor.run(command) for _ in range(steps)], args.repeats),
        "executor+bash": timed(lambda: [executor.run(launcher) for _ in range(steps)], args.repeats),
    }
    default_poll = local.POLL_INTERVAL
    local.POLL_INTERVAL = 0.001
    try:
        results["library, 1ms poll"] = timed(lambda: library(False), args.repeats)
    finally:
        local.POLL_INTERVAL = default_poll
    print(f"{steps} steps of ExecuteBash {command!r}, {args.repeats} repeats; milliseconds per step:")
    print(f"{'':18} {'best':>8} {'median':>8}")
    per_step = {}
    for name, seconds in results.items():
        best, median = min(seconds) / steps * 1000, statistics.median(seconds) / steps * 1000
        per_step[name] = median
        print(f"{name:18} {best:8.2f} {median:8.2f}")
    startup = timed(lambda: subprocess.run([OIB, "toe", "validate", "--documents", "bench.yml"], cwd=work,
                                           check=True, stdout=subprocess.DEVNULL), args.repeats)
    print(f"CLI start-up (oib toe validate of the document): {statistics.median(startup) * 1000:.0f} ms median")
    print(f"overhead per step, library - N sh: {per_step['library'] - per_step['N sh']:.2f} ms (median);"
          f" library - one sh: {per_step['library'] - per_step['one sh']:.2f} ms;"
          f" interpreter's own share, library - executor+bash: {per_step['library'] - per_step['executor+bash']:.2f} ms")


if __name__ == "__main__":
    main()
