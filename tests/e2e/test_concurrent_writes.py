"""Many clients writing at once. On SQLite the writes of one turn of the event loop share a
transaction and one commit (InlineTransactions); on PostgreSQL each request has its own. Either
way every request is atomic, failures leave nothing behind, and a 200 means committed."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import boto3
import httpx
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.conftest import isolated_server, new_account_id, unique
from tests.e2e.helpers import PARENT_IMAGE, image_recipe, infrastructure

THREADS = 16


def _shared_client(server, account: str):  # type: ignore[no-untyped-def]
    """One client for all threads (botocore clients are thread-safe), a connection per thread."""
    return boto3.client("imagebuilder", endpoint_url=server.url, region_name="us-east-1",
                        aws_access_key_id=account, aws_secret_access_key="secret",
                        config=Config(retries={"total_max_attempts": 1}, max_pool_connections=THREADS))


def _concurrently(calls):  # type: ignore[no-untyped-def]
    with ThreadPoolExecutor(THREADS) as pool:
        return [future.result() for future in [pool.submit(call) for call in calls]]


def test_failures_in_a_burst_leave_nothing_and_successes_stay(server):
    account = new_account_id()
    client = _shared_client(server, account)
    recipe, infra = image_recipe(client), infrastructure(client)
    taken = unique("taken")
    client.create_image_pipeline(name=taken, imageRecipeArn=recipe, infrastructureConfigurationArn=infra)

    def create(name: str, **extra):  # type: ignore[no-untyped-def]
        def call() -> str:  # the error code, "" for a success
            try:
                client.create_image_pipeline(name=name, imageRecipeArn=recipe, infrastructureConfigurationArn=infra,
                                             **extra)
            except ClientError as error:
                return error.response["Error"]["Code"]
            return ""
        return call

    valid = [unique("ok") for _ in range(48)]
    dry = [unique("dry") for _ in range(16)]
    calls = []
    for index in range(16):
        calls += [create(valid[3 * index]), create(dry[index], dryRun=True), create(valid[3 * index + 1]),
                  create(taken), create(valid[3 * index + 2]),
                  create(unique("bad"), distributionConfigurationArn=infra.replace(
                      "infrastructure-configuration", "distribution-configuration"))]
    codes = _concurrently(calls)
    assert codes.count("") == len(valid)
    assert codes.count("DryRunOperationException") == len(dry)
    assert codes.count("ResourceAlreadyExistsException") == 16
    assert codes.count("InvalidParameterValueException") == 16
    names = {p["name"] for p in client.get_paginator("list_image_pipelines").paginate().build_full_result()
             ["imagePipelineList"]}
    assert names == {taken, *valid}


def test_one_client_token_in_a_burst_makes_one_pipeline(server):
    client = _shared_client(server, new_account_id())
    recipe, infra = image_recipe(client), infrastructure(client)
    name, token = unique("same"), unique("token")

    def create():  # type: ignore[no-untyped-def]
        return client.create_image_pipeline(
            name=name, imageRecipeArn=recipe, infrastructureConfigurationArn=infra, clientToken=token)

    responses = _concurrently([create] * 24)
    assert {r["imagePipelineArn"] for r in responses} == {responses[0]["imagePipelineArn"]}
    assert {r["clientToken"] for r in responses} == {token}
    assert len(client.list_image_pipelines()["imagePipelineList"]) == 1


def test_acknowledged_burst_survives_kill_9(server, tmp_path):
    with isolated_server(server, tmp_path) as own:
        account = new_account_id()
        client = _shared_client(own, account)
        recipe, infra = image_recipe(client), infrastructure(client)

        def create(name: str):  # type: ignore[no-untyped-def]
            return lambda: client.create_image_pipeline(
                name=name, imageRecipeArn=recipe, infrastructureConfigurationArn=infra)["imagePipelineArn"]

        arns = _concurrently([create(unique("burst")) for _ in range(160)])
        if own.store == "sqlite":
            shared = httpx.get(f"{own.url}/_oib/health").json()["sharedCommits"]
            assert shared["commits"] < shared["requests"]  # the burst did share commits
        own.restart(sig="kill")
        listed = _shared_client(own, account).get_paginator("list_image_pipelines").paginate().build_full_result()
        assert {p["arn"] for p in listed["imagePipelineList"]} == set(arns)


def _race(first, second, delay: float):  # type: ignore[no-untyped-def]
    """Runs two calls at once (`second` `delay` seconds later); each ends as "ok" or its error code."""
    start = threading.Barrier(2)

    def run(call, wait: float):  # type: ignore[no-untyped-def]
        def go() -> str:
            start.wait()
            time.sleep(wait)
            try:
                call()
                return "ok"
            except ClientError as error:
                return error.response["Error"]["Code"]
        return go

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(run(first, 0.0)), pool.submit(run(second, delay))]
        return tuple(future.result() for future in futures)


def test_a_delete_racing_a_new_reference_never_leaves_it_dangling(server):
    """A pipeline created while its recipe is deleted, a recipe created while its component is
    deleted: one of the two fails, whichever order the store puts them in (on PostgreSQL the
    delete locks the row before it looks for references; a write key-share locks what it reads)."""
    account = new_account_id()
    client = _shared_client(server, account)
    infra = infrastructure(client)
    for attempt in range(24):
        delay = (attempt % 6) * 0.003
        recipe = image_recipe(client)
        new_pipeline = partial(client.create_image_pipeline, name=unique("racer"), imageRecipeArn=recipe,
                               infrastructureConfigurationArn=infra)
        outcome = _race(new_pipeline, partial(client.delete_image_recipe, imageRecipeArn=recipe), delay)
        assert outcome in {("ok", "ResourceDependencyException"), ("InvalidParameterValueException", "ok")}, outcome

        component = client.create_component(
            name=unique("part"), semanticVersion="1.0.0", platform="Linux",
            data="schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Say\n"
                 "        action: ExecuteBash\n        inputs:\n          commands: [echo hi]\n",
        )["componentBuildVersionArn"]
        new_recipe = partial(client.create_image_recipe, name=unique("uses"), semanticVersion="1.0.0",
                             parentImage=PARENT_IMAGE, components=[{"componentArn": component}])
        outcome = _race(new_recipe, partial(client.delete_component, componentBuildVersionArn=component), delay)
        assert outcome in {("ok", "ResourceDependencyException"), ("InvalidParameterValueException", "ok")}, outcome
    # What is left agrees with the outcomes: every pipeline's recipe still exists.
    for summary in client.list_image_pipelines()["imagePipelineList"]:
        client.get_image_recipe(imageRecipeArn=summary["imageRecipeArn"])


def test_concurrent_new_builds_of_one_version_take_their_turns(server):
    """Sixteen creates of one component version with different content, at once: builds 1–16, no
    error (on PostgreSQL they queue on the version instead of retrying once per winner); identical
    content at once: one build, the rest ResourceAlreadyExists."""
    client = _shared_client(server, new_account_id())
    name = unique("busy")

    def create(marker: str):  # type: ignore[no-untyped-def]
        def call() -> str:
            document = ("schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Say\n"
                        f"        action: ExecuteBash\n        inputs:\n          commands: [echo {marker}]\n")
            try:
                arn = client.create_component(name=name, semanticVersion="1.0.0", platform="Linux",
                                              data=document)["componentBuildVersionArn"]
                return arn.rsplit("/", 1)[1]
            except ClientError as error:
                return error.response["Error"]["Code"]
        return call

    assert sorted(_concurrently([create(str(n)) for n in range(THREADS)]), key=int) == [
        str(n) for n in range(1, THREADS + 1)]
    name = unique("same")
    outcomes = _concurrently([create("same") for _ in range(THREADS)])
    assert sorted(outcomes) == ["1"] + ["ResourceAlreadyExistsException"] * (THREADS - 1)
