"""Image build throughput and API latency under build load, on the simulated backend.

    python bench/executions.py                         # embedded SQLite store
    python bench/executions.py --store postgresql      # a scratch PostgreSQL database
    python bench/executions.py --builds 100 --latency-calls 100   # quicker

Starts `oib serve --step-seconds 0 --engine-workers N` (OIB_STEP_SECONDS=0) on a free port with a
fresh store, creates one infrastructure configuration, one image recipe (amazon-linux-2-x86 +
update-linux) and one image pipeline through boto3, then:

  (a) throughput: starts --builds CreateImage calls (--start-threads clients at once) and polls
      ListImageBuildVersions until every image is AVAILABLE. builds/s = builds / (first start →
      last AVAILABLE). The last AVAILABLE is taken from the images' build logs (the last event's
      timestamp, ms precision), the poll that saw it only confirms. steps/s = builds × workflow steps
      per build (ListWorkflowExecutions + ListWorkflowStepExecutions on one image) / that time.
  (b) API latency while builds run: starts --builds more CreateImage calls tagged
      `oib:step-seconds=<--busy-step-seconds>` (a second recipe), and at once makes serial boto3
      GetImagePipeline / ListImages / CreateInfrastructureConfiguration calls in turn. Only calls
      that start before the last of those builds finishes count as "busy". When every build is done,
      the same calls again on the now idle server (same store contents) give the baseline.

Every response must succeed and every build must end AVAILABLE, or the run exits 1.
Writes bench/executions_results[_postgresql].json (see docs/benchmarks.md).
"""
from __future__ import annotations

import argparse
import json
import secrets
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from bench_common import (
    BENCH,
    POSTGRES_ADMIN_URL,
    CpuMeter,
    base,
    discard_on_error,
    finish,
    latency_summary,
    parse_aws_date,
    scratch_postgres,
)

TERMINAL = {"AVAILABLE", "FAILED", "CANCELLED"}


def image_logs(url: str, image_arn: str) -> list[dict[str, Any]]:
    query = urllib.parse.urlencode({"imageBuildVersionArn": image_arn})
    with urllib.request.urlopen(f"{url}/_oib/logs?{query}", timeout=30) as reply:
        return json.loads(reply.read())["events"]


def states(c: Any, recipe_arn: str) -> dict[str, str]:
    """image build-version ARN → status, for every build of one recipe version."""
    version_arn = recipe_arn.replace(":image-recipe/", ":image/")
    found: dict[str, str] = {}
    for page in c.get_paginator("list_image_build_versions").paginate(imageVersionArn=version_arn):
        for summary in page["imageSummaryList"]:
            found[summary["arn"]] = summary["state"]["status"]
    return found


def start_builds(url: str, recipe: str, infra: str, count: int, threads: int,
                 tags: dict[str, str] | None = None) -> tuple[list[str], float, float]:
    """(image ARNs, wall time of the first start, of the last start response)."""
    clients = [base.client(url) for _ in range(threads)]
    arns: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()

    def one(index: int) -> None:
        try:
            extra = {"tags": tags} if tags else {}
            response = clients[index % threads].create_image(
                imageRecipeArn=recipe, infrastructureConfigurationArn=infra, **extra)
            with lock:
                arns.append(response["imageBuildVersionArn"])
        except Exception as error:  # noqa: BLE001 - reported, fails the run
            with lock:
                errors.append(str(error))

    first = time.time()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, range(count)))
    last = time.time()
    if errors:
        raise SystemExit(f"error: {len(errors)} CreateImage calls failed; first: {errors[0]}")
    return arns, first, last


def wait_all(c: Any, version_arn: str, arns: list[str], timeout: float, poll: float) -> tuple[dict[str, str], float]:
    deadline = time.monotonic() + timeout
    wanted = set(arns)
    while True:
        found = states(c, version_arn)
        done = {arn: status for arn, status in found.items() if arn in wanted and status in TERMINAL}
        if len(done) == len(wanted):
            return done, time.time()
        if time.monotonic() > deadline:
            raise SystemExit(f"error: only {len(done)} of {len(wanted)} builds finished within {timeout:.0f}s")
        time.sleep(poll)


