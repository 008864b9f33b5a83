"""A container pipeline on the real backend against buildah run by hand, in the same run.

    python bench/container_pipeline.py              # 5 runs of each
    python bench/container_pipeline.py --runs 10

Needs root and buildah, runc, skopeo, docker-registry, busybox-static. Everything lives on tmpfs
(/dev/shm) when there is one. Sets up a local registry with a busybox base pushed to it, then
alternates, --runs times each:

  (a) oib: `oib serve --backend real --registry-url <it>` (SQLite); one container pipeline whose
      recipe builds FROM busybox with one BUILD component (three ExecuteBash steps) and one TEST
      component (one step), distributed with two containerTags. Time from
      StartImagePipelineExecution to the image AVAILABLE (polled every 50 ms), all of AWS's
      build-container, test-container and distribute-container steps included.
  (b) direct: the equivalent by hand in a storage of its own with the same settings: `buildah
      bud` of a Dockerfile FROM the same base with the three build commands as RUN lines (the
      first one different in each run, so that the layer cache cannot skip them),
      `buildah from` + `buildah run` of the test command + `buildah rm`, then `buildah push` of
      the version tag and of both containerTags.

Goal (issue 10): median (a) <= 1.3 x median (b) + 1 s. Also times `oib images bootstrap --base
busybox` (the issue: "a tiny busybox base in under a second") --runs times into the same registry.
Writes bench/container_pipeline_results.json.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import start_server, stop_process, unique  # noqa: E402

BUILD_COMMANDS = ["mkdir -p /opt/app", "echo hello > /opt/app/hello.txt", "date > /opt/app/built-at"]
TEST_COMMAND = "grep -q hello /opt/app/hello.txt"
TAGS = ["latest", "stable"]


def _steps(commands: list[str]) -> str:
    return "\n".join(f"      - name: Step{i}\n        action: ExecuteBash\n        inputs:\n          commands:\n"
                     f"            - {command}" for i, command in enumerate(commands))


def _document(name: str, phase: str, commands: list[str]) -> str:
    return f"name: {name}\nschemaVersion: 1.0\nphases:\n  - name: {phase}\n    steps:\n{_steps(commands)}\n"


def _oib_run(client, pipeline: str) -> float:
    started = time.perf_counter()
    arn = client.start_image_pipeline_execution(imagePipelineArn=pipeline)["imageBuildVersionArn"]
    while True:
        state = client.get_image(imageBuildVersionArn=arn)["image"]["state"]
        if state["status"] in ("AVAILABLE", "FAILED", "CANCELLED"):
            break
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    if state["status"] != "AVAILABLE":
        raise SystemExit(f"build {arn} ended {state}")
    return elapsed


def _direct_run(buildah, registry_url: str, parent: str, run: int, scratch: Path) -> float:
    context = Path(tempfile.mkdtemp(dir=scratch))
    # Each run's first RUN differs, so `buildah bud --layers` (how containers.buildah builds)
    # cannot take the steps from its cache: oib runs every step every time too.
    commands = [f"{BUILD_COMMANDS[0]} && echo run {run}", *BUILD_COMMANDS[1:]]
    dockerfile = f"FROM {parent}\n" + "".join(f"RUN {command}\n" for command in commands)
    started = time.perf_counter()
    tag = f"localhost/direct/app:{run}"
    buildah.build(dockerfile, context_dir=context, tag=tag)
    container = buildah.from_image(tag, labels={"bench": "direct"})
    outcome = buildah.run(container, TEST_COMMAND, timeout=60)
    buildah.remove_container(container)
    if outcome.exit_code != 0:
        raise SystemExit(f"direct test failed: {outcome.stderr}")
    for destination in [f"1.0.0-{run}", *TAGS]:
        buildah.push(tag, f"{registry_url}/direct/app:{destination}")
    elapsed = time.perf_counter() - started
    shutil.rmtree(context, ignore_errors=True)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from openimagebuilder.containers.bootstrap import bootstrap
    from openimagebuilder.containers.buildah import Buildah
    from openimagebuilder.containers.registry import LocalRegistry
    from openimagebuilder.containers.settings import ContainerSettings

    base = Path("/dev/shm") if os.access("/dev/shm", os.W_OK) else Path(tempfile.gettempdir())
    scratch = Path(tempfile.mkdtemp(prefix="oib-bench-containers-", dir=base))
    registry = LocalRegistry(scratch / "registry")
    registry.start()
    server = None
    try:
        direct = Buildah(ContainerSettings(storage_root=scratch / "direct" / "storage",
                                           run_root=scratch / "direct" / "run", registry_url=registry.url))
        seed = scratch / "seed"
        seed.mkdir()
        shutil.copy("/bin/busybox", seed / "busybox")
        direct.build('FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n',
                     context_dir=seed, tag="localhost/seed/busybox:latest")
        direct.push("localhost/seed/busybox:latest", f"{registry.url}/busybox:latest")
        parent = f"{registry.url}/busybox:latest"

        server = start_server("sqlite", "", scratch, {
            "OIB_BACKEND": "real", "OIB_REGISTRY_URL": registry.url, "OIB_CONTAINER_ROOT": str(scratch / "oib"),
            "OIB_LOG_LEVEL": "warning"})
        client = server.client()
        build = client.create_component(name=unique("build"), semanticVersion="1.0.0", platform="Linux",
                                        data=_document("build", "build", BUILD_COMMANDS))["componentBuildVersionArn"]
        test = client.create_component(name=unique("test"), semanticVersion="1.0.0", platform="Linux",
                                       data=_document("test", "test", [TEST_COMMAND]))["componentBuildVersionArn"]
        recipe = client.create_container_recipe(
            containerType="DOCKER", name=unique("bench"), semanticVersion="1.0.0", parentImage="busybox:latest",
            platformOverride="Linux", components=[{"componentArn": build}, {"componentArn": test}],
            dockerfileTemplateData="FROM {{{ imagebuilder:parentImage }}}\n{{{ imagebuilder:environments }}}\n"
                                   "{{{ imagebuilder:components }}}\n",
            targetRepository={"service": "ECR", "repositoryName": "bench"})["containerRecipeArn"]
        infra = client.create_infrastructure_configuration(name=unique("infra"), instanceProfileName="p")
        dist = client.create_distribution_configuration(name=unique("dist"), distributions=[
            {"region": "us-east-1", "containerDistributionConfiguration": {
                "targetRepository": {"service": "ECR", "repositoryName": "bench"}, "containerTags": TAGS}}])
        pipeline = client.create_image_pipeline(
            name=unique("pipeline"), containerRecipeArn=recipe,
            infrastructureConfigurationArn=infra["infrastructureConfigurationArn"],
            distributionConfigurationArn=dist["distributionConfigurationArn"])["imagePipelineArn"]

        _oib_run(client, pipeline)                           # warm-up: first pull of the base
        _direct_run(direct, registry.url, parent, 0, scratch)
        oib, by_hand = [], []
        for run in range(1, args.runs + 1):
            oib.append(_oib_run(client, pipeline))
            by_hand.append(_direct_run(direct, registry.url, parent, run, scratch))
            print(f"run {run}: oib {oib[-1]:.2f} s, direct {by_hand[-1]:.2f} s", flush=True)
        result = {"runs": args.runs, "oib_seconds": oib, "direct_seconds": by_hand,
                  "oib_median": statistics.median(oib), "direct_median": statistics.median(by_hand)}
        result["goal_seconds"] = 1.3 * result["direct_median"] + 1
        result["goal_met"] = result["oib_median"] <= result["goal_seconds"]
        bootstraps = []
        for run in range(args.runs):
            started = time.perf_counter()
            bootstrap("busybox", direct, registry, scratch / f"bootstrap-{run}")
            bootstraps.append(time.perf_counter() - started)
        result["bootstrap_busybox_seconds"] = bootstraps
        result["bootstrap_busybox_median"] = statistics.median(bootstraps)
        print(json.dumps({k: v for k, v in result.items() if not k.endswith("_seconds") or k == "goal_seconds"},
                         indent=2))
        (ROOT / "bench" / "container_pipeline_results.json").write_text(json.dumps(result, indent=2) + "\n")
        return 0 if result["goal_met"] else 1
    finally:
        if server is not None:
            stop_process(server.process)
        registry.stop()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
