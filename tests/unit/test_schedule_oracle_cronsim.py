"""Differential test against `cronsim` (Unix cron with time zones), a test-only oracle.

The generated schedules are those cronsim can say in its own syntax: no year, `W`, `L-n` or
wrap-around ranges (shared/spec/cron.md). Its known daylight-saving differences are taken out of
its answers rather than generated around:
- on spring-forward days it runs a missing time at the first minute after the gap, where AWS
  skips it: such a run's wall-clock time does not match the expression, and is dropped;
- for `*`-minute or `*`-hour schedules it runs the repeated hour twice on fall-back days, where
  we run each wall-clock minute once (docs/behaviour.md): second occurrences are dropped;
- started inside the second pass of a repeated hour, other schedules go back to the first pass and
  answer times before the start: those are dropped.
Zones whose clocks shift by half an hour (Australia/Lord_Howe) are not asked: cronsim steps such
schedules in whole UTC hours and misses runs there. The property tests cover them by brute force.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, reject, settings

from openimagebuilder.domain.schedule import runs_between, validate_timezone
from tests.unit.test_schedule_strategies import CRONSIM, Generated, cron_expressions, zoned_moments

cronsim = pytest.importorskip("cronsim")

RUNS = 8
HORIZON = timedelta(days=120)
WHOLE_HOUR_ZONES = ["UTC", "America/Los_Angeles", "Europe/London", "Asia/Kolkata", "Asia/Kathmandu",
                    "Australia/Sydney", "America/St_Johns"]


def wall_clock_matches(unix: str, local: datetime) -> bool:
    """Does cronsim itself, on naive wall-clock time, count this minute as a match?"""
    naive = local.replace(tzinfo=None, fold=0)
    return next(cronsim.CronSim(unix, naive - timedelta(seconds=1))) == naive


def oracle_runs(unix: str, after: datetime, zone_name: str) -> list[datetime]:
    zone = validate_timezone(zone_name)
    try:
        iterator = cronsim.CronSim(unix, after.astimezone(zone))
    except cronsim.CronSimError:
        reject()  # it refuses day sets no month can hold (30 2 ...); we accept and never run them
    runs: list[datetime] = []
    for found in iterator:
        run = found.astimezone(UTC)
        if run > after + HORIZON or len(runs) == RUNS:
            break
        if run <= after:
            continue  # started inside a repeated hour, it goes back to the first pass
        local = run.astimezone(zone)
        if local.fold == 1 or not wall_clock_matches(unix, local):
            continue  # a second pass of a repeated hour, or a missing time moved past the gap
        runs.append(run)
    return runs


@settings(max_examples=250, deadline=None)
@given(cron_expressions(CRONSIM), zoned_moments(WHOLE_HOUR_ZONES))
def test_same_runs_as_cronsim(generated: Generated, zoned: tuple[str, datetime]) -> None:
    zone, after = zoned
    assert generated.cronsim is not None
    expected = oracle_runs(generated.cronsim, after, zone)
    assert runs_between(generated.expression, after, after + HORIZON, zone, limit=RUNS) == expected


def _case(aws: str, zone: str, after: str) -> tuple[Generated, tuple[str, datetime]]:
    unix = " ".join(aws.replace("?", "*").split()[:5])
    return Generated(aws, unix), (zone, datetime.fromisoformat(after).replace(tzinfo=UTC))


CLOCK_CHANGES = [
    _case("*/15 2 * * ? *", "America/Los_Angeles", "2026-03-08 09:00"),    # a missing hour
    _case("30 2 * * ? *", "America/Los_Angeles", "2026-03-08 09:00"),
    _case("*/15 1 * * ? *", "America/Los_Angeles", "2026-11-01 07:00"),    # a repeated hour
    _case("*/20 * * * ? *", "America/Los_Angeles", "2026-11-01 08:30"),
    _case("0,30 1 * * ? *", "America/Los_Angeles", "2026-11-01 09:10"),    # from inside the second pass
    _case("30 1 * * ? *", "Europe/London", "2026-03-29 00:00"),
    _case("*/10 1 * * ? *", "Europe/London", "2026-10-25 00:00"),
    _case("45 2 * * ? *", "Australia/Sydney", "2026-10-03 15:00"),
    _case("*/30 2 * * ? *", "America/St_Johns", "2026-03-08 04:00"),
]


@settings(max_examples=150, deadline=None)
@given(cron_expressions(CRONSIM, every_day=True), zoned_moments(WHOLE_HOUR_ZONES))
def test_same_daily_runs_as_cronsim_around_clock_changes(generated: Generated, zoned: tuple[str, datetime]) -> None:
    zone, after = zoned
    assert generated.cronsim is not None
    expected = oracle_runs(generated.cronsim, after, zone)
    assert runs_between(generated.expression, after, after + HORIZON, zone, limit=RUNS) == expected


@pytest.mark.parametrize("generated, zoned", CLOCK_CHANGES, ids=[f"{case[0].aws} {case[1][0]}" for case in CLOCK_CHANGES])
def test_clock_changes_agree_with_cronsim(generated: Generated, zoned: tuple[str, datetime]) -> None:
    zone, after = zoned
    assert generated.cronsim is not None
    expected = oracle_runs(generated.cronsim, after, zone)
    assert expected
    assert runs_between(generated.expression, after, after + HORIZON, zone, limit=RUNS) == expected
