"""Schedule expressions of image pipelines: `cron(...)` and `rate(...)` as AWS reads them.

Pure functions, no I/O: parse and validate an expression, validate a time zone, and compute
when a schedule runs. Semantics: shared/spec/cron.md; decisions where AWS is silent:
docs/behaviour.md ("Schedules").
"""
from .errors import ScheduleExpressionError, TimezoneError
from .evaluator import next_run, runs_between
from .expressions import (
                          CronExpression,
                          DayList,
                          DayRule,
                          LastDay,
                          LastOccurrence,
                          LastWeekday,
                          NearestWeekday,
                          NthOccurrence,
                          RateExpression,
                          ScheduleExpression,
                          WeekdayList,
)
from .parser import parse_schedule_expression
from .zones import validate_timezone

__all__ = [
    "CronExpression", "DayList", "DayRule", "LastDay", "LastOccurrence", "LastWeekday", "NearestWeekday",
    "NthOccurrence", "RateExpression", "ScheduleExpression", "ScheduleExpressionError", "TimezoneError",
    "WeekdayList", "next_run", "parse_schedule_expression", "runs_between", "validate_timezone",
]
