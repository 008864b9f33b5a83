"""The build engine apart from the API: `oib serve --no-worker`, `oib worker` processes sharing one
store with leases, takeover of a dead worker's build, resume after a kill -9 of `oib serve`,
cancellation and step timeouts reaching a step whose backend work blocks, and an API that keeps
answering while builds block.

The image tag `oib:block-seconds` makes each backend call of a build block inside the simulated
backend for that long, really occupying an engine thread (cancellable). Builds that block use a
one-step BUILD workflow, so that each blocks exactly once.

Timed assertions are correctness bounds of the engine (API answers in under 1 s while builds block;
a cancel reaches a blocking step within 2 s, asserted as at most 3 s), not benchmarks; the speed
of all this is measured in bench/workers.py.
"""
from __future__ import annotations

import re
import signal
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import STORES, Server, Worker, scratch_database, start_server, start_worker, unique
from tests.e2e.helpers import (
    ROLE,
    TERMINAL,
    build_log,
    create_image,
    get_image,
    image_recipe,
    infrastructure,
    step_executions,
    wait_done,
    wait_status,
    wait_until,
    workflow,
    workflow_executions,
)

BLOCK = "oib:block-seconds"
STEP = "LaunchBuildInstance"
LEASE = "2"  # --lease-seconds of the workers that die in these tests
STARTED = re.compile(r"^Step (\S+) \(.*\) started\.$")
COMPLETED = f"Step {STEP} completed."
TAKEN_OVER = re.compile(r"takes it over|stopped while it ran")  # the build log's line for a takeover


def one_step_build(timeout_seconds: int | None = None) -> str:
    """A BUILD workflow of one step, which calls the backend once."""
    step: dict[str, Any] = {"name": STEP, "action": "LaunchInstance", "inputs": {"waitFor": "ssmAgent"}}
    if timeout_seconds is not None:
        step["timeoutSeconds"] = timeout_seconds
    return yaml.safe_dump({"schemaVersion": 1.0, "steps": [step]}, sort_keys=False)


class Builds:
    """One-step builds in one account: blocking ones (`oib:block-seconds`) and quick ones."""

    def __init__(self, client, timeout_seconds: int | None = None) -> None:
        self.client = client
        self.recipe, self.infra = image_recipe(client), infrastructure(client)
        self.workflows = [{"workflowArn": workflow(client, "BUILD", one_step_build(timeout_seconds))}]

    def start(self, block_seconds: float | None = None) -> str:
        tags = {BLOCK: f"{block_seconds:g}"} if block_seconds is not None else None
        return create_image(self.client, self.recipe, self.infra, tags=tags, workflows=self.workflows,
                            executionRole=ROLE)

    def step(self, arn: str) -> dict[str, Any] | None:
        """The build's one step execution, once its workflow has started."""
        executions = workflow_executions(self.client, arn)
        steps = step_executions(self.client, executions[0]["workflowExecutionId"]) if executions else []
        return steps[0] if steps else None

    def wait_blocking(self, *arns: str, timeout: float = 15) -> None:
        """Until the step of each build is RUNNING, and then long enough for its worker to be in the
        step's backend work, holding the build's lease: a step is RUNNING from its start, and its
        work begins after the pacing of the simulated backend (0.1 s) and at most one idle poll."""
        def running():
            return all((self.step(arn) or {}).get("status") == "RUNNING" for arn in arns)
        wait_until(running, timeout=timeout, interval=0.05, what=f"the steps of {len(arns)} builds to run")
        time.sleep(0.8)


