"""Rejections of schedule expressions and time zones, worded in AWS's frame.

AWS answers a bad cron expression with (seen):
`The value supplied for parameter 'schedule.scheduleExpression' is not valid. Invalid schedule
expression. Details: Invalid CRON expression: error at position 9, details: Unexpected end of expression.`
The exception's message is the part after "is not valid. ", so the API layer can put it behind
its usual InvalidParameterValueException prefix.
"""
from __future__ import annotations

PREFIX = "Invalid schedule expression. Details: "


class ScheduleExpressionError(ValueError):
    """A schedule expression that is not valid.

    `message` (also `str(e)`) is the detail text; `position` is the 0-based index inside the
    parentheses of `cron(...)` / `rate(...)` where the fault is (None when the outer form is
    wrong); `reason` is the short description alone."""

    def __init__(self, message: str, position: int | None, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.reason = reason


class TimezoneError(ValueError):
    """A time zone name that is not an IANA zone; `message` is the detail text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def cron_error(position: int, reason: str) -> ScheduleExpressionError:
    return ScheduleExpressionError(
        f"{PREFIX}Invalid CRON expression: error at position {position}, details: {reason}", position, reason)


def rate_error(position: int, reason: str) -> ScheduleExpressionError:
    return ScheduleExpressionError(
        f"{PREFIX}Invalid RATE expression: error at position {position}, details: {reason}", position, reason)


def form_error(reason: str) -> ScheduleExpressionError:
    return ScheduleExpressionError(f"{PREFIX}{reason}", None, reason)