def finish_times(url: str, arns: list[str]) -> list[float]:
    """Each image's last build-log event (the moment it became AVAILABLE), epoch seconds."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        logs = list(pool.map(lambda arn: image_logs(url, arn), arns))
    return [parse_aws_date(events[-1]["timestamp"]) for events in logs]


def steps_per_build(c: Any, image_arn: str) -> tuple[int, list[str]]:
    executions = c.list_workflow_executions(imageBuildVersionArn=image_arn)["workflowExecutions"]
    steps, names = 0, []
    for execution in executions:
        listed = c.list_workflow_step_executions(workflowExecutionId=execution["workflowExecutionId"])["steps"]
        steps += len(listed)
        names.append(f"{execution['workflowBuildVersionArn'].split(':workflow/')[-1]}: {len(listed)} steps")
    return steps, names


class LatencyProbe:
    """Serial boto3 calls of three kinds, in turn; every call's start time and duration."""

    def __init__(self, url: str, pipeline: str, tag: str) -> None:
        self.client = base.client(url)
        self.pipeline, self.tag = pipeline, tag
        self.counter = 0
        self.samples: dict[str, list[tuple[float, float]]] = {"GetImagePipeline": [], "ListImages": [],
                                                              "CreateInfrastructureConfiguration": []}

    def call(self, kind: str) -> None:
        started, t0 = time.time(), time.perf_counter()
        if kind == "GetImagePipeline":
            self.client.get_image_pipeline(imagePipelineArn=self.pipeline)
        elif kind == "ListImages":
            self.client.list_images()
        else:
            self.counter += 1
            self.client.create_infrastructure_configuration(
                name=f"lat-{self.tag}-{self.counter}", instanceProfileName="p")
        self.samples[kind].append((started, time.perf_counter() - t0))

    def rounds(self, count: int, stop: threading.Event | None = None) -> None:
        for _ in range(count):
            if stop is not None and stop.is_set():
                return
            for kind in self.samples:
                self.call(kind)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-admin-url", default=POSTGRES_ADMIN_URL,
                        help="where to create the scratch database (OIB_TEST_POSTGRES_URL, default "
                             "postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    parser.add_argument("--builds", type=int, default=200, help="builds started in (a) and again in (b) (200)")
    parser.add_argument("--engine-workers", type=int, default=2, help="oib serve --engine-workers (2)")
    parser.add_argument("--start-threads", type=int, default=4, help="boto3 clients starting builds at once (4)")
    parser.add_argument("--busy-step-seconds", type=float, default=0.5,
                        help="(b): oib:step-seconds tag on each busy build (0.5)")
    parser.add_argument("--latency-calls", type=int, default=250, help="(b): calls of each kind, busy and idle (250)")
    parser.add_argument("--poll-seconds", type=float, default=0.5, help="ListImageBuildVersions poll interval (0.5)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for the builds (300)")
    parser.add_argument("--skip-latency", action="store_true", help="only (a), the throughput")
    parser.add_argument("--output", help="results file (bench/executions_results[_postgresql].json)")
    parser.add_argument("--keep-data", action="store_true", help="keep the temporary data dir and server log")
    opts = parser.parse_args(argv)
    output = Path(opts.output or BENCH / ("executions_results.json" if opts.store == "sqlite"
                                          else "executions_results_postgresql.json"))

    work = Path(tempfile.mkdtemp(prefix="oib-bench-exec-"))
    started = time.monotonic()
    results: dict[str, Any] = {"benchmark": "executions", "settings": {k: v for k, v in vars(opts).items()
                                                                     if k not in ("output", "postgres_admin_url")},
                               "machine": base.machine()}
    database = scratch_postgres(opts.postgres_admin_url) if opts.store == "postgresql" else nullcontext(None)
    with discard_on_error(work, opts.keep_data):
        with database as database_url:
            command = [sys.executable, "-m", "openimagebuilder.server.cli", "serve", "--host", "127.0.0.1",
                       "--port", "{port}", "--data-dir", str(work / "data"), "--step-seconds", "0",
                       "--engine-workers", str(opts.engine_workers)]
            if database_url:
                command += ["--database-url", database_url]
            server = base.Server("oib", command, work / "oib.log",
                                 {"OIB_LOG_LEVEL": "warning", "OIB_STEP_SECONDS": "0"})
            print(f"starting oib ({opts.store}, --step-seconds 0, --engine-workers {opts.engine_workers}) ...",
                  flush=True)
            server.start()
            try:
                results.update(run(server, opts, database_url))
                results["peak_rss_mib"] = round(server.proc_status().get("VmHWM", 0) / 1024, 1)
            finally:
                server.stop()
    return finish(results, output, work, opts.keep_data, started, report)


