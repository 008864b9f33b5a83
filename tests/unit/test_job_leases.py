"""The engine's queue at the store: leases on build jobs, on both stores (SQLite and a scratch
PostgreSQL database)."""
from __future__ import annotations

import pytest

from openimagebuilder.engine.plan import BuildPlan, ComponentRun, Stage, StepWork
from openimagebuilder.store.database import transaction
from openimagebuilder.store.executions import (
    LEASED_DUE_AT,
    ExecutionRepository,
    claim_due_job,
    claim_expired_job,
    defer_job,
    held_job,
    next_due_at,
    next_lease_expiry,
    release_lease,
    renew_leases,
    save_job,
)
from tests.conftest import migrated_store

ACCOUNT, REGION = "123456789012", "us-east-1"


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    with migrated_store(request.param, tmp_path) as engine:
        yield engine


def _plan() -> BuildPlan:
    return BuildPlan(stages=[Stage("BUILDING", ["wf-1"], 1)], log_group="/aws/imagebuilder/x", image_type="AMI",
                     components=[ComponentRun("arn:c", "c", "doc", "BUILD", {"p": ["v"]})],
                     distribution_regions=[REGION])


def _add(database, arn: str, due_at: float) -> None:
    with transaction(database, write=True) as connection:
        ExecutionRepository(connection, ACCOUNT, REGION).add_job(arn, due_at, _plan().to_json())


def _claim(database, worker: str, now: float = 100.0, lease_until: float = 1000.0):
    postgres = database.dialect.name == "postgresql"
    with transaction(database, write=True) as connection:
        return claim_due_job(connection, now, worker, lease_until, postgres)


def test_a_leased_job_is_nobody_else_s_until_its_lease_runs_out(database):
    _add(database, "arn:image/a/1.0.0/1", 10.0)
    job = _claim(database, "w1")
    assert job is not None and job.lease_owner == "w1"
    with transaction(database, write=True) as connection:
        save_job(connection, job, job.plan, lease_until=50.0)   # its step runs: the lease is kept
    assert _claim(database, "w2") is None                      # due, but leased
    with transaction(database, write=False) as connection:
        assert next_due_at(connection) is None                 # and not due for an idle worker's sleep
        assert next_lease_expiry(connection) == 50.0
    postgres = database.dialect.name == "postgresql"
    with transaction(database, write=True) as connection:
        assert claim_expired_job(connection, 40.0, "w2", 90.0, postgres) is None   # not expired yet
        taken = claim_expired_job(connection, 60.0, "w2", 90.0, postgres)
    assert taken is not None and taken.lease_owner == "w2"
    with transaction(database, write=True) as connection:
        assert held_job(connection, taken.image_arn, "w1") is None   # w1 lost it: its result is dropped
        assert held_job(connection, taken.image_arn, "w2") is not None


def test_heartbeats_renew_only_the_leases_of_running_steps_and_report_cancels(database):
    for name in ("a", "b"):
        _add(database, f"arn:image/{name}/1.0.0/1", 10.0)
    first, second = _claim(database, "w1"), _claim(database, "w1")
    assert {first.image_arn, second.image_arn} == {"arn:image/a/1.0.0/1", "arn:image/b/1.0.0/1"}
    with transaction(database, write=True) as connection:
        ExecutionRepository(connection, ACCOUNT, REGION).wake_job(first.image_arn, 5.0, cancel=True)
        held = renew_leases(connection, "w1", [first.image_arn], 2000.0)
    assert held == {first.image_arn: True}
    with transaction(database, write=False) as connection:
        assert next_lease_expiry(connection) == 1000.0   # the other lease was not renewed
    with transaction(database, write=True) as connection:
        job = held_job(connection, first.image_arn, "w1")
        assert job is not None and job.due_at == LEASED_DUE_AT   # waking a leased job leaves it leased
        release_lease(connection, first.image_arn, "w1", 7.0)
    job = _claim(database, "w2")
    assert job is not None and job.image_arn == first.image_arn and job.cancel_requested


def test_a_deferred_job_loses_its_lease_and_counts_its_failures(database):
    _add(database, "arn:image/a/1.0.0/1", 10.0)
    job = _claim(database, "w1")
    with transaction(database, write=True) as connection:
        assert defer_job(connection, job.image_arn, 20.0) == 1
        assert defer_job(connection, job.image_arn, 20.0) == 2
    assert _claim(database, "w2", now=15.0) is None
    again = _claim(database, "w2", now=25.0)
    assert again is not None and BuildPlan.from_json(again.plan).step_errors == 2


def test_a_plan_survives_the_store_with_its_step_work():
    plan = _plan()
    plan.work = StepWork("step-1", "wf-1", "Build", "ExecuteComponents", "BUILD", {"instanceId": "i-1"}, 60.0,
                         1.5, "w1", handle={"container": "abc"})
    assert BuildPlan.from_json(plan.to_json()) == plan


def test_a_plan_written_before_plans_were_typed_is_read():
    old = ('{"stages": [{"status": "BUILDING", "workflows": ["wf-1"], "limit": 1}], "stage": 0, '
           '"logGroup": "/g", "imageType": "DOCKER", "components": [{"arn": "a", "name": "n", "data": "d", '
           '"parameters": {}}], "failSteps": [], "stepSeconds": null, "distributionRegions": ["us-east-1"], '
           '"imageId": "ami-1", "distributedImages": [{"region": "us-east-1", "imageId": "ami-2"}]}')
    plan = BuildPlan.from_json(old)
    assert (plan.log_group, plan.image_type, plan.image_id) == ("/g", "DOCKER", "ami-1")
    assert plan.components[0].type == "BUILD"
    assert plan.distributed == {"distributedImages": [{"region": "us-east-1", "imageId": "ami-2"}]}
