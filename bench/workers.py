"""Build workers and the asynchronous engine: API latency while build steps block, and build
throughput with 1, 2 and 4 `oib worker` processes on one PostgreSQL.

    python bench/workers.py                               # everything (~6 min)
    python bench/workers.py --skip-throughput             # (a) only
    python bench/workers.py --skip-latency --builds 100   # (b) only, quicker

(a) Latency. For each configuration of --latency-runs (default `sqlite:2,sqlite:20,postgresql:2,
    postgresql:20`: store and --engine-workers), starts `oib serve` as users run it (embedded build
    worker, default step seconds) on a fresh store, creates an infrastructure configuration, a recipe
    and a pipeline through boto3, then:
      idle: for --window/2 seconds, serial GetImagePipeline and CreateInfrastructureConfiguration
            calls in turn, one boto3 client;
      busy: starts --busy-builds pipeline runs (StartImagePipelineExecution) tagged
            `oib:block-seconds=<--block-seconds>`: every backend call of those builds really blocks
            an engine thread that long (the default workflows make 12 such calls per build, so the
            builds outlast the window), and repeats the same calls for --window seconds.
    At the end of the window it counts the builds in flight and the step executions RUNNING (a step
    is RUNNING from its start; at most --engine-workers of them block a thread at once), then
    cancels every build and times how long until all are CANCELLED; then --window/2 more seconds of
    idle calls. The idle figures pool the calls before and after the busy window, so that a drift
    of the machine's speed (other load) shows on both sides. Goal: GetImagePipeline p99 busy
    within 2x idle.
(b) Throughput. For each count of --worker-counts (default 0,1,2,4; 0 = the embedded worker of
    `oib serve`, as a reference), a fresh PostgreSQL database, `oib serve --no-worker` for the API
    and that many `oib worker --step-seconds 0` processes (default --engine-workers 2 each). When
    every worker has logged that it runs, --builds CreateImage calls (--start-threads clients) and
    ListImageBuildVersions polls until all are AVAILABLE. builds/s = builds / (first start -> last
    AVAILABLE, from the build logs), as bench/executions.py measures it.

Every call must succeed and every build must end AVAILABLE (CANCELLED in (a)), or the run exits 1.
Writes bench/workers_results.json (see docs/benchmarks.md, "Workers and the asynchronous engine").
"""
from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, nullcontext
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
    scratch_postgres,
)
from executions import finish_times, start_builds, steps_per_build, wait_all

OIB = [sys.executable, "-m", "openimagebuilder.server.cli"]
TERMINAL = {"AVAILABLE", "FAILED", "CANCELLED"}


class Worker(base.Server):
    """An `oib worker` process: no HTTP, so it counts as started once it logs that it runs."""

    def start(self, timeout: float = 60.0) -> None:
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT,
                                            env={**os.environ, **self.env}, cwd=base.ROOT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"error: {self.name} exited with {self.process.returncode}; "
                                 f"log:\n{self.log_path.read_text(errors='replace')[-3000:]}")
            if "build worker" in self.log_path.read_text(errors="replace"):
                return
            time.sleep(0.1)
        self.stop()
        raise SystemExit(f"error: {self.name} did not log that it runs within {timeout:.0f}s")


class Processes:
    """Several oib processes measured as one (CpuMeter asks for cpu_seconds())."""

    def __init__(self, *processes: base.Server) -> None:
        self.processes = processes

    def cpu_seconds(self) -> float:
        return sum(process.cpu_seconds() for process in self.processes)


def serve(work: Path, database_url: str | None, name: str, *flags: str, env: dict[str, str] | None = None) -> base.Server:
    work.mkdir(parents=True, exist_ok=True)
    command = [*OIB, "serve", "--host", "127.0.0.1", "--port", "{port}", "--data-dir", str(work / "data"), *flags]
    if database_url:
        command += ["--database-url", database_url]
    return base.Server(name, command, work / f"{name}.log", {"OIB_LOG_LEVEL": "warning", **(env or {})})


