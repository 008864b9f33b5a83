"""Screenshots of the web console for docs/console.md (docs/images/console-*.png).

Starts an `oib serve` of its own (simulated backend, a temporary store), makes a few resources
through boto3 — a scheduled pipeline with a finished build, a build that failed in a component, a
build waiting at a WaitForAction step — and photographs the pages with Debian's Chromium.

    .venv/bin/python scripts/console_screenshots.py [--out docs/images]

With Debian's `pngquant` installed, the images are reduced to a 256-colour palette.
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import boto3
import httpx
import yaml
from playwright.sync_api import Page, sync_playwright

ACCOUNT = "123456789012"
MANAGED = "arn:aws:imagebuilder:us-east-1:aws"
PARENT = f"{MANAGED}:image/amazon-linux-2-x86/x.x.x"
# A build workflow that waits for a person between building and making the AMI.
APPROVAL = {"schemaVersion": 1.0, "steps": [
    {"name": "LaunchBuildInstance", "action": "LaunchInstance", "inputs": {"waitFor": "ssmAgent"}},
    {"name": "ApproveBuild", "action": "WaitForAction"},
    {"name": "CreateOutputAMI", "action": "CreateImage",
     "inputs": {"instanceId.$": "$.stepOutputs.LaunchBuildInstance.instanceId"}},
    {"name": "TerminateBuildInstance", "action": "TerminateInstance", "onFailure": "Continue",
     "inputs": {"instanceId.$": "$.stepOutputs.LaunchBuildInstance.instanceId"}},
]}


def component_document(command: str) -> str:
    return ("schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Install\n"
            f"        action: ExecuteBash\n        inputs:\n          commands:\n            - {command}\n")


def seed(client) -> dict[str, str]:
    """The resources the screenshots show; the ARNs of the pages to photograph."""
    nginx = client.create_component(name="install-nginx", semanticVersion="1.0.0", platform="Linux",
                                    description="Installs nginx and enables its service",
                                    data=component_document("apt-get install -y nginx && systemctl enable nginx"))
    broken = client.create_component(name="install-agent", semanticVersion="1.0.0", platform="Linux",
                                     description="Installs the monitoring agent",
                                     data=component_document("echo oib:fail  # the simulated backend fails this step"))
    update = {"componentArn": f"{MANAGED}:component/update-linux/x.x.x"}
    web = client.create_image_recipe(name="web-server", semanticVersion="1.2.0", parentImage=PARENT,
                                     components=[update, {"componentArn": nginx["componentBuildVersionArn"]}])
    agent = client.create_image_recipe(name="monitoring", semanticVersion="1.0.0", parentImage=PARENT,
                                       components=[update, {"componentArn": broken["componentBuildVersionArn"]}])
    infra = client.create_infrastructure_configuration(name="build-infra", instanceProfileName="builder")
    approval = client.create_workflow(name="approve-build", semanticVersion="1.0.0", type="BUILD",
                                      data=yaml.safe_dump(APPROVAL, sort_keys=False))
    common = {"infrastructureConfigurationArn": infra["infrastructureConfigurationArn"]}
    nightly = client.create_image_pipeline(
        name="web-server-nightly", description="Nightly web server AMI", imageRecipeArn=web["imageRecipeArn"],
        schedule={"scheduleExpression": "cron(0 3 * * ? *)", "timezone": "Europe/Paris",
                  "pipelineExecutionStartCondition": "EXPRESSION_MATCH_ONLY"}, **common)
    weekly = client.create_image_pipeline(
        name="monitoring-weekly", imageRecipeArn=agent["imageRecipeArn"],
        schedule={"scheduleExpression": "rate(7 days)"}, **common)
    approved = client.create_image_pipeline(
        name="web-server-approved", description="Waits for a human before the AMI is made",
        imageRecipeArn=web["imageRecipeArn"], workflows=[{"workflowArn": approval["workflowBuildVersionArn"]}],
        executionRole=f"arn:aws:iam::{ACCOUNT}:role/ImageBuilderExecutionRole", **common)
    built = client.start_image_pipeline_execution(imagePipelineArn=nightly["imagePipelineArn"])
    failed = client.start_image_pipeline_execution(imagePipelineArn=weekly["imagePipelineArn"])
    waiting = client.start_image_pipeline_execution(imagePipelineArn=approved["imagePipelineArn"])
    for arn in (built["imageBuildVersionArn"], failed["imageBuildVersionArn"]):
        wait(lambda arn=arn: client.get_image(imageBuildVersionArn=arn)["image"]["state"]["status"]
             in ("AVAILABLE", "FAILED"))
    wait(lambda: client.list_waiting_workflow_steps()["steps"])
    return {"built": built["imageBuildVersionArn"], "failed": failed["imageBuildVersionArn"],
            "waiting": waiting["imageBuildVersionArn"], "recipe": web["imageRecipeArn"],
            "component": nginx["componentBuildVersionArn"]}


def wait(probe: Callable[[], object], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for the builds")
        time.sleep(0.1)


def photograph(url: str, arns: dict[str, str], out: Path, chromium: str) -> None:
    shots = [("console-pipelines.png", "/console/pipelines"),
             ("console-image.png", f"/console/image?arn={quote(arns['built'], safe='')}"),
             ("console-failed.png", f"/console/image?arn={quote(arns['failed'], safe='')}"),
             ("console-waiting.png", f"/console/image?arn={quote(arns['waiting'], safe='')}"),
             ("console-component.png", f"/console/component?arn={quote(arns['component'], safe='')}")]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium)
        page: Page = browser.new_page(viewport={"width": 1100, "height": 860})
        for name, path in shots:
            page.goto(url + path)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(out / name), full_page=False)
            shrink(out / name)
            print(f"{out / name}: {(out / name).stat().st_size // 1024} KiB")
        browser.close()


def shrink(png: Path) -> None:
    """A 256-colour palette with pngquant (Debian's `pngquant`) when it is installed: about a
    third of the size, no visible change for pages of flat colours."""
    if shutil.which("pngquant"):
        subprocess.run(["pngquant", "--force", "--skip-if-larger", "--strip", "--ext", ".png", str(png)], check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "images")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("Chromium is not installed (apt-get install chromium)")
    args.out.mkdir(parents=True, exist_ok=True)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "OIB_PORT": str(port), "OIB_DATA_DIR": data, "OIB_BACKEND": "simulated",
               "OIB_STEP_SECONDS": "0.05", "OIB_LOG_LEVEL": "warning", "OIB_DATABASE_URL": ""}
        server = subprocess.Popen([sys.executable, "-m", "openimagebuilder.server.cli", "serve"], env=env)
        try:
            wait(lambda: _healthy(url), timeout=30)
            client = boto3.client("imagebuilder", endpoint_url=url, region_name="us-east-1",
                                  aws_access_key_id=ACCOUNT, aws_secret_access_key="unused")
            photograph(url, seed(client), args.out, chromium)
        finally:
            server.terminate()
            server.wait(timeout=30)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/_oib/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


if __name__ == "__main__":
    main()
