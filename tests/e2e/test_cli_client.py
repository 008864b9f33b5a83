"""The client commands against a real `oib serve`: `oib pipelines list`, `oib images list`, and
`oib run <pipeline> [--wait]` with each workflow step shown and the image's final state as exit
status (0 AVAILABLE, 1 otherwise, 2 when the run cannot start)."""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Server, new_account_id, start_server, unique
from tests.e2e.helpers import pipeline

OIB = str(Path(sys.executable).parent / "oib")


@pytest.fixture(scope="module")
def oib_server(tmp_path_factory) -> Iterator[Server]:
    started = start_server("sqlite", "", tmp_path_factory.mktemp("oib-client"), {"OIB_STEP_SECONDS": "0.02"})
    yield started
    started.stop()


def oib(server_url: str, account: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The `oib` console script as a user runs it: the endpoint from OIB_ENDPOINT_URL, the account
    from the access key in the environment (a 12-digit key is the account id)."""
    environ = {key: value for key, value in os.environ.items() if not key.startswith(("OIB_", "AWS_"))}
    environ.update({"OIB_ENDPOINT_URL": server_url, "AWS_ACCESS_KEY_ID": account, "AWS_SECRET_ACCESS_KEY": "secret",
                    "AWS_DEFAULT_REGION": "us-east-1", **(env or {})})
    return subprocess.run([OIB, *args], capture_output=True, text=True, timeout=120, env=environ)


def test_pipelines_list_shows_each_pipeline_with_its_schedule(oib_server):
    account = new_account_id()
    client = oib_server.client(account)
    empty = oib(oib_server.url, account, "pipelines", "list")
    assert (empty.returncode, empty.stdout.strip(), empty.stderr) == (0, "Image pipelines: none", "")
    nightly = pipeline(client, name=unique("nightly"), schedule={"scheduleExpression": "cron(0 3 * * ? *)"})
    manual = pipeline(client, name=unique("manual"))
    listed = oib(oib_server.url, account, "pipelines", "list")
    assert listed.returncode == 0, listed.stderr
    rows = {line.split("│")[1].strip(): line for line in listed.stdout.splitlines() if "arn:aws:imagebuilder" in line}
    assert {arn.rsplit("/", 1)[1] for arn in (nightly, manual)} == set(rows)
    assert "cron(0 3 * * ? *)" in rows[nightly.rsplit("/", 1)[1]] and nightly in rows[nightly.rsplit("/", 1)[1]]
    next_run = client.get_image_pipeline(imagePipelineArn=nightly)["imagePipeline"]["dateNextRun"]
    assert next_run[:10] in rows[nightly.rsplit("/", 1)[1]]
    assert "manual" in rows[manual.rsplit("/", 1)[1]] and "ENABLED" in rows[manual.rsplit("/", 1)[1]]


def test_run_wait_shows_every_step_and_exits_0_once_available(oib_server):
    account = new_account_id()
    client = oib_server.client(account)
    name = unique("web")
    arn = pipeline(client, name=name)
    done = oib(oib_server.url, account, "run", name, "--wait")
    assert done.returncode == 0, (done.stdout, done.stderr)
    lines = done.stdout.splitlines()
    image_arn = lines[0].removeprefix("Started ")
    assert image_arn.startswith(f"arn:aws:imagebuilder:us-east-1:{account}:image/")
    assert lines[-1] == f"{image_arn} AVAILABLE"
    # Every step the API reports, with its final status, was shown (output that is not a terminal:
    # one line per change).
    for execution in client.list_workflow_executions(imageBuildVersionArn=image_arn)["workflowExecutions"]:
        steps = client.list_workflow_step_executions(workflowExecutionId=execution["workflowExecutionId"])["steps"]
        for step in steps:
            shown = f"{execution['type'].lower()} {step['name']} ({step['action']}) {step['status']}"
            assert any(line.endswith(shown) for line in lines), (shown, lines)
    assert client.get_image_pipeline(imagePipelineArn=arn)["imagePipeline"]["lastRunStatus"] == "AVAILABLE"


def test_run_wait_exits_1_with_the_failure_when_the_image_fails(oib_server):
    account = new_account_id()
    client = oib_server.client(account)
    arn = pipeline(client)
    failed = oib(oib_server.url, account, "run", arn, "--wait", "--tag", "oib:fail-step=ApplyBuildComponents")
    assert failed.returncode == 1, (failed.stdout, failed.stderr)
    assert any(line.endswith("build ApplyBuildComponents (ExecuteComponents) FAILED: Failure injected for step "
                             "'ApplyBuildComponents' (simulated backend).") for line in failed.stdout.splitlines())
    image_arn = failed.stdout.splitlines()[0].removeprefix("Started ")
    image = client.get_image(imageBuildVersionArn=image_arn)["image"]
    assert image["state"]["status"] == "FAILED" and image["tags"]["oib:fail-step"] == "ApplyBuildComponents"
    assert failed.stdout.splitlines()[-1] == f"{image_arn} FAILED: {image['state']['reason']}"


def test_run_without_wait_prints_the_image_arn_at_once(oib_server):
    account = new_account_id()
    client = oib_server.client(account)
    arn = pipeline(client)
    started = oib(oib_server.url, account, "run", arn)
    assert started.returncode == 0, started.stderr
    image_arn = started.stdout.strip()
    assert client.get_image(imageBuildVersionArn=image_arn)["image"]["sourcePipelineArn"] == arn


def test_run_on_a_terminal_draws_the_steps_table(oib_server):
    account = new_account_id()
    name = unique("live")
    pipeline(oib_server.client(account), name=name)
    # TTY_COMPATIBLE makes rich draw for a terminal, as `oib run` does in one.
    live = oib(oib_server.url, account, "run", name, "--wait", env={"TTY_COMPATIBLE": "1", "COLUMNS": "120"})
    assert live.returncode == 0, live.stderr
    for column in ("Workflow", "Step", "Status", "Time"):
        assert column in live.stdout
    for step in ("LaunchBuildInstance", "ApplyBuildComponents", "DistributeImages"):
        assert step in live.stdout
    assert live.stdout.rstrip().endswith("AVAILABLE")


def test_images_list_shows_each_build_with_its_status(oib_server):
    account = new_account_id()
    client = oib_server.client(account)
    assert oib(oib_server.url, account, "images", "list").stdout.strip() == "Images: none"
    arn = pipeline(client)
    good = oib(oib_server.url, account, "run", arn, "--wait").stdout.splitlines()[-1].split()[0]
    bad = oib(oib_server.url, account, "run", arn, "--wait", "--tag", "oib:fail-step=LaunchBuildInstance")
    bad_arn = bad.stdout.splitlines()[0].removeprefix("Started ")
    listed = oib(oib_server.url, account, "images", "list")
    assert listed.returncode == 0, listed.stderr
    rows = [line for line in listed.stdout.splitlines() if "arn:aws:imagebuilder" in line]
    assert [row.split("│")[-2].strip() for row in rows] == [good, bad_arn]  # oldest first
    assert "AVAILABLE" in rows[0] and "1.0.0/1" in rows[0]
    assert "FAILED" in rows[1] and "1.0.0/2" in rows[1]


def test_unknown_pipeline_and_unreachable_service_are_one_line_errors(oib_server, tmp_path):
    account = new_account_id()
    unknown = oib(oib_server.url, account, "run", "no-such-pipeline", "--wait")
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert unknown.stderr == ("oib run: error: no image pipeline named 'no-such-pipeline' in this account and region "
                              "(`oib pipelines list` shows them)\n")
    closed = "http://127.0.0.1:9"  # the discard port: nothing listens there
    for args, status in ((("pipelines", "list"), 1), (("images", "list"), 1), (("run", "any"), 2)):
        down = oib(closed, account, *args)
        assert down.returncode == status, down
        assert down.stderr.count("\n") == 1 and "cannot reach http://127.0.0.1:9 (is `oib serve` running?" in down.stderr


def test_the_endpoint_comes_from_the_flag_then_oib_then_aws_variables(oib_server):
    account = new_account_id()
    closed = "http://127.0.0.1:9"
    # The flag wins over OIB_ENDPOINT_URL, which wins over AWS_ENDPOINT_URL_IMAGEBUILDER.
    flag = oib(closed, account, "pipelines", "list", "--endpoint-url", oib_server.url)
    assert flag.returncode == 0, flag.stderr
    env_first = oib(oib_server.url, account, "pipelines", "list", env={"AWS_ENDPOINT_URL_IMAGEBUILDER": closed})
    assert env_first.returncode == 0, env_first.stderr
    environ = {key: value for key, value in os.environ.items() if not key.startswith(("OIB_", "AWS_"))}
    aws_only = subprocess.run([OIB, "pipelines", "list"], capture_output=True, text=True, timeout=60,
                              env={**environ, "AWS_ENDPOINT_URL_IMAGEBUILDER": oib_server.url})
    assert aws_only.returncode == 0 and aws_only.stdout.strip() == "Image pipelines: none", aws_only