# -- (a) latency while steps block ------------------------------------------------------------
class Probe:
    """Serial boto3 calls, GetImagePipeline and CreateInfrastructureConfiguration in turn."""

    KINDS = ("GetImagePipeline", "CreateInfrastructureConfiguration")

    def __init__(self, url: str, pipeline: str, tag: str) -> None:
        self.client, self.pipeline, self.tag, self.counter = base.client(url), pipeline, tag, 0

    def run(self, seconds: float) -> dict[str, list[float]]:
        samples: dict[str, list[float]] = {kind: [] for kind in self.KINDS}
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            t0 = time.perf_counter()
            self.client.get_image_pipeline(imagePipelineArn=self.pipeline)
            samples["GetImagePipeline"].append(time.perf_counter() - t0)
            self.counter += 1
            t0 = time.perf_counter()
            self.client.create_infrastructure_configuration(name=f"lat-{self.tag}-{self.counter}",
                                                            instanceProfileName="p")
            samples["CreateInfrastructureConfiguration"].append(time.perf_counter() - t0)
        return samples


def images_of(c: Any, pipeline: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for page in c.get_paginator("list_image_pipeline_images").paginate(imagePipelineArn=pipeline):
        for summary in page["imageSummaryList"]:
            found[summary["arn"]] = summary["state"]["status"]
    return found


def running_steps(c: Any, arns: list[str]) -> int:
    count = 0
    for arn in arns:
        for execution in c.list_workflow_executions(imageBuildVersionArn=arn)["workflowExecutions"]:
            if execution["status"] == "RUNNING":
                steps = c.list_workflow_step_executions(workflowExecutionId=execution["workflowExecutionId"])["steps"]
                count += sum(1 for step in steps if step["status"] == "RUNNING")
    return count


def latency_run(opts: argparse.Namespace, store: str, engine_workers: int, work: Path) -> dict[str, Any]:
    database = scratch_postgres(opts.postgres_admin_url) if store == "postgresql" else nullcontext(None)
    with database as database_url:
        server = serve(work, database_url, f"oib-{store}-{engine_workers}", "--engine-workers", str(engine_workers))
        server.start()
        try:
            tag = secrets.token_hex(3)
            c = base.client(server.url)
            recipe, infra = base.prerequisites(server.url, tag)
            pipeline = c.create_image_pipeline(name=f"bench-pipeline-{tag}", imageRecipeArn=recipe,
                                               infrastructureConfigurationArn=infra)["imagePipelineArn"]
            probe = Probe(server.url, pipeline, tag)
            probe.run(2)  # warm-up, not counted
            with CpuMeter(server) as idle_meter:
                idle = probe.run(opts.window / 2)
            started = time.time()
            arns = [c.start_image_pipeline_execution(
                imagePipelineArn=pipeline, tags={"oib:block-seconds": f"{opts.block_seconds:g}"})["imageBuildVersionArn"]
                for _ in range(opts.busy_builds)]
            start_seconds = time.time() - started
            with CpuMeter(server) as busy_meter:
                busy = probe.run(opts.window)
            states = images_of(c, pipeline)
            in_flight = sum(1 for arn in arns if states.get(arn) not in TERMINAL | {"PENDING"})
            finished = [arn for arn in arns if states.get(arn) in TERMINAL]
            blocking = running_steps(c, arns)
            cancel_started = time.monotonic()
            for arn in arns:
                if states.get(arn) not in TERMINAL:
                    c.cancel_image_creation(imageBuildVersionArn=arn)
            while True:
                states = images_of(c, pipeline)
                if all(states.get(arn) in TERMINAL for arn in arns):
                    break
                if time.monotonic() - cancel_started > 60:
                    raise SystemExit(f"error: builds not cancelled within 60 s: {states}")
                time.sleep(0.1)
            all_cancelled = time.monotonic() - cancel_started
            with CpuMeter(server) as idle_after_meter:
                for kind, values in probe.run(opts.window / 2).items():
                    idle[kind] += values
            wrong = {arn: states[arn] for arn in arns if states[arn] != "CANCELLED"}
            if wrong:
                raise SystemExit(f"error: {len(wrong)} builds ended other than CANCELLED: {list(wrong.items())[:3]}")
            idle_get, busy_get = latency_summary(idle["GetImagePipeline"]), latency_summary(busy["GetImagePipeline"])
            return {
                "store": store, "engine_workers": engine_workers, "step_seconds": "default (0.1)",
                "busy_builds": len(arns), "block_seconds": opts.block_seconds, "window_seconds": opts.window,
                "busy_start_seconds": round(start_seconds, 3),
                "builds_in_flight_at_window_end": in_flight, "builds_finished_in_window": len(finished),
                "steps_running_at_window_end": blocking,
                "cancel_all_seconds": round(all_cancelled, 3),
                "idle": {kind: latency_summary(values) for kind, values in idle.items()},
                "busy": {kind: latency_summary(values) for kind, values in busy.items()},
                "get_p99_busy_over_idle": round(busy_get["p99_ms"] / idle_get["p99_ms"], 2),
                "goal_p99_within_2x_idle": busy_get["p99_ms"] <= 2 * idle_get["p99_ms"],
                "idle_cpu": idle_meter.as_dict(), "busy_cpu": busy_meter.as_dict(),
                "idle_after_cpu": idle_after_meter.as_dict(),
                "peak_rss_mib": round(server.proc_status().get("VmHWM", 0) / 1024, 1),
            }
        finally:
            server.stop()


# -- (b) throughput with N worker processes ---------------------------------------------------
def throughput_run(opts: argparse.Namespace, count: int, work: Path) -> dict[str, Any]:
    with scratch_postgres(opts.postgres_admin_url) as database_url, ExitStack() as stack:
        if count == 0:  # the reference: oib serve's embedded worker
            server = serve(work, database_url, "oib-embedded", "--step-seconds", "0", env={"OIB_STEP_SECONDS": "0"})
        else:
            server = serve(work, database_url, f"oib-api-{count}", "--no-worker")
        server.start()
        stack.callback(server.stop)
        workers = []
        for index in range(count):
            worker = Worker(f"oib-worker-{count}-{index}",
                            [*OIB, "worker", "--database-url", database_url, "--step-seconds", "0",
                             "--worker-id", f"bench-{count}-{index}"],
                            work / f"oib-worker-{count}-{index}.log", {"OIB_LOG_LEVEL": "info"})
            worker.start()
            stack.callback(worker.stop)
            workers.append(worker)
        tag = secrets.token_hex(3)
        c = base.client(server.url)
        recipe, infra = base.prerequisites(server.url, tag)
        time.sleep(1.0)
        with CpuMeter(Processes(server, *workers)) as meter:
            arns, first_start, last_start = start_builds(server.url, recipe, infra, opts.builds, opts.start_threads)
            done, seen_all = wait_all(c, recipe, arns, opts.timeout, opts.poll_seconds)
        failed = {arn: status for arn, status in done.items() if status != "AVAILABLE"}
        if failed:
            raise SystemExit(f"error: {len(failed)} builds did not end AVAILABLE: {list(failed.items())[:3]}")
        finished = finish_times(server.url, arns)
        seconds = max(finished) - first_start
        steps, workflows = steps_per_build(c, arns[0])
        exits = [worker.process.poll() for worker in workers]
        if any(code is not None for code in exits):
            raise SystemExit(f"error: a worker exited during the run: {exits}")
        return {
            "worker_processes": count, "engine_workers_each": 2, "builds": len(arns), "steps_per_build": steps,
            "workflows": workflows, "start_seconds": round(last_start - first_start, 3),
            "first_start_to_last_available_seconds": round(seconds, 3),
            "first_start_to_poll_seeing_all_seconds": round(seen_all - first_start, 3),
            "builds_per_second": round(len(arns) / seconds, 1),
            "steps_per_second": round(len(arns) * steps / seconds, 1),
            # CPU of the oib processes and of PostgreSQL per build: less sensitive to other load.
            "cpu_ms_per_build": round((meter.server_cpu + meter.postgres_cores * meter.seconds) / len(arns) * 1000, 1),
            **meter.as_dict(),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-admin-url", default=POSTGRES_ADMIN_URL,
                        help="where to create scratch databases (OIB_TEST_POSTGRES_URL, default "
                             "postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    parser.add_argument("--latency-runs", default="sqlite:2,sqlite:20,postgresql:2,postgresql:20",
                        help="(a): store:engine-workers, comma-separated (sqlite:2,sqlite:20,postgresql:2,postgresql:20)")
    parser.add_argument("--busy-builds", type=int, default=20, help="(a): pipeline runs blocking meanwhile (20)")
    parser.add_argument("--block-seconds", type=float, default=5, help="(a): oib:block-seconds of those runs (5)")
    parser.add_argument("--window", type=float, default=15, help="(a): seconds of calls, idle and busy (15)")
    parser.add_argument("--worker-counts", default="0,1,2,4",
                        help="(b): oib worker processes per run, 0 = oib serve's embedded worker (0,1,2,4)")
    parser.add_argument("--builds", type=int, default=200, help="(b): builds per run (200)")
    parser.add_argument("--start-threads", type=int, default=4, help="(b): boto3 clients starting builds at once (4)")
    parser.add_argument("--poll-seconds", type=float, default=0.5, help="(b): ListImageBuildVersions poll interval (0.5)")
    parser.add_argument("--timeout", type=float, default=300, help="(b): seconds to wait for the builds (300)")
    parser.add_argument("--skip-latency", action="store_true", help="only (b)")
    parser.add_argument("--skip-throughput", action="store_true", help="only (a)")
    parser.add_argument("--output", help="results file (bench/workers_results.json)")
    parser.add_argument("--keep-data", action="store_true", help="keep the temporary data dirs and logs")
    opts = parser.parse_args(argv)
    output = Path(opts.output or BENCH / "workers_results.json")
    work = Path(tempfile.mkdtemp(prefix="oib-bench-workers-"))
    started = time.monotonic()
    results: dict[str, Any] = {"benchmark": "workers", "settings": {k: v for k, v in vars(opts).items()
                                                                  if k not in ("output", "postgres_admin_url")},
                               "machine": base.machine(), "latency": [], "throughput": []}
    with discard_on_error(work, opts.keep_data):
        if not opts.skip_latency:
            for run in opts.latency_runs.split(","):
                store, _, engine_workers = run.partition(":")
                print(f"(a) {store}, oib serve --engine-workers {engine_workers}: {opts.window / 2:g}s idle, "
                      f"{opts.window:g}s with {opts.busy_builds} builds at oib:block-seconds={opts.block_seconds:g}, "
                      f"{opts.window / 2:g}s idle ...", flush=True)
                results["latency"].append(latency_run(opts, store, int(engine_workers), work / run.replace(":", "-")))
        if not opts.skip_throughput:
            for count in (int(text) for text in opts.worker_counts.split(",")):
                label = f"{count} oib worker processes" if count else "oib serve's embedded worker"
                print(f"(b) {opts.builds} builds at step-seconds 0, {label}, PostgreSQL ...", flush=True)
                results["throughput"].append(throughput_run(opts, count, work / f"workers-{count}"))
    return finish(results, output, work, opts.keep_data, started, report)


def report(results: dict[str, Any]) -> list[str]:
    lines = ["", f"load average at start {' '.join(results['machine']['loadavg_at_start'])}, "
                 f"at end {' '.join(results['machine']['loadavg_at_end'])}"]
    if results["latency"]:
        lines.append("(a) serial boto3 ms p50 / p99 (calls)       idle                 busy       p99 busy/idle  "
                     "in flight / steps running / cancel all")
        for run in results["latency"]:
            def fmt(s: dict[str, Any]) -> str:
                return f"{s['p50_ms']:.1f} / {s['p99_ms']:.1f} ({s['calls']})"
            for kind in run["idle"]:
                ratio = run["busy"][kind]["p99_ms"] / run["idle"][kind]["p99_ms"]
                extra = (f"{run['builds_in_flight_at_window_end']} / {run['steps_running_at_window_end']} / "
                         f"{run['cancel_all_seconds']:.1f}s" if kind == "GetImagePipeline" else "")
                lines.append(f"    {run['store']:10} {run['engine_workers']:>2} eng. {kind:34} "
                             f"{fmt(run['idle'][kind]):>20} {fmt(run['busy'][kind]):>20} {ratio:>6.2f}x  {extra}")
    if results["throughput"]:
        lines.append("(b) PostgreSQL, step-seconds 0       builds/s  steps/s  seconds  oib CPU  postgres CPU  "
                     "other load  CPU ms/build")
        for run in results["throughput"]:
            label = f"{run['worker_processes']} worker processes" if run["worker_processes"] else "embedded (oib serve)"
            lines.append(f"    {label:32} {run['builds_per_second']:>8.1f} {run['steps_per_second']:>8.0f} "
                         f"{run['first_start_to_last_available_seconds']:>8.1f} {run['server_cpu_cores']:>8.2f} "
                         f"{run['postgres_cpu_cores']:>13.2f} {run['other_load_cores']:>11.2f} "
                         f"{run['cpu_ms_per_build']:>13.1f}")
    return lines


if __name__ == "__main__":
    sys.exit(main())