def pg_commits(database_url: str | None) -> int | None:
    """Transactions committed in the scratch database so far (PostgreSQL's statistics; they lag
    by up to half a second, so read them after the work has settled)."""
    if not database_url:
        return None
    from sqlalchemy import create_engine, text
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_stat_clear_snapshot()"))
            return int(connection.scalar(text(
                "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")))
    finally:
        engine.dispose()


def run(server: base.Server, opts: argparse.Namespace, database_url: str | None = None) -> dict[str, Any]:
    tag = secrets.token_hex(3)
    c = base.client(server.url)
    recipe, infra = base.prerequisites(server.url, tag)
    busy_recipe = c.create_image_recipe(
        name=f"bench-busy-{tag}", semanticVersion="1.0.0", parentImage=base.PARENT_IMAGE,
        components=[{"componentArn": base.COMPONENT}])["imageRecipeArn"]
    pipeline = c.create_image_pipeline(name=f"bench-pipeline-{tag}", imageRecipeArn=recipe,
                                       infrastructureConfigurationArn=infra)["imagePipelineArn"]
    out: dict[str, Any] = {}

    # -- (a) throughput at zero step duration --------------------------------------------------
    print(f"(a) {opts.builds} builds at step-seconds 0 ...", flush=True)
    time.sleep(1.0 if database_url else 0)
    commits0 = pg_commits(database_url)
    with CpuMeter(server) as meter:
        arns, first_start, last_start = start_builds(server.url, recipe, infra, opts.builds, opts.start_threads)
        done, seen_all = wait_all(c, recipe, arns, opts.timeout, opts.poll_seconds)
    failed = {arn: status for arn, status in done.items() if status != "AVAILABLE"}
    if failed:
        raise SystemExit(f"error: {len(failed)} builds did not end AVAILABLE: {list(failed.items())[:3]}")
    finished = finish_times(server.url, arns)
    last_available = max(finished)
    time.sleep(1.0 if database_url else 0)
    commits1 = pg_commits(database_url)
    steps, workflows = steps_per_build(c, arns[0])
    seconds = last_available - first_start
    out["throughput"] = {
        "builds": len(arns), "steps_per_build": steps, "workflows": workflows,
        "start_seconds": round(last_start - first_start, 3),
        "first_start_to_last_available_seconds": round(seconds, 3),
        "first_start_to_poll_seeing_all_seconds": round(seen_all - first_start, 3),
        "builds_per_second": round(len(arns) / seconds, 1),
        "steps_per_second": round(len(arns) * steps / seconds, 1),
        "build_seconds_median": round(sorted(finished)[len(finished) // 2] - first_start, 3),
        # PostgreSQL: committed transactions per build, all included (CreateImage, the engine's
        # steps, its idle checks, the polls and the log reads of this script).
        "postgres_commits_per_build": (round((commits1 - commits0) / len(arns), 1)
                                       if commits0 is not None else None),
        **meter.as_dict(),
    }
    print(f"    {len(arns)} builds in {seconds:.2f}s = {len(arns) / seconds:.1f} builds/s, "
          f"{len(arns) * steps / seconds:.0f} steps/s ({steps} steps per build)", flush=True)

    if opts.skip_latency:
        return out
    # -- (b) latency while builds run, then idle -----------------------------------------------
    probe = LatencyProbe(server.url, pipeline, tag)
    probe.rounds(20)  # warm-up, not counted
    for samples in probe.samples.values():
        samples.clear()
    print(f"(b) {opts.builds} builds tagged oib:step-seconds={opts.busy_step_seconds:g}, "
          f"{opts.latency_calls} calls of each kind meanwhile ...", flush=True)
    with CpuMeter(server) as busy_meter:
        busy_arns, busy_first, busy_last = start_builds(
            server.url, busy_recipe, infra, opts.builds, opts.start_threads,
            tags={"oib:step-seconds": f"{opts.busy_step_seconds:g}"})
        probe.rounds(opts.latency_calls)
    probe_end = time.time()
    busy_done, _ = wait_all(c, busy_recipe, busy_arns, opts.timeout, opts.poll_seconds)
    failed = {arn: status for arn, status in busy_done.items() if status != "AVAILABLE"}
    if failed:
        raise SystemExit(f"error: {len(failed)} busy builds did not end AVAILABLE: {list(failed.items())[:3]}")
    busy_finished = finish_times(server.url, busy_arns)
    busy_until = max(busy_finished)
    busy = {kind: [d for t, d in samples if t < busy_until] for kind, samples in probe.samples.items()}
    dropped = {kind: sum(1 for t, _ in samples if t >= busy_until) for kind, samples in probe.samples.items()}
    in_flight_at_probe_end = sum(1 for t in busy_finished if t > probe_end)

    idle_probe = LatencyProbe(server.url, pipeline, tag + "i")
    idle_probe.rounds(20)
    for samples in idle_probe.samples.values():
        samples.clear()
    with CpuMeter(server) as idle_meter:
        idle_probe.rounds(opts.latency_calls)
    idle = {kind: [d for _, d in samples] for kind, samples in idle_probe.samples.items()}
    out["latency"] = {
        "busy_builds": len(busy_arns), "busy_step_seconds": opts.busy_step_seconds,
        "busy_start_seconds": round(busy_last - busy_first, 3),
        "busy_builds_seconds": round(busy_until - busy_first, 3),
        "probe_seconds": round(probe_end - busy_first, 3),
        "builds_still_running_when_probe_ended": in_flight_at_probe_end,
        "calls_after_builds_finished_not_counted": dropped,
        "images_in_store": len(arns) + len(busy_arns),
        "busy": {kind: latency_summary(values) for kind, values in busy.items()},
        "idle": {kind: latency_summary(values) for kind, values in idle.items()},
        "busy_cpu": busy_meter.as_dict(), "idle_cpu": idle_meter.as_dict(),
    }
    return out


def report(results: dict[str, Any]) -> list[str]:
    t, lat = results["throughput"], results.get("latency")
    settings = results["settings"]
    lines = ["", f"store: {settings['store']}, engine workers: {settings['engine_workers']}, "
                 f"load average at start {' '.join(results['machine']['loadavg_at_start'])}, "
                 f"at end {' '.join(results['machine']['loadavg_at_end'])}",
             f"(a) {t['builds']} builds ({t['steps_per_build']} workflow steps each: {'; '.join(t['workflows'])})",
             f"    started in {t['start_seconds']:.2f}s, all AVAILABLE {t['first_start_to_last_available_seconds']:.2f}s "
             f"after the first start: {t['builds_per_second']:.1f} builds/s, {t['steps_per_second']:.0f} steps/s",
             f"    server CPU {t['server_cpu_cores']:.2f} cores, postgres processes {t['postgres_cpu_cores']:.2f} cores, "
             f"other load {t['other_load_cores']:.2f} cores"]
    if lat is None:
        return lines
    lines += [
             f"(b) {lat['busy_builds']} builds at step-seconds {lat['busy_step_seconds']:g} ran "
             f"{lat['busy_builds_seconds']:.1f}s; the probe ran {lat['probe_seconds']:.1f}s "
             f"({lat['builds_still_running_when_probe_ended']} builds still running at its end)",
             f"    server CPU busy {lat['busy_cpu']['server_cpu_cores']:.2f} / idle "
             f"{lat['idle_cpu']['server_cpu_cores']:.2f} cores; other load busy "
             f"{lat['busy_cpu']['other_load_cores']:.2f} / idle {lat['idle_cpu']['other_load_cores']:.2f} cores; "
             f"postgres processes busy {lat['busy_cpu']['postgres_cpu_cores']:.2f} / idle "
             f"{lat['idle_cpu']['postgres_cpu_cores']:.2f} cores",
             f"    {'call':36} {'idle p50/p95/p99 ms':>22} {'busy p50/p95/p99 ms':>22} {'busy calls':>10}"]
    for kind in lat["busy"]:
        i, b = lat["idle"][kind], lat["busy"][kind]
        fmt = lambda s: (f"{s['p50_ms']:.1f} / {s['p95_ms']:.1f} / {s['p99_ms']:.1f}" if s["calls"] else "-")  # noqa: E731
        lines.append(f"    {kind:36} {fmt(i):>22} {fmt(b):>22} {b['calls']:>10}")
    lines.append(f"peak RSS {results.get('peak_rss_mib')} MiB")
    return lines


if __name__ == "__main__":
    sys.exit(main())
