"""Helpers shared by bench/executions.py and bench/schedules.py (bench/run.py is left as it is;
its Server, client and machine helpers are imported from it).

* a scratch PostgreSQL database, created and dropped like tests/conftest.py does;
* percentiles, load average, and the CPU used by everything else on the machine.
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import run as base  # noqa: E402  (bench/run.py: Server, client, prerequisites, machine)

POSTGRES_ADMIN_URL = os.environ.get("OIB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def scratch_postgres(admin_url: str = POSTGRES_ADMIN_URL, prefix: str = "oib_bench") -> Iterator[str]:
    """A fresh PostgreSQL database for this run (dropped afterwards); SystemExit if unreachable."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        admin.dispose()
        raise SystemExit(f"error: PostgreSQL not reachable at {admin_url}: {error}") from None
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def latency_summary(seconds: list[float]) -> dict[str, float]:
    if not seconds:
        return {"calls": 0}
    ms = [s * 1000 for s in seconds]
    return {"calls": len(ms), "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95),
            "p99_ms": percentile(ms, 99), "max_ms": max(ms), "mean_ms": statistics.fmean(ms)}


def loadavg() -> list[str]:
    return Path("/proc/loadavg").read_text().split()[:3]


def parse_aws_date(text: str) -> float:
    """`2020-02-19T19:04:01.253Z` (or a datetime boto3 parsed) → epoch seconds."""
    if isinstance(text, datetime):
        return text.timestamp()
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()


def postgres_cpu_seconds() -> float:
    """CPU time of every local `postgres` process so far (all databases: other users' too)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if text[text.index("(") + 1:text.rindex(")")] != "postgres":
            continue
        fields = text.rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """Server CPU and other load (cores busy with anything but the server, the local PostgreSQL
    processes and this script)."""

    def __init__(self, server: base.Server) -> None:
        self.server = server

    def __enter__(self) -> CpuMeter:
        import time
        self.t0, self.busy0 = time.perf_counter(), base.machine_busy_seconds()
        self.cpu0, self.own0 = self.server.cpu_seconds(), time.process_time()
        self.pg0 = postgres_cpu_seconds()
        return self

    def __exit__(self, *exc: object) -> None:
        import time
        self.seconds = time.perf_counter() - self.t0
        self.server_cpu = self.server.cpu_seconds() - self.cpu0
        own = time.process_time() - self.own0
        busy = base.machine_busy_seconds() - self.busy0
        postgres = postgres_cpu_seconds() - self.pg0
        self.server_cores = self.server_cpu / self.seconds
        self.postgres_cores = postgres / self.seconds
        self.other_cores = max(busy - self.server_cpu - own - postgres, 0.0) / self.seconds
        self.own_cores = own / self.seconds

    def as_dict(self) -> dict[str, float]:
        return {"seconds": round(self.seconds, 3), "server_cpu_cores": round(self.server_cores, 2),
                "bench_client_cpu_cores": round(self.own_cores, 2),
                "postgres_cpu_cores": round(self.postgres_cores, 2), "other_load_cores": round(self.other_cores, 2)}


@contextmanager
def discard_on_error(work: Path, keep_data: bool) -> Iterator[Path]:
    """The work dir of a run, removed if the run fails (unless --keep-data); `finish` deals with
    it after a run that succeeds."""
    try:
        yield work
    except BaseException:
        if not keep_data:
            shutil.rmtree(work, ignore_errors=True)
        raise


def finish(results: dict, output: Path, work: Path, keep_data: bool, started: float,
           report: Callable[[dict], list[str]]) -> int:
    """The end of every benchmark run: remove (or keep) the work dir, stamp the load and elapsed
    time, write the results file and print the report."""
    if keep_data:
        print(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    results["machine"]["loadavg_at_end"] = loadavg()
    results["elapsed_seconds"] = round(time.monotonic() - started, 1)
    output.write_text(json.dumps(results, indent=2) + "\n")
    print("\n".join(report(results)))
    print(f"\nwrote {output} ({results['elapsed_seconds']}s)")
    return 0

