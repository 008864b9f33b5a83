"""The scheduler's firing of one due schedule when the pipeline changed just before it fires.

Through the API these states cannot be reached (DeleteImagePipeline and a disabling update remove
or clear the schedule in the same transaction); they happen when a scheduler has claimed a due
schedule and the change commits before it locks the pipeline (PostgreSQL, several processes).
So the store is set up directly here: a due schedule whose pipeline is gone, or disabled.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from openimagebuilder.scheduler.firing import SKIPPED_DISABLED, fire
from openimagebuilder.service.context import Context
from openimagebuilder.store.database import create_store_engine, migrate, transaction
from openimagebuilder.store.executions import ExecutionRepository
from openimagebuilder.store.repository import Repository, Resource
from openimagebuilder.store.schedules import ScheduleRepository, claim_due_schedules
from openimagebuilder.store.tables import pipeline_schedules

ACCOUNT, REGION = "123456789012", "us-east-1"
NAME = "nightly"
ARN = f"arn:aws:imagebuilder:{REGION}:{ACCOUNT}:image-pipeline/{NAME}"
ANCHOR = datetime(2026, 12, 1, tzinfo=UTC)
DUE = ANCHOR + timedelta(hours=1)
NOW = DUE + timedelta(seconds=5)


class FixedClock:
    def now(self) -> datetime:
        return NOW


@pytest.fixture
def engine(tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    engine = create_store_engine(f"sqlite:///{tmp_path / 'oib.db'}")
    migrate(engine)
    yield engine
    engine.dispose()


def _context(connection) -> Context:  # type: ignore[no-untyped-def]
    return Context(ACCOUNT, REGION, "aws", "scheduler", "ScheduledRun", Repository(connection, ACCOUNT, REGION, "aws"),
                   FixedClock(), b"secret", ExecutionRepository(connection, ACCOUNT, REGION),
                   ScheduleRepository(connection, ACCOUNT, REGION))


def _scheduled_pipeline(engine: Engine, status: str | None) -> None:
    """A pipeline due at DUE; status None leaves only its schedule, as a delete that won the race."""
    with transaction(engine, write=True) as connection:
        ctx = _context(connection)
        if status is not None:
            document = {"arn": ARN, "name": NAME, "status": status, "dateNextRun": "2026-12-01T01:00:00.000Z",
                        "schedule": {"scheduleExpression": "rate(1 hour)",
                                     "pipelineExecutionStartCondition": "EXPRESSION_MATCH_ONLY"}}
            ctx.repo.insert(Resource("image-pipeline", ARN, NAME, document, "2026-12-01T00:00:00.000Z"))
        ctx.schedules.set(ARN, DUE.timestamp(), ANCHOR.timestamp())


def _schedule_rows(engine: Engine) -> list[tuple[str, float | None]]:
    with transaction(engine, write=False) as connection:
        return [(row.pipeline_arn, row.next_run_at) for row in connection.execute(select(pipeline_schedules))]


def test_a_pipeline_deleted_just_before_it_fires_makes_no_firing_and_loses_its_schedule(engine):
    _scheduled_pipeline(engine, status=None)
    with transaction(engine, write=True) as connection:
        [due] = claim_due_schedules(connection, NOW.timestamp(), postgres=False)
        ctx = _context(connection)
        assert fire(ctx, due) is None
        assert ctx.schedules.firings(ARN) == []  # nothing recorded: a same-named pipeline may fire later
    # The schedule is gone, so the scheduler does not claim it again on every tick.
    assert _schedule_rows(engine) == []


def test_a_pipeline_disabled_just_before_it_fires_records_a_skip_and_stops_scheduling(engine):
    _scheduled_pipeline(engine, status="DISABLED")
    with transaction(engine, write=True) as connection:
        [due] = claim_due_schedules(connection, NOW.timestamp(), postgres=False)
        ctx = _context(connection)
        firing = fire(ctx, due)
        assert firing is not None
        assert (firing.pipeline_arn, firing.due_at, firing.outcome, firing.image_arn) == (
            ARN, DUE, SKIPPED_DISABLED, None)
        assert ctx.schedules.firings(ARN) == [(DUE.timestamp(), SKIPPED_DISABLED, None)]
        pipeline = ctx.repo.get(ARN)
        assert pipeline is not None and "dateNextRun" not in pipeline.document  # a disabled pipeline has none
        assert [line[3] for line in ctx.executions.log_events(ARN)] == [
            "Scheduled run due 2026-12-01T01:00:00.000Z: SKIPPED_DISABLED (the pipeline is disabled)"]
    # No next run: the row stays (its anchor is kept for re-enabling) but is never due.
    assert _schedule_rows(engine) == [(ARN, None)]
    with transaction(engine, write=True) as connection:
        assert claim_due_schedules(connection, (NOW + timedelta(days=30)).timestamp(), postgres=False) == []



def test_a_build_start_that_loses_a_race_runs_again_instead_of_failing_to_start(engine, monkeypatch):
    """Another process took the same unique key first (before build numbers were one upsert: two
    schedulers creating a recipe version's counter): the start runs again, as the API's requests do."""
    from openimagebuilder.scheduler import firing
    from openimagebuilder.store.repository import UniqueViolation

    attempts = []

    def run(ctx, pipeline):  # type: ignore[no-untyped-def]
        attempts.append(pipeline.arn)
        if len(attempts) == 1:
            raise UniqueViolation("duplicate key value violates unique constraint")
        return firing.STARTED, f"{ARN}-image", ""

    monkeypatch.setattr(firing, "_run", run)
    _scheduled_pipeline(engine, status="ENABLED")
    with transaction(engine, write=True) as connection:
        [due] = claim_due_schedules(connection, NOW.timestamp(), postgres=False)
        result = fire(_context(connection), due)
    assert result is not None and (result.outcome, result.image_arn) == (firing.STARTED, f"{ARN}-image")
    assert attempts == [ARN, ARN]