def seconds(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


@contextmanager
def workers(server: Server, tmp, count: int = 1, *args: str) -> Iterator[list[Worker]]:
    """`count` `oib worker <args>` processes on `server`'s store. On the way out each one still
    running gets SIGTERM and must exit 0; when the test failed, their logs are printed."""
    started = [start_worker(server, tmp, *args) for _ in range(count)]
    try:
        yield started
    except BaseException:
        for worker in started:
            worker.stop("kill")
            print(f"--- {worker.log_path.name}\n{worker.log()[-3000:]}")
        raise
    running = [worker for worker in started if worker.process.poll() is None]
    statuses = [worker.stop() for worker in running]
    assert statuses == [0] * len(running), [(w.log_path.name, w.log()[-2000:]) for w in running]


@pytest.fixture(scope="module", params=STORES)
def api_only(request, tmp_path_factory) -> Iterator[Server]:
    """`oib serve --no-worker` (OIB_NO_WORKER=1) on a store of its own: builds wait for a worker."""
    tmp = tmp_path_factory.mktemp(f"api-only-{request.param}")
    if request.param == "sqlite":
        server = start_server("sqlite", "", tmp, {"OIB_NO_WORKER": "1"})
        yield server
        server.stop()
        return
    with scratch_database() as database_url:
        server = start_server("postgresql", database_url, tmp, {"OIB_NO_WORKER": "1"})
        yield server
        server.stop()


only_postgresql = pytest.mark.parametrize("api_only", ["postgresql"], indirect=True)


def health(server: Server) -> dict[str, Any]:
    reply = httpx.get(f"{server.url}/_oib/health", timeout=5)
    reply.raise_for_status()
    return reply.json()


# -- the API while builds block ---------------------------------------------------------------
def test_api_answers_while_builds_block(server, client):
    builds = Builds(client)
    arns = [builds.start(block_seconds=4) for _ in range(3)]  # more than the 2 engine threads
    builds.wait_blocking(*arns[:2])
    timings: list[tuple[str, float]] = []
    for _ in range(2):
        t0 = time.perf_counter()
        client.create_component(name=unique("comp"), semanticVersion="1.0.0", platform="Linux",
                                data="schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n"
                                     "      - name: Hello\n        action: ExecuteBash\n"
                                     "        inputs:\n          commands: [echo hello]\n")
        timings.append(("CreateComponent", time.perf_counter() - t0))
        t0 = time.perf_counter()
        health(server)
        timings.append(("GET /_oib/health", time.perf_counter() - t0))
    # Measured while the builds were blocking, not after.
    assert [(builds.step(arn) or {}).get("status") for arn in arns[:2]] == ["RUNNING", "RUNNING"]
    assert max(took for _, took in timings) < 1, timings
    for arn in arns:
        client.cancel_image_creation(imageBuildVersionArn=arn)
    for arn in arns:
        assert wait_done(client, arn)["state"]["status"] == "CANCELLED"


# -- builds without and with workers ----------------------------------------------------------
def test_builds_wait_for_a_worker(api_only, tmp_path):
    client = api_only.client()
    arn = create_image(client)
    time.sleep(1)
    assert get_image(client, arn)["state"]["status"] == "PENDING"
    engine = health(api_only)["engine"]  # informational: which build worker this process runs, if any
    assert not (engine or {}).get("worker"), engine
    with workers(api_only, tmp_path):
        assert wait_done(client, arn)["state"]["status"] == "AVAILABLE"


@only_postgresql
def test_workers_share_builds_and_run_each_step_once(api_only, tmp_path):
    client = api_only.client()
    recipe, infra = image_recipe(client), infrastructure(client)
    arns = [create_image(client, recipe, infra) for _ in range(12)]  # default workflows, 14 steps
    with workers(api_only, tmp_path, 3):
        for arn in arns:
            assert wait_done(client, arn, timeout=60)["state"]["status"] == "AVAILABLE"
    for arn in arns:
        completed: Counter[str] = Counter()
        for execution in workflow_executions(client, arn):
            steps = step_executions(client, execution["workflowExecutionId"])
            assert len({s["name"] for s in steps}) == len(steps), steps  # one execution per step
            assert {s["status"] for s in steps} <= {"COMPLETED", "SKIPPED"}, steps
            completed.update(s["name"] for s in steps if s["status"] == "COMPLETED")
        started = Counter(m.group(1) for m in map(STARTED.match, build_log(api_only.url, arn)) if m)
        assert started == completed, build_log(api_only.url, arn)  # each step started once


# -- a worker dies ----------------------------------------------------------------------------
@only_postgresql
def test_a_dead_workers_build_is_taken_over(api_only, tmp_path):
    client = api_only.client()
    builds = Builds(client)
    arn = builds.start(block_seconds=3)
    with workers(api_only, tmp_path, 1, "--lease-seconds", LEASE, "--engine-workers", "1") as (doomed,):
        builds.wait_blocking(arn)
        doomed.stop("kill")
        killed = time.monotonic()
        with workers(api_only, tmp_path, 1, "--lease-seconds", LEASE):
            # The new worker starts (~1 s), the lease runs out (2 s), then the step runs again (3 s)
            # or fails: well within 15 s.
            image = wait_done(client, arn, timeout=15)
            took = time.monotonic() - killed
            assert_taken_over(builds, arn, image, api_only.url)
            # Nothing is left holding the engine: the next build goes through.
            assert wait_done(client, builds.start())["state"]["status"] == "AVAILABLE"
    print(f"build ended {image['state']['status']} {took:.1f} s after its worker was killed")


@only_postgresql
def test_a_build_cancelled_while_its_worker_is_dead_is_cancelled_without_running_again(api_only, tmp_path):
    client = api_only.client()
    builds = Builds(client)
    arn = builds.start(block_seconds=30)
    with workers(api_only, tmp_path, 1, "--lease-seconds", LEASE, "--engine-workers", "1") as (doomed,):
        builds.wait_blocking(arn)
        doomed.stop("kill")
        client.cancel_image_creation(imageBuildVersionArn=arn, clientToken=unique("cancel"))
        with workers(api_only, tmp_path, 1, "--lease-seconds", LEASE):
            # The lease runs out (2 s); the next worker cancels instead of blocking 30 s again.
            image = wait_done(client, arn, timeout=12)
    assert image["state"]["status"] == "CANCELLED", image["state"]
    assert builds.step(arn)["status"] == "CANCELLED"
    assert not [line for line in build_log(api_only.url, arn) if TAKEN_OVER.search(line)]


def assert_taken_over(builds: Builds, arn: str, image: dict[str, Any], url: str) -> None:
    """The step of a worker that died was taken over: the build is AVAILABLE (the step ran again,
    once) or FAILED with a reason that names what was lost; no step left RUNNING."""
    state = image["state"]
    assert state["status"] in ("AVAILABLE", "FAILED"), state
    if state["status"] == "FAILED":
        assert re.search(rf"{STEP}|worker|lease", state.get("reason", ""), re.I), state
    else:
        log = build_log(url, arn)
        assert log.count(COMPLETED) == 1 and any(TAKEN_OVER.search(line) for line in log), log
    step = builds.step(arn)
    assert step["status"] == ("COMPLETED" if state["status"] == "AVAILABLE" else "FAILED"), step
    assert workflow_executions(builds.client, arn)[0]["status"] in ("COMPLETED", "FAILED")


@only_postgresql
def test_a_stalled_workers_build_is_taken_over_and_its_late_result_dropped(api_only, tmp_path):
    """A worker that stops (SIGSTOP) longer than its lease loses the build to another worker, which
    finishes it; when the stalled one resumes, its result for the step is not recorded again."""
    client = api_only.client()
    builds = Builds(client)
    arn = builds.start(block_seconds=3)
    with workers(api_only, tmp_path, 1, "--lease-seconds", LEASE, "--engine-workers", "1") as (stalled,):
        builds.wait_blocking(arn)
        stalled.process.send_signal(signal.SIGSTOP)
        try:
            with workers(api_only, tmp_path, 1, "--lease-seconds", LEASE):
                image = wait_done(client, arn, timeout=15)
        finally:
            stalled.process.send_signal(signal.SIGCONT)
        time.sleep(1.5)  # the resumed worker finishes its step's work and finds its lease gone
        assert image["state"]["status"] == "AVAILABLE", image["state"]
        assert get_image(client, arn)["state"]["status"] == "AVAILABLE"
        log = build_log(api_only.url, arn)
        assert log.count(COMPLETED) == 1 and any(TAKEN_OVER.search(line) for line in log), log
        assert builds.step(arn)["status"] == "COMPLETED"


def test_a_second_worker_on_sqlite_leaves_a_running_step_to_its_worker(tmp_path):
    """`oib worker --data-dir` on the SQLite store of a running `oib serve` (embedded worker): the
    step that worker runs is not taken from it (the new worker may also refuse to start)."""
    own = start_server("sqlite", "", tmp_path)
    try:
        client = own.client()
        builds = Builds(client)
        arn = builds.start(block_seconds=3)
        builds.wait_blocking(arn)
        second = start_worker(own, tmp_path)
        try:
            image = wait_done(client, arn, timeout=15)
        finally:
            second.stop()
        assert image["state"]["status"] == "AVAILABLE", image["state"]
        log = build_log(own.url, arn)
        assert not [line for line in log if TAKEN_OVER.search(line)], log
        assert log.count(COMPLETED) == 1, log
    finally:
        own.stop()


def test_serve_killed_mid_build_finishes_the_build_after_restart(tmp_path):
    own = start_server("sqlite", "", tmp_path, {"OIB_LEASE_SECONDS": LEASE})
    try:
        client = own.client()
        account = client._request_signer._credentials.access_key
        builds = Builds(client)
        arn = builds.start(block_seconds=3)
        builds.wait_blocking(arn)
        own.restart(sig="kill")
        builds.client = own.client(account)
        image = wait_done(builds.client, arn, timeout=15)
        assert_taken_over(builds, arn, image, own.url)
    finally:
        own.stop()


# -- cancel and timeout -----------------------------------------------------------------------
def cancel_blocking_builds(client, count: int) -> None:
    """`count` builds each blocking in the backend for 30 s (as many as the engine has threads);
    each is cancelled while it blocks and must be CANCELLED within 3 s of the cancel call, with
    its step stopped: a build started afterwards finishes long before the 30 s are up."""
    builds = Builds(client)
    arns = [builds.start(block_seconds=30) for _ in range(count)]
    builds.wait_blocking(*arns)
    for arn in arns:
        called = time.monotonic()
        client.cancel_image_creation(imageBuildVersionArn=arn)
        image = wait_status(client, arn, *TERMINAL, timeout=10)
        took = time.monotonic() - called
        assert image["state"]["status"] == "CANCELLED", image["state"]
        assert took <= 3, f"CANCELLED {took:.2f} s after the cancel call"
        step = builds.step(arn)
        assert step["status"] == "CANCELLED", step
        assert seconds(step["endTime"]) - seconds(step["startTime"]) < 10, step
    cancelled = time.monotonic()
    quick = builds.start()
    assert wait_done(client, quick, timeout=10)["state"]["status"] == "AVAILABLE"
    assert time.monotonic() - cancelled < 10


def test_cancel_stops_a_blocking_step(server, client):
    cancel_blocking_builds(client, count=2)  # oib serve's embedded engine: 2 threads by default


def test_cancel_stops_a_blocking_step_on_another_worker(api_only, tmp_path):
    with workers(api_only, tmp_path, 1, "--engine-workers", "1"):
        cancel_blocking_builds(api_only.client(), count=1)


def test_step_timeout_seconds_fails_a_step_whose_backend_blocks(server, client):
    builds = Builds(client, timeout_seconds=1)
    started = time.monotonic()
    arn = builds.start(block_seconds=5)
    image = wait_done(client, arn, timeout=15)
    took = time.monotonic() - started
    assert image["state"]["status"] == "FAILED", image["state"]
    step = builds.step(arn)
    assert step["status"] == "FAILED" and re.search(r"time(d)? ?out", step["message"], re.I), step
    # Failed at its timeout, not once the backend's 5 s were up.
    assert seconds(step["endTime"]) - seconds(step["startTime"]) < 3, step
    assert took < 5, f"FAILED {took:.1f} s after CreateImage"
