"""Ordinary calls while the API is under attack, against the same calls idle, in one run.

Starts `oib serve` (SQLite, simulated backend, no build worker, default limits), then times serial
boto3 calls (GetImagePipeline, ListComponents, CreateInfrastructureConfiguration in turn):

1. idle;
2. while 1,000 slow clients are connected, each trickling a request head one byte a second (the
   header timeout cuts them off; they connect again at once), from a process of their own;
3. while 2 callers send expensive requests back to back: CreateComponent with a document near the
   16,000-character limit (hundreds of steps to parse and validate), each a different name; each
   caller is a process of its own, as the slow clients are.

Prints p50/p99 per phase, the ratio of each p99 to idle's, and the ordinary calls that failed;
writes bench/under_attack_results.json. Goal (the issue): p99 within 3× idle, no ordinary call
failing.

    python bench/under_attack.py               # 400 calls per phase
    python bench/under_attack.py --calls 200 --slow 500
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import boto3
from botocore.config import Config

BENCH = Path(__file__).resolve().parent
PARENT_IMAGE = "arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2-x86/x.x.x"
COMPONENT = "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x"

SLOW_CLIENTS = r"""
import asyncio, sys
host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

async def slow_client() -> None:
    while True:
        try:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(b"GET /ListComponents HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            while not reader.at_eof():
                writer.write(b"a")
                await writer.drain()
                await asyncio.sleep(1)
        except OSError:
            await asyncio.sleep(0.5)

async def main() -> None:
    await asyncio.gather(*(slow_client() for _ in range(count)))

asyncio.run(main())
"""


EXPENSIVE_CALLER = r"""
import sys
import boto3
from botocore.config import Config
sys.path.insert(0, sys.argv[3])
from under_attack import big_component
url, number = sys.argv[1], sys.argv[2]
caller = boto3.client("imagebuilder", endpoint_url=url, region_name="us-east-1",
                      aws_access_key_id="222222222222", aws_secret_access_key="x",
                      config=Config(retries={"total_max_attempts": 1}, read_timeout=60))
served = 0
try:
    while True:
        name = f"big-{number}-{served}"
        caller.create_component(name=name, semanticVersion="1.0.0", platform="Linux", data=big_component(name))
        served += 1
except KeyboardInterrupt:
    pass
print(served, flush=True)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def big_component(name: str) -> str:
    """A valid component document just under the 16,000-character limit."""
    head = f"name: {name}\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n"
    steps, number = [], 0
    while True:
        step = (f"      - name: Step{number}\n        action: ExecuteBash\n        inputs:\n"
                f"          commands: ['echo {number}']\n")
        if len(head) + sum(map(len, steps)) + len(step) > 15_900:
            break
        steps.append(step)
        number += 1
    return head + "".join(steps)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=400, help="ordinary calls per phase")
    parser.add_argument("--slow", type=int, default=1000, help="slow clients")
    args = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    results: dict[str, object] = {"calls_per_phase": args.calls, "slow_client_count": args.slow}
    with tempfile.TemporaryDirectory() as directory:
        env = {**os.environ, "OIB_DATA_DIR": directory, "OIB_DATABASE_URL": "", "OIB_PORT": str(port),
               "OIB_LOG_LEVEL": "warning", "OIB_BACKEND": "simulated", "OIB_NO_WORKER": "1"}
        server = subprocess.Popen([sys.executable, "-m", "openimagebuilder.server.cli", "serve"], env=env)
        slow = None
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(f"{url}/_oib/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            client = boto3.client("imagebuilder", endpoint_url=url, region_name="us-east-1",
                                  aws_access_key_id="111111111111", aws_secret_access_key="x",
                                  config=Config(retries={"total_max_attempts": 1}, read_timeout=30))
            recipe = client.create_image_recipe(name="recipe", semanticVersion="1.0.0", parentImage=PARENT_IMAGE,
                                                components=[{"componentArn": COMPONENT}])["imageRecipeArn"]
            infra = client.create_infrastructure_configuration(
                name="infra", instanceProfileName="builder")["infrastructureConfigurationArn"]
            pipeline = client.create_image_pipeline(name="pipeline", imageRecipeArn=recipe,
                                                    infrastructureConfigurationArn=infra)["imagePipelineArn"]
            counter = iter(range(10**9))

            def ordinary_calls(phase: str) -> None:
                latencies, failures = [], []
                calls = [lambda: client.get_image_pipeline(imagePipelineArn=pipeline),
                         lambda: client.list_components(owner="Self"),
                         lambda: client.create_infrastructure_configuration(
                             name=f"i-{next(counter)}", instanceProfileName="builder")]
                for number in range(args.calls):
                    started = time.perf_counter()
                    try:
                        calls[number % len(calls)]()
                    except Exception as error:  # noqa: BLE001 - counted and reported
                        failures.append(f"{type(error).__name__}: {error}"[:200])
                    latencies.append((time.perf_counter() - started) * 1000)
                results[phase] = {"p50_ms": round(statistics.median(latencies), 2),
                                  "p99_ms": round(percentile(latencies, 0.99), 2),
                                  "failed": len(failures), "first_failures": failures[:3]}

            ordinary_calls("idle")
            slow = subprocess.Popen([sys.executable, "-c", SLOW_CLIENTS, "127.0.0.1", str(port), str(args.slow)])
            time.sleep(5)  # all connected and trickling
            ordinary_calls("slow_clients")
            slow.terminate()
            slow.wait(10)
            slow = None
            # Each caller is a process of its own, as other clients are: in the measuring process
            # their boto3 work (serializing 16 KB requests) would take the GIL from the ordinary
            # calls' client and be counted against the server.
            callers = [subprocess.Popen([sys.executable, "-c", EXPENSIVE_CALLER, url, str(number), str(BENCH)],
                                        stdout=subprocess.PIPE, text=True) for number in range(2)]
            time.sleep(2)
            ordinary_calls("expensive_requests")
            served = 0
            for caller in callers:
                caller.send_signal(signal.SIGINT)
                served += int(caller.communicate(timeout=60)[0].strip() or 0)
            results["expensive_requests_served"] = served
        finally:
            if slow is not None:
                slow.terminate()
            server.terminate()
            server.wait(30)
    idle_p99 = results["idle"]["p99_ms"]  # type: ignore[index]
    for phase in ("slow_clients", "expensive_requests"):
        results[phase]["p99_vs_idle"] = round(results[phase]["p99_ms"] / idle_p99, 2)  # type: ignore[index]
    print(json.dumps(results, indent=2))
    (BENCH / "under_attack_results.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
