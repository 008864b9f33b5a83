"""Properties of the schedule evaluator over generated expressions, zones and moments.

The reference for "when does this run" is brute force over UTC minutes: a minute is a run when its
local wall-clock time matches every field and is that wall time's first occurrence (fold 0); a
wall time in a daylight-saving gap is never the local time of any UTC minute, so it never runs.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from openimagebuilder.domain.schedule import (
    CronExpression,
    RateExpression,
    ScheduleExpressionError,
    next_run,
    parse_schedule_expression,
    runs_between,
    validate_timezone,
)
from tests.unit.test_schedule_strategies import Generated, cron_expressions, moments, zoned_moments

ONE_MINUTE = timedelta(minutes=1)
WINDOW = timedelta(hours=36)
# half the expressions run every day, so that runs meet the daylight-saving changes near which
# zoned_moments mostly starts
expressions = st.one_of(cron_expressions(), cron_expressions(every_day=True))
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def is_run(cron: CronExpression, moment: datetime, zone_name: str) -> bool:
    local = moment.astimezone(validate_timezone(zone_name))
    return local.fold == 0 and cron.matches(local)


def brute_force_first_run(cron: CronExpression, after: datetime, until: datetime, zone_name: str) -> datetime | None:
    moment = after.replace(second=0, microsecond=0) + ONE_MINUTE
    while moment <= until:
        if is_run(cron, moment, zone_name):
            return moment
        moment += ONE_MINUTE
    return None


def parsed_cron(generated: Generated) -> CronExpression:
    parsed = parse_schedule_expression(generated.expression)
    assert isinstance(parsed, CronExpression)
    return parsed


@SETTINGS
@given(cron_expressions())
def test_generated_expressions_parse_and_keep_their_text(generated: Generated) -> None:
    parsed = parsed_cron(generated)
    assert str(parsed) == generated.expression
    # names and the L / W options read the same in any case
    assert parse_schedule_expression(f"cron({generated.aws.lower()})") == parsed


@SETTINGS
@given(expressions, zoned_moments())
def test_next_run_is_the_first_run_by_brute_force(generated: Generated, zoned: tuple[str, datetime]) -> None:
    zone, after = zoned
    cron = parsed_cron(generated)
    run = next_run(cron, after, zone)
    if run is not None:
        assert run > after
        assert run.tzinfo is UTC and run.second == 0 and run.microsecond == 0
        assert is_run(cron, run, zone)
    horizon = after + WINDOW
    expected = brute_force_first_run(cron, after, min(run, horizon) if run is not None else horizon, zone)
    if run is not None and run <= horizon:
        assert expected == run
    else:
        assert expected is None  # nothing was skipped inside the window


@SETTINGS
@given(expressions, zoned_moments())
def test_consecutive_runs_leave_no_run_out(generated: Generated, zoned: tuple[str, datetime]) -> None:
    zone, after = zoned
    cron = parsed_cron(generated)
    runs = runs_between(cron, after, after + timedelta(days=3), zone, limit=12)
    assume(runs)
    assert all(earlier < later for earlier, later in zip(runs, runs[1:], strict=False))
    for earlier, later in zip([after, *runs], runs, strict=False):
        assert next_run(cron, earlier, zone) == later
    # brute force between the first and the last run: exactly these minutes are runs
    moment, expected = runs[0], []
    while moment <= runs[-1]:
        if is_run(cron, moment, zone):
            expected.append(moment)
        moment += ONE_MINUTE
    assert expected == runs


@SETTINGS
@given(expressions, zoned_moments())
def test_a_run_is_not_its_own_successor(generated: Generated, zoned: tuple[str, datetime]) -> None:
    zone, after = zoned
    cron = parsed_cron(generated)
    run = next_run(cron, after, zone)
    assume(run is not None)
    assert run is not None
    following = next_run(cron, run, zone)
    assert following is None or following > run
    # asking from any second inside the minute before the run still finds the run
    assert next_run(cron, run - timedelta(seconds=1), zone) == run


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=" 0123456789*?/,-#LWlwJANMONFRIXx", max_size=30))
def test_any_text_parses_or_is_rejected_with_a_position(inner: str) -> None:
    try:
        parsed = parse_schedule_expression(f"cron({inner})")
    except ScheduleExpressionError as error:
        assert error.position is not None and 0 <= error.position <= len(inner)
        assert error.message.startswith("Invalid schedule expression. Details: Invalid CRON expression: "
                                        f"error at position {error.position}, details: ")
    else:
        assert isinstance(parsed, CronExpression)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 1000), st.sampled_from(["minute", "hour", "day"]), moments,
       st.integers(-10 * 1440, 10 * 1440))
def test_rate_runs_are_anchor_plus_whole_intervals(value: int, unit: str, anchor: datetime, offset: int) -> None:
    rate = parse_schedule_expression(f"rate({value} {unit}{'' if value == 1 else 's'})")
    assert isinstance(rate, RateExpression)
    after = anchor + timedelta(minutes=offset)
    run = next_run(rate, after, anchor=anchor)
    start = anchor.replace(second=0, microsecond=0)
    assert run is not None and run > after and run > start
    steps, remainder = divmod(run - start, rate.interval)
    assert remainder == timedelta(0) and steps >= 1
    assert steps == 1 or run - rate.interval <= after  # no run in between was left out
