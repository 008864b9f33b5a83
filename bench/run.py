"""CreateImagePipeline / GetImagePipeline throughput of oib on the embedded SQLite store, against a
minimal ASGI app served by the same uvicorn settings (bench/minimal_app.py).

    python bench/run.py                      # defaults: wrk -t2 -c32, 10 s per measurement
    python bench/run.py --duration 5 --serial-n 200 --check

Measures, for both servers, in one run:
  1. concurrent raw HTTP with wrk (bench/create_pipeline.lua, bench/get_pipeline.lua): the exact
     requests boto3 sends, every create with a unique name and clientToken;
  2. serial boto3: N create_image_pipeline calls, then N get_image_pipeline calls, one client.
Every response must be 200: a run with any non-200 response or socket error exits 1.
Prints a table and writes bench/results.json (see docs/benchmarks.md). Needs `wrk`
(Debian/Ubuntu: `apt-get update && apt-get install -y wrk`).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import secrets
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
REGION = "us-east-1"
PARENT_IMAGE = "arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2-x86/x.x.x"
COMPONENT = "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x"
HEALTH = "/_oib/health"
# Goals (oib / minimal app) from the performance issue.
GOALS = {"raw_create": 0.3, "serial_boto3_create": 0.8, "serial_boto3_get": 0.8}

WRK_MISSING = """\
error: `wrk` is not installed (it drives the concurrent raw-HTTP measurements).
  Debian/Ubuntu:  apt-get update && apt-get install -y wrk
  macOS:          brew install wrk
