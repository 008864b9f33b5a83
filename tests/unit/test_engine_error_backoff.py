"""The build engine when advancing a build keeps failing (an internal error, not a failed step):
each failure puts the job back after a backoff, without a lease, and the fifth in a row fails the
image with the error instead of retrying forever."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from openimagebuilder.engine.plan import BuildPlan, Stage
from openimagebuilder.engine.runner import ERROR_BACKOFF_SECONDS, MAX_STEP_ERRORS, BuildEngine, WorkerSettings
from openimagebuilder.store.database import create_store_engine, migrate, sqlite_url, transaction
from openimagebuilder.store.executions import ExecutionRepository, claim_due_job
from openimagebuilder.store.repository import Repository, Resource

ACCOUNT, REGION = "123456789012", "us-east-1"
IMAGE = f"arn:aws:imagebuilder:{REGION}:{ACCOUNT}:image/app/1.0.0/1"
NOW = datetime(2026, 12, 3, tzinfo=UTC)


class FixedClock:
    def now(self) -> datetime:
        return NOW


@pytest.fixture
def database(tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    engine = create_store_engine(sqlite_url(tmp_path))
    migrate(engine)
    with transaction(engine, write=True) as connection:
        Repository(connection, ACCOUNT, REGION, "aws").insert(Resource(
            "image", IMAGE, "app", {"arn": IMAGE, "state": {"status": "BUILDING"}}, "2026-12-03T00:00:00.000Z",
            version="1.0.0", build=1, owner=ACCOUNT))
        plan = BuildPlan(stages=[Stage("BUILDING", ["wf-1"], 1)], log_group="/aws/imagebuilder/app", image_type="AMI",
                         components=[], distribution_regions=[REGION])
        ExecutionRepository(connection, ACCOUNT, REGION).add_job(IMAGE, NOW.timestamp(), plan.to_json())
    yield engine
    engine.dispose()


def _fail_to_advance(*args: Any) -> Any:
    raise RuntimeError("the store said no")


def _claim(database: Engine, engine: BuildEngine, at: float) -> Any:
    with transaction(database, write=True) as connection:
        return claim_due_job(connection, at, engine.worker_id, at + 60, postgres=False)


def _state(database: Engine) -> tuple[dict[str, Any], Any]:
    with transaction(database, write=False) as connection:
        image = Repository(connection, ACCOUNT, REGION, "aws").get(IMAGE)
        assert image is not None
        return image.document["state"], ExecutionRepository(connection, ACCOUNT, REGION).job(IMAGE)


def test_repeated_errors_back_off_then_fail_the_image(database, monkeypatch):
    engine = BuildEngine(database, FixedClock(), backend=None, settings=WorkerSettings(worker_id="w1"))  # type: ignore[arg-type]
    monkeypatch.setattr(engine, "_advance", _fail_to_advance)
    now = NOW.timestamp()
    retry_at = now + ERROR_BACKOFF_SECONDS  # the clock stands still: every retry is due then
    for attempt in range(1, MAX_STEP_ERRORS):
        job = _claim(database, engine, retry_at)
        assert job is not None, attempt
        assert engine._record(job, None) is None  # type: ignore[arg-type]
        state, queued = _state(database)
        assert state == {"status": "BUILDING"}, attempt
        # Backed off: not due before the backoff, and no longer leased to this worker.
        assert queued is not None and queued.due_at == retry_at
        assert _claim(database, engine, retry_at - 0.5) is None
        assert BuildPlan.from_json(queued.plan).step_errors == attempt
    job = _claim(database, engine, retry_at)
    assert job is not None
    engine._record(job, None)  # type: ignore[arg-type]
    state, queued = _state(database)
    assert state == {"status": "FAILED", "reason": (
        f"Internal error: the build could not advance after {MAX_STEP_ERRORS} attempts (the store said no).")}
    assert queued is None  # given up: no job left to retry
