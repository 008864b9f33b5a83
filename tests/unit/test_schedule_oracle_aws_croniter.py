"""Differential test against `aws-croniter` (AWS syntax, UTC only), a test-only oracle.

Left out, as shared/spec/cron.md lists them as its faults: `LW`, `L` alone in day-of-week,
descending years (never generated: they are invalid). Its search gives up after ten month/year
hops and answers None for sparse schedules; there only the runs it did find are compared.
Also left out are forms its validator does not take although AWS does: `*` inside a list,
`L-0`, steps in the year field.
"""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings

from openimagebuilder.domain.schedule import runs_between
from tests.unit.test_schedule_strategies import AWS_CRONITER, Generated, cron_expressions, moments

aws_croniter = pytest.importorskip("aws_croniter")

RUNS = 8
END = datetime(2199, 12, 31, 23, 59, tzinfo=UTC)


def oracle_runs(expression: str, after: datetime) -> list[datetime]:
    """Its next runs, cut where it gave up."""
    runs = aws_croniter.AwsCroniter(expression).get_next(after, n=RUNS)
    found = []
    for run in runs:
        if run is None:
            break
        found.append(run)
    return found


@settings(max_examples=300, deadline=None)
@given(cron_expressions(AWS_CRONITER), moments)
def test_same_runs_as_aws_croniter(generated: Generated, after: datetime) -> None:
    expected = oracle_runs(generated.aws, after)
    ours = runs_between(generated.expression, after, END, limit=RUNS)
    assert ours[:len(expected)] == expected
    if len(expected) == RUNS:
        assert ours == expected


@pytest.mark.parametrize("expression", [
    "0 0 L * ? *", "0 12 L-2 * ? *", "15 10 15W * ? *", "0 0 1W * ? *", "0 0 31W * ? *",
    "0 8 ? * 6L *", "0 8 ? * FRIL *", "0 9 ? * 2#1 *", "0 0 ? * 6#5 *", "*/20 20-2 ? * FRI-MON *",
    "0 0 28-3 * ? *", "0 0 29 2 ? 2028-2040", "0 0 * * ? 2024,2030",
])
def test_named_cases_agree(expression: str) -> None:
    after = datetime(2026, 1, 1, tzinfo=UTC)
    expected = oracle_runs(expression, after)
    assert expected
    assert runs_between(f"cron({expression})", after, END, limit=RUNS)[:len(expected)] == expected