or run only the serial boto3 measurements with --skip-wrk."""


# -- servers -----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    name: str
    command: list[str]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 60.0) -> None:
        self.port = free_port()
        command = [part.replace("{port}", str(self.port)) for part in self.command]
        log = open(self.log_path, "wb")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                        env={**os.environ, **self.env}, cwd=ROOT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"error: {self.name} exited with {self.process.returncode}; "
                                 f"log:\n{self.log_path.read_text(errors='replace')[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + HEALTH, timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit(f"error: {self.name} did not answer {HEALTH} within {timeout:.0f}s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)  # uvicorn: graceful shutdown, lifespan closes the store
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def proc_status(self) -> dict[str, int]:
        """VmHWM (peak RSS) and VmRSS in KiB, from /proc/<pid>/status."""
        values: dict[str, int] = {}
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                key, _, rest = line.partition(":")
                if key in ("VmHWM", "VmRSS"):
                    values[key] = int(rest.split()[0])
        except OSError:
            pass
        return values

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process (all its threads) so far."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            return float("nan")


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all cores), from /proc/stat."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return float("nan")
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


# -- boto3 -------------------------------------------------------------------------------------
def client(url: str):  # type: ignore[no-untyped-def]
    import boto3
    from botocore.config import Config

    # One attempt only: a failure must show up as an error, not as a slower retried call.
    return boto3.client("imagebuilder", endpoint_url=url, region_name=REGION,
                        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="bench",
                        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))


def prerequisites(url: str, tag: str) -> tuple[str, str]:
    """An image recipe and an infrastructure configuration for the pipelines (oib only)."""
    c = client(url)
    infra = c.create_infrastructure_configuration(name=f"bench-infra-{tag}", instanceProfileName="p")
    for attempt in range(3):
        try:
            recipe = c.create_image_recipe(
                name=f"bench-recipe-{tag}", semanticVersion="1.0.0", parentImage=PARENT_IMAGE,
                components=[{"componentArn": COMPONENT}])
            break
        except c.exceptions.ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code == "NotImplementedException" or attempt == 2:
                raise SystemExit(f"error: create_image_recipe failed ({code}): {error}") from None
    return recipe["imageRecipeArn"], infra["infrastructureConfigurationArn"]


class Serial:
    """One boto3 client calling one server, one call at a time, timing only the measured calls."""

    def __init__(self, server: Server, recipe: str, infra: str, tag: str) -> None:
        self.server, self.recipe, self.infra, self.tag = server, recipe, infra, tag
        self.client = client(server.url)
        self.errors: list[str] = []
        self.created: list[str] = []
        self.seconds = {"create": 0.0, "get": 0.0}
        self.cpu = {"create": 0.0, "get": 0.0}
        self.background = {"create": 0.0, "get": 0.0}  # CPU seconds of everything else on the machine
        self.calls = {"create": 0, "get": 0}
        self.turns: dict[str, list[float]] = {"create": [], "get": []}  # seconds per call, each turn
        self.counter = 0
        self.get_index = 0

    def create(self) -> None:
        self.counter += 1
        name = f"serial-{self.tag}-{self.counter}"
        try:
            response = self.client.create_image_pipeline(name=name, imageRecipeArn=self.recipe,
                                                         infrastructureConfigurationArn=self.infra)
            if response["ResponseMetadata"]["HTTPStatusCode"] != 200:
                self.errors.append(f"create {name}: HTTP {response['ResponseMetadata']['HTTPStatusCode']}")
            elif "imagePipelineArn" in response:
                self.created.append(response["imagePipelineArn"])
        except Exception as error:  # noqa: BLE001  (counted and reported)
            self.errors.append(f"create {name}: {error}")

    def get(self, arn: str) -> None:
        try:
            response = self.client.get_image_pipeline(imagePipelineArn=arn)
            if response["ResponseMetadata"]["HTTPStatusCode"] != 200:
                self.errors.append(f"get {arn}: HTTP {response['ResponseMetadata']['HTTPStatusCode']}")
        except Exception as error:  # noqa: BLE001
            self.errors.append(f"get {arn}: {error}")

    def block(self, kind: str, count: int, arns: list[str], measured: bool = True) -> None:
        busy0, own0 = machine_busy_seconds(), time.process_time()
        cpu0, t0 = self.server.cpu_seconds(), time.perf_counter()
        for _ in range(count):
            if kind == "create":
                self.create()
            else:
                self.get(arns[self.get_index % len(arns)])
                self.get_index += 1
        elapsed, cpu = time.perf_counter() - t0, self.server.cpu_seconds() - cpu0
        own, busy = time.process_time() - own0, machine_busy_seconds() - busy0
        if measured:
            self.seconds[kind] += elapsed
            self.cpu[kind] += cpu
            self.background[kind] += max(busy - cpu - own, 0.0)
            self.calls[kind] += count
            self.turns[kind].append(elapsed / count)

    def summary(self, kind: str) -> dict[str, Any]:
        n, seconds = self.calls[kind], self.seconds[kind]
        return {"calls": n, "seconds": seconds, "rps": n / seconds, "ms_per_call": seconds * 1000 / n,
                "server_cpu_ms_per_call": self.cpu[kind] * 1000 / n,
                "background_cpu_cores": self.background[kind] / seconds,
                "turn_seconds_per_call": self.turns[kind]}


def serial_boto3(servers: list[Server], recipe: str, infra: str, n: int, warmup: int, block: int,
                 tag: str) -> tuple[dict[str, Serial], list[str]]:
    """N create_image_pipeline calls, then N get_image_pipeline calls, on each server, one at a time.
    The servers take turns in blocks of `block` calls, so that a change in the machine's background
    load weighs on both alike. Gets cycle over the pipelines created on the first server (oib)."""
    runs = {server.name: Serial(server, recipe, infra, tag) for server in servers}
    first = runs[servers[0].name]
    for run in runs.values():
        run.block("create", warmup, [], measured=False)
    for done in range(0, n, block):
        for run in runs.values():
            run.block("create", min(block, n - done), [])
    arns = first.created[warmup:] or first.created
    if not arns:
        raise SystemExit(f"error: no pipeline was created on {servers[0].name}: {first.errors[:3]}")
    for run in runs.values():
        run.block("get", warmup, arns, measured=False)
    for done in range(0, n, block):
        for run in runs.values():
            run.block("get", min(block, n - done), arns)
    return runs, arns


# -- wrk ---------------------------------------------------------------------------------------
def run_wrk(server: Server, script: str, args: list[str], opts: argparse.Namespace,
            duration: float) -> dict[str, Any]:
    command = ["wrk", f"-t{opts.threads}", f"-c{opts.connections}", f"-d{duration:g}s", "--timeout", "10s",
               "--latency", "-s", str(BENCH / script), server.url, "--", *args]
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy0, cpu0, t0 = machine_busy_seconds(), server.cpu_seconds(), time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    busy1, cpu1, t1 = machine_busy_seconds(), server.cpu_seconds(), time.perf_counter()
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_cpu = (children1.ru_utime + children1.ru_stime) - (children0.ru_utime + children0.ru_stime)
    line = next((text for text in completed.stdout.splitlines() if text.startswith("BENCH_RESULT ")), None)
    if completed.returncode != 0 or line is None:
        raise SystemExit(f"error: wrk failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    result = json.loads(line[len("BENCH_RESULT "):])
    # wrk's own count of status >= 400 ("Non-2xx or 3xx responses"), as a cross-check.
    for text in completed.stdout.splitlines():
        if "Non-2xx or 3xx responses" in text:
            result["wrk_non2xx_line"] = text.strip()
    seconds = result["duration_us"] / 1e6
    result["seconds"] = seconds
    result["rps"] = result["ok"] / seconds  # only 200 responses count
    result["server_cpu_ms_per_request"] = (cpu1 - cpu0) * 1000 / max(result["ok"] + result["non200"], 1)
    result["wrk_cpu_cores"] = wrk_cpu / (t1 - t0)
    result["background_cpu_cores"] = max((busy1 - busy0) - (cpu1 - cpu0) - wrk_cpu, 0.0) / (t1 - t0)
    result["command"] = " ".join(command)
    return result


def wrk_pair(server: Server, script: str, args_for: Any, opts: argparse.Namespace) -> dict[str, Any]:
    if opts.warmup > 0:
        warm = run_wrk(server, script, args_for(), opts, opts.warmup)
        if warm["non200"] or warm["socket_errors"]:
            print(f"  warning: warm-up of {script} on {server.name}: {warm['non200']} non-200, "
                  f"{warm['socket_errors']} socket errors; first: {warm['first_bad'][:200]}")
    return run_wrk(server, script, args_for(), opts, opts.duration)


# -- report ------------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    model = ""
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    versions: dict[str, str] = {}
    from importlib.metadata import PackageNotFoundError, version
    for package in ("uvicorn", "h11", "httptools", "uvloop", "sqlalchemy", "orjson", "boto3", "botocore"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "-"
    wrk_version = ""
    if shutil.which("wrk"):
        wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[0:1]
        wrk_version = wrk_version[0].split(" Copyright")[0] if wrk_version else ""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=ROOT).stdout.strip()
    changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "src"],
                             capture_output=True, text=True, cwd=ROOT).stdout.split("\n")
    if any(line.strip() for line in changed):
        commit += " (src/ has uncommitted changes)"
    return {"cpus": os.cpu_count(), "cpu_model": model, "python": platform.python_version(),
            "kernel": platform.release(), "packages": versions, "wrk": wrk_version, "commit": commit,
            "loadavg_at_start": Path("/proc/loadavg").read_text().split()[:3]}


def fmt(value: float | None, spec: str = ".0f") -> str:
    return "-" if value is None else format(value, spec)


def report(results: dict[str, Any]) -> list[str]:
    rows = []
    m = results["measurements"]
    for key, label in (("raw_create", "raw HTTP (wrk) CreateImagePipeline"),
                       ("raw_get", "raw HTTP (wrk) GetImagePipeline"),
                       ("serial_boto3_create", "serial boto3 create_image_pipeline"),
                       ("serial_boto3_get", "serial boto3 get_image_pipeline")):
        if key not in m:
            continue
        oib, minimal = m[key]["oib"], m[key]["minimal"]
        ratio = oib["rps"] / minimal["rps"]
        turn_median = results.get("serial_turn_median_ratios", {}).get(key)
        ratio_text = f"{ratio:.2f}" + (f" ({turn_median:.2f})" if turn_median is not None else "")
        goal = GOALS.get(key)
        verdict = "-" if goal is None else (f">= {goal}: " + ("met" if ratio >= goal else "NOT met"))
        latency = (f"{oib['latency_p50_us'] / 1000:.1f} / {oib['latency_p99_us'] / 1000:.1f}"
                   if "latency_p50_us" in oib else f"{oib['ms_per_call']:.2f} (mean)")
        rows.append((label, fmt(oib["rps"]), fmt(minimal["rps"]), ratio_text, verdict, latency,
                     fmt(oib.get("server_cpu_ms_per_request", oib.get("server_cpu_ms_per_call")), ".2f"),
                     fmt(minimal.get("server_cpu_ms_per_request", minimal.get("server_cpu_ms_per_call")), ".2f"),
                     f"{oib['background_cpu_cores']:.2f} / {minimal['background_cpu_cores']:.2f}"))
    header = ("measurement", "oib req/s", "minimal req/s", "oib/minimal", "goal", "oib ms p50/p99",
              "oib CPU ms/req", "minimal CPU ms/req", "other load (cores)")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [" | ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True)),
             "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    rss = results["peak_rss_kib"]
    lines.append("")
    lines.append("oib/minimal: ratio of req/s; in brackets, for serial runs, the median over the servers' "
                 "alternating turns (less sensitive to bursts of other load).")
    lines.append("CPU ms/req: server process CPU time per request. Other load: CPU cores busy with anything "
                 "but the server, wrk and this script during the measurement (other users of the machine).")
    lines.append(f"peak RSS (VmHWM): oib {rss['oib'] / 1024:.1f} MiB, minimal app {rss['minimal'] / 1024:.1f} MiB; "
                 f"pipelines in the store at the end: {results['pipelines_created']}")
    return lines


# -- main --------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10, help="seconds of each measured wrk run (10)")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of wrk warm-up before each run (2)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (32)")
    parser.add_argument("--serial-n", type=int, default=500, help="boto3 calls of each kind (500)")
    parser.add_argument("--serial-warmup", type=int, default=50, help="boto3 warm-up calls of each kind (50)")
    parser.add_argument("--serial-block", type=int, default=50,
                        help="boto3 calls per turn; the servers alternate turns (50)")
    parser.add_argument("--workers", type=int, help="oib handler threads (OIB_WORKERS; oib's default if unset)")
    parser.add_argument("--oib-cmd", help="command that starts oib, before `--host/--port/--data-dir` "
                        "(default: this Python's `-m openimagebuilder.server.cli serve`); e.g. to compare a patched build")
    parser.add_argument("--skip-wrk", action="store_true", help="only the serial boto3 measurements")
    parser.add_argument("--output", default=str(BENCH / "results.json"), help="results file (bench/results.json)")
    parser.add_argument("--keep-data", action="store_true", help="keep the temporary data dir and server logs")
    parser.add_argument("--check", action="store_true", help="exit 3 when a goal is not met")
    opts = parser.parse_args(argv)

    if not opts.skip_wrk and shutil.which("wrk") is None:
        print(WRK_MISSING, file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="oib-bench-"))
    data_dir = work / "data"
    oib_env = {"OIB_LOG_LEVEL": "warning"}
    if opts.workers:
        oib_env["OIB_WORKERS"] = str(opts.workers)
    oib_cmd = shlex.split(opts.oib_cmd) if opts.oib_cmd else [sys.executable, "-m", "openimagebuilder.server.cli",
                                                               "serve"]
    oib = Server("oib", [*oib_cmd, "--host", "127.0.0.1", "--port", "{port}", "--data-dir", str(data_dir)],
                 work / "oib.log", oib_env)
    minimal = Server("minimal", [sys.executable, str(BENCH / "minimal_app.py"), "--host", "127.0.0.1",
                                 "--port", "{port}"], work / "minimal.log")
    run_tag = secrets.token_hex(3)
    started = time.monotonic()
    results: dict[str, Any] = {"settings": {k: v for k, v in vars(opts).items() if k != "output"},
                               "machine": machine(), "measurements": {}}
    failures: list[str] = []
    try:
        print(f"starting oib (SQLite in {data_dir}) and the minimal app ...", flush=True)
        oib.start()
        minimal.start()
        results["peak_rss_kib_after_start"] = {"oib": oib.proc_status().get("VmHWM"),
                                               "minimal": minimal.proc_status().get("VmHWM")}
        recipe, infra = prerequisites(oib.url, run_tag)
        m = results["measurements"]

        print(f"serial boto3: {opts.serial_warmup} warm-up + {opts.serial_n} create, then the same get ...",
              flush=True)
        runs, arns = serial_boto3([oib, minimal], recipe, infra, opts.serial_n, opts.serial_warmup,
                                  opts.serial_block, run_tag)
        for kind in ("create", "get"):
            m[f"serial_boto3_{kind}"] = {name: run.summary(kind) for name, run in runs.items()}
        m["serial_boto3_errors"] = {name: len(run.errors) for name, run in runs.items()}
        m["serial_boto3_errors"]["samples"] = [e for run in runs.values() for e in run.errors[:3]]
        if any(run.errors for run in runs.values()):
            failures.append(f"serial boto3 errors: {m['serial_boto3_errors']}")

        if not opts.skip_wrk:
            arn_file = work / "pipeline-arns.txt"
            arn_file.write_text("\n".join(arns) + "\n")
            for kind, script, args_for in (
                    ("create", "create_pipeline.lua", lambda: [recipe, infra, secrets.token_hex(4)]),
                    ("get", "get_pipeline.lua", lambda: [str(arn_file)])):
                print(f"wrk {kind}: -t{opts.threads} -c{opts.connections}, {opts.warmup:g}s warm-up + "
                      f"{opts.duration:g}s, oib then minimal ...", flush=True)
                pair = {"oib": wrk_pair(oib, script, args_for, opts),
                        "minimal": wrk_pair(minimal, script, args_for, opts)}
                m[f"raw_{kind}"] = pair
                for name, r in pair.items():
                    if r["non200"] or r["socket_errors"] or r["timeouts"]:
                        failures.append(f"wrk {kind} on {name}: {r['non200']} non-200, {r['socket_errors']} "
                                        f"socket errors, {r['timeouts']} timeouts; first: {r['first_bad'][:300]}")

        results["peak_rss_kib"] = {"oib": oib.proc_status().get("VmHWM"),
                                   "minimal": minimal.proc_status().get("VmHWM")}
        c = client(oib.url)
        results["pipelines_created"] = sum(len(page.get("imagePipelineList", []))
                                           for page in c.get_paginator("list_image_pipelines").paginate())
    finally:
        oib.stop()
        minimal.stop()
        if not opts.keep_data:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}")

    results["machine"]["loadavg_at_end"] = Path("/proc/loadavg").read_text().split()[:3]
    results["elapsed_seconds"] = round(time.monotonic() - started, 1)
    ratios = {key: m[key]["oib"]["rps"] / m[key]["minimal"]["rps"]
              for key in ("raw_create", "raw_get", "serial_boto3_create", "serial_boto3_get") if key in m}
    results["ratios"] = ratios
    # Serial runs alternate turns: the median over turns of (minimal s/call) / (oib s/call) is less
    # sensitive to bursts of load from other users of the machine than the ratio of totals.
    results["serial_turn_median_ratios"] = {
        key: statistics.median(mt / ot for ot, mt in zip(m[key]["oib"]["turn_seconds_per_call"],
                                                        m[key]["minimal"]["turn_seconds_per_call"], strict=True))
        for key in ("serial_boto3_create", "serial_boto3_get") if key in m}
    results["goals"] = {key: {"goal": goal, "ratio": ratios[key], "met": ratios[key] >= goal}
                        for key, goal in GOALS.items() if key in ratios}
    results["failures"] = failures
    Path(opts.output).write_text(json.dumps(results, indent=2) + "\n")

    print()
    print("\n".join(report(results)))
    print(f"\nwrote {opts.output} ({results['elapsed_seconds']}s)")
    if failures:
        print("\nFAILED: responses other than 200 make these numbers meaningless:", file=sys.stderr)
        for failure in failures:
            print(f"  {failure}", file=sys.stderr)
        return 1
    if opts.check and not all(goal["met"] for goal in results["goals"].values()):
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
