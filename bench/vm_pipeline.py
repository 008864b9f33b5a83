"""An image pipeline on the real VM backend against the same work done by hand, in the same run.

    python bench/vm_pipeline.py              # 3 runs of each
    python bench/vm_pipeline.py --runs 5

Needs root and the VM tools (docs/vm.md). The VM base is bootstrapped into OIB_TEST_CACHE (as the
tests do) if it is not there; everything else lives on tmpfs. Alternates, --runs times each:

  (a) oib: `oib serve --backend real` (SQLite); one image pipeline whose recipe has a managed parent
      (amazon-linux-2-x86 → the Debian base), one BUILD component of three ExecuteBash steps and one
      TEST component of one step, one Region. Time from StartImagePipelineExecution to AVAILABLE
      (polled every 100 ms), with its parts taken from the build log's timestamps: build boot,
      build steps, CreateImage (power off + flatten), test boot, test step.
  (b) by hand, the floor: the same base booted from an overlay with the same machine (the vm
      package's Instance: QEMU, oib's initramfs and agent), the three commands run one by one,
      power off, flatten, the result booted from an overlay, the test command, removed.

Goal (issue 14): median (a) <= 1.5 x median (b). Writes bench/vm_pipeline_results.json.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.container_pipeline import _document  # noqa: E402 - the same component documents
from tests.conftest import start_server, stop_process, unique  # noqa: E402

BUILD_COMMANDS = ["mkdir -p /opt/app", "echo hello > /opt/app/hello.txt", "date > /opt/app/built-at"]
TEST_COMMAND = "grep -q hello /opt/app/hello.txt"
PARENT = "arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2-x86/x.x.x"
CACHE = Path(os.environ.get("OIB_TEST_CACHE", Path.home() / ".cache" / "openimagebuilder-tests"))


def _at(event: dict) -> float:
    return datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")).timestamp()


def _parts(events: list[dict]) -> dict[str, float]:
    """Seconds between the log's step start and completion lines, by step."""
    started, parts = {}, {}
    for event in events:
        message = event["message"]
        if message.startswith("Step ") and message.endswith(" started."):
            started[message.split()[1]] = _at(event)
        elif message.startswith("Step ") and message.endswith(" completed."):
            name = message.split()[1]
            if name in started:
                parts[name] = round(_at(event) - started[name], 2)
    return parts


def _oib_run(server, client, pipeline: str) -> tuple[float, dict[str, float]]:
    import httpx
    started = time.perf_counter()
    arn = client.start_image_pipeline_execution(imagePipelineArn=pipeline)["imageBuildVersionArn"]
    while True:
        state = client.get_image(imageBuildVersionArn=arn)["image"]["state"]
        if state["status"] in ("AVAILABLE", "FAILED", "CANCELLED"):
            break
        time.sleep(0.1)
    elapsed = time.perf_counter() - started
    if state["status"] != "AVAILABLE":
        raise SystemExit(f"build {arn} ended {state}")
    events = httpx.get(f"{server.url}/_oib/logs?" + urllib.parse.urlencode({"imageBuildVersionArn": arn})).json()
    return elapsed, _parts(events["events"])


def _by_hand(settings, base, run: int) -> tuple[float, dict[str, float]]:
    from openimagebuilder.vm.disk import flatten
    from openimagebuilder.vm.instance import Instance

    parts: dict[str, float] = {}
    started = time.perf_counter()
    build = Instance.start(settings, base.boot(), base.disk, settings.run_root / f"hand-{run}", f"hand-{run}")
    parts["boot"] = round(time.perf_counter() - started, 2)
    mark = time.perf_counter()
    for command in BUILD_COMMANDS:
        if build.agent.run(command, timeout=60).exit_code != 0:
            raise SystemExit(f"{command} failed")
    parts["steps"] = round(time.perf_counter() - mark, 2)
    mark = time.perf_counter()
    build.power_off()
    image = flatten(build.overlay, settings.root / f"hand-{run}.qcow2")
    build.remove()
    parts["power off + flatten"] = round(time.perf_counter() - mark, 2)
    mark = time.perf_counter()
    test = Instance.start(settings, base.boot(), image, settings.run_root / f"hand-test-{run}", f"hand-test-{run}")
    parts["test boot"] = round(time.perf_counter() - mark, 2)
    ok = test.agent.run(TEST_COMMAND, timeout=60).exit_code == 0
    test.remove()
    image.unlink()
    if not ok:
        raise SystemExit("the test command failed")
    return time.perf_counter() - started, parts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from openimagebuilder.vm.bootstrap import bootstrap_vm
    from openimagebuilder.vm.settings import VmSettings

    cache = VmSettings(root=CACHE / "vm", run_root=CACHE / "vm" / "run")
    base = bootstrap_vm(cache, CACHE, print)
    shm = Path("/dev/shm") if os.access("/dev/shm", os.W_OK) else Path(tempfile.gettempdir())
    scratch = Path(tempfile.mkdtemp(prefix="oib-bench-vm-", dir=shm))
    (scratch / "bases").symlink_to(cache.bases_dir)
    settings = VmSettings(root=scratch, run_root=scratch / "run")
    server = None
    try:
        server = start_server("sqlite", "", scratch, {
            "OIB_BACKEND": "real", "OIB_VM_ROOT": str(scratch), "OIB_CONTAINER_ROOT": str(scratch / "containers"),
            "OIB_LOG_LEVEL": "warning"})
        client = server.client()
        build = client.create_component(name=unique("build"), semanticVersion="1.0.0", platform="Linux",
                                        data=_document("build", "build", BUILD_COMMANDS))["componentBuildVersionArn"]
        test = client.create_component(name=unique("test"), semanticVersion="1.0.0", platform="Linux",
                                       data=_document("test", "test", [TEST_COMMAND]))["componentBuildVersionArn"]
        recipe = client.create_image_recipe(name=unique("bench"), semanticVersion="1.0.0", parentImage=PARENT,
                                            components=[{"componentArn": build}, {"componentArn": test}])
        infra = client.create_infrastructure_configuration(name=unique("infra"), instanceProfileName="p")
        pipeline = client.create_image_pipeline(
            name=unique("pipeline"), imageRecipeArn=recipe["imageRecipeArn"],
            infrastructureConfigurationArn=infra["infrastructureConfigurationArn"])["imagePipelineArn"]
        oib, by_hand, oib_parts, hand_parts = [], [], [], []
        for run in range(1, args.runs + 1):
            seconds, parts = _oib_run(server, client, pipeline)
            oib.append(seconds)
            oib_parts.append(parts)
            seconds, parts = _by_hand(settings, base, run)
            by_hand.append(seconds)
            hand_parts.append(parts)
            print(f"run {run}: oib {oib[-1]:.2f} s {oib_parts[-1]}\n       by hand {by_hand[-1]:.2f} s {parts}",
                  flush=True)
        result = {"runs": args.runs, "oib_seconds": oib, "by_hand_seconds": by_hand, "oib_parts": oib_parts,
                  "by_hand_parts": hand_parts, "oib_median": statistics.median(oib),
                  "by_hand_median": statistics.median(by_hand), "load_average": os.getloadavg()}
        result["ratio"] = result["oib_median"] / result["by_hand_median"]
        result["goal_met"] = result["ratio"] <= 1.5
        print(json.dumps({key: result[key] for key in ("oib_median", "by_hand_median", "ratio", "goal_met",
                                                       "load_average")}))
        (ROOT / "bench" / "vm_pipeline_results.json").write_text(json.dumps(result, indent=2) + "\n")
        return 0
    finally:
        if server is not None:
            stop_process(server.process)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
