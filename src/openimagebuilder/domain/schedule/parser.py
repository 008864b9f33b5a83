"""Parsing `cron(...)` and `rate(...)` with AWS's rules (see shared/spec/cron.md).

Every rejection names the 0-based position inside the parentheses where the fault is. Fields
are read left to right and the first fault wins, as in Quartz, whose rules AWS follows; the
field count is checked after the fields that are there (so `cron(0 0 * * *)` fails at position 9,
"Unexpected end of expression.", as AWS answers), and the day-of-month/day-of-week pairing last.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from .errors import ScheduleExpressionError, cron_error, form_error, rate_error
from .expressions import (
    FIRST_YEAR,
    LAST_YEAR,
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

MONTH_NAMES = {name: number for number, name in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1)}
WEEKDAY_NAMES = {name: number for number, name in enumerate(
    ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], start=1)}
FIELD_COUNT = 6
DAY_OF_MONTH_FIELD, DAY_OF_WEEK_FIELD = 2, 4
MAX_LAST_DAY_OFFSET = 30  # Quartz: "Offset from last day must be <= 30"


@dataclass(frozen=True)
class FieldSpec:
    label: str
    low: int
    high: int
    max_step: int
    range_message: str
    names: dict[str, int] | None = None
    wraps: bool = True       # a descending range wraps around (not for years)
    allows_step: bool = True  # AWS lists no `/` for day-of-week

    def invalid_value(self, token: str) -> str:
        if self.names is not None:
            return f"Invalid {self.label} value: '{token}'."
        return f"Illegal characters for this position: '{token}'."


MINUTE = FieldSpec("Minute", 0, 59, 59, "Minute values must be between 0 and 59.")
HOUR = FieldSpec("Hour", 0, 23, 23, "Hour values must be between 0 and 23.")
DAY_OF_MONTH = FieldSpec("Day-of-Month", 1, 31, 31, "Day-of-Month values must be between 1 and 31.")
MONTH = FieldSpec("Month", 1, 12, 12, "Month values must be between 1 and 12.", names=MONTH_NAMES)
DAY_OF_WEEK = FieldSpec("Day-of-Week", 1, 7, 7, "Day-of-Week values must be between 1 and 7.",
                        names=WEEKDAY_NAMES, allows_step=False)
YEAR = FieldSpec("Year", FIRST_YEAR, LAST_YEAR, LAST_YEAR - FIRST_YEAR,
                 f"Year values must be between {FIRST_YEAR} and {LAST_YEAR}.", wraps=False)


def parse_schedule_expression(text: str) -> ScheduleExpression:
    """`cron(...)` or `rate(...)` parsed; raises ScheduleExpressionError. Results are cached."""
    if not isinstance(text, str):
        raise form_error("Schedule expression must be a string.")
    return _parse_cached(text)


@functools.lru_cache(maxsize=4096)
def _parse_cached(text: str) -> ScheduleExpression:
    if text.startswith("cron("):
        return parse_cron(_inner(text, "cron(", cron_error), text)
    if text.startswith("rate("):
        return parse_rate(_inner(text, "rate(", rate_error))
    raise form_error("Schedule expression must be cron(...) or rate(...).")


def _inner(text: str, opening: str, error: Callable[[int, str], ScheduleExpressionError]) -> str:
    if not text.endswith(")"):
        raise error(len(text) - len(opening), "Expected ')' at the end of the expression.")
    return text[len(opening):-1]


# --- rate -----------------------------------------------------------------------------------

_RATE_UNITS = {"minute", "hour", "day"}
MAX_RATE_VALUE = 2**31 - 1  # AWS's services keep such values in 32-bit integers


def parse_rate(inner: str) -> RateExpression:
    if not inner:
        raise rate_error(0, "Unexpected end of expression.")
    if inner.startswith(" "):
        raise rate_error(0, "Unexpected whitespace.")
    value_text, space, unit = inner.partition(" ")
    if not (value_text.isascii() and value_text.isdigit()) or _number(value_text) < 1:
        raise rate_error(0, f"Value must be a positive integer: '{value_text}'.")
    value = _number(value_text)
    if value > MAX_RATE_VALUE:
        raise rate_error(0, f"Value must be at most {MAX_RATE_VALUE}.")
    unit_at = len(value_text) + 1
    if not unit:
        raise rate_error(len(inner), "Unexpected end of expression.")
    if " " in unit:
        extra = unit.index(" ")
        raise rate_error(unit_at + extra, "Unexpected whitespace." if extra == 0 else "Expected end of expression.")
    singular = unit[:-1] if unit.endswith("s") else unit
    if singular not in _RATE_UNITS:
        raise rate_error(unit_at, f"Unit must be minute(s), hour(s) or day(s): '{unit}'.")
    if value == 1 and unit != singular:
        raise rate_error(unit_at, f"Unit must be singular ('{singular}') when the value is 1.")
    if value != 1 and unit == singular:
        raise rate_error(unit_at, f"Unit must be plural ('{singular}s') when the value is not 1.")
    return RateExpression(value, singular)


# --- cron -----------------------------------------------------------------------------------

_TOKEN = re.compile(r"[^ ]+")


def parse_cron(inner: str, text: str = "") -> CronExpression:
    """The text inside `cron(...)`; `text` is the whole expression, kept for display."""
    if inner.startswith(" "):
        raise cron_error(0, "Unexpected whitespace.")
    fields = [(match.group(), match.start()) for match in _TOKEN.finditer(inner)]
    parsed: list[object] = []
    for index, (field_text, at) in enumerate(fields):
        if index == FIELD_COUNT:
            raise cron_error(at, "Expected end of expression after the year field.")
        if index > 0:
            _check_separator(fields[index - 1], at)
        _check_characters(field_text, at)
        # Quartz upper-cases the expression: names, L and W are accepted in any case
        parsed.append(_parse_field(index, field_text.upper(), at, parsed))
    if len(fields) < FIELD_COUNT:
        raise cron_error(len(inner), "Unexpected end of expression.")
    if inner.endswith(" "):
        raise cron_error(len(inner) - 1, "Unexpected whitespace.")
    minutes, hours, day_of_month, months, day_of_week, years = parsed
    if day_of_month is not None and day_of_week is not None:
        raise cron_error(fields[DAY_OF_WEEK_FIELD][1], "Support for specifying both a day-of-week AND a day-of-month "
                                       "parameter is not implemented.")
    return CronExpression(minutes, hours, day_of_month, months, day_of_week, years,  # type: ignore[arg-type]
                          text=text or f"cron({inner})")


def _parse_field(index: int, text: str, at: int, earlier: list[object]) -> object:
    if index == DAY_OF_MONTH_FIELD:
        return _parse_day_of_month(text, at)
    if index == DAY_OF_WEEK_FIELD:
        return _parse_day_of_week(text, at, day_of_month_is_none=earlier[DAY_OF_MONTH_FIELD] is None)
    return _parse_list(text, at, (MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK, YEAR)[index])


def _check_separator(previous: tuple[str, int], at: int) -> None:
    previous_text, previous_at = previous
    separator_at = previous_at + len(previous_text)
    if at != separator_at + 1:
        raise cron_error(separator_at + 1, "Unexpected whitespace.")


def _check_characters(text: str, at: int) -> None:
    for offset, char in enumerate(text):
        if not (char.isascii() and (char.isalnum() or char in ",-*/?#")):
            raise cron_error(at + offset, f"Illegal character '{char}'.")


def _parse_day_of_month(text: str, at: int) -> DayRule | None:
    if text == "?":
        return None
    if text == "L":
        return LastDay(0)
    if text == "LW":
        return LastWeekday()
    if text.startswith("L-"):
        offset_text = text[2:]
        if not offset_text.isdigit() or _number(offset_text) > MAX_LAST_DAY_OFFSET:
            raise cron_error(at + 2, f"Offset from last day must be a number between 0 and {MAX_LAST_DAY_OFFSET}.")
        return LastDay(_number(offset_text))
    if text.endswith("W") and not any(char in text for char in ",-/*L"):
        return NearestWeekday(_parse_value(text[:-1], at, DAY_OF_MONTH))
    for special in "LW":  # day-of-month takes no names, so any L or W here is a misplaced option
        if special in text:
            raise cron_error(at + text.index(special), f"'{special}' can not be combined with other "
                                                       "day-of-month values, ranges or steps.")
    return DayList(_parse_list(text, at, DAY_OF_MONTH))


def _parse_day_of_week(text: str, at: int, day_of_month_is_none: bool) -> DayRule | None:
    if text == "?":
        if day_of_month_is_none:
            raise cron_error(at, "'?' can only be specified for Day-of-Month -OR- Day-of-Week.")
        return None
    if text == "L":
        return WeekdayList((7,))  # Quartz: `L` alone in day-of-week is 7, Saturday
    if "#" in text and not any(char in text for char in ",-*L"):
        weekday_text, _, nth_text = text.partition("#")
        weekday = _parse_value(weekday_text, at, DAY_OF_WEEK)
        if not nth_text.isdigit() or not 1 <= _number(nth_text) <= 5:
            raise cron_error(at + len(weekday_text) + 1, "A numeric value between 1 and 5 must follow the '#' option.")
        return NthOccurrence(weekday, _number(nth_text))
    if text.endswith("L") and not any(char in text for char in ",-*#"):
        return LastOccurrence(_parse_value(text[:-1], at, DAY_OF_WEEK))
    for special in "#L":  # no weekday name contains an L
        if special in text:
            raise cron_error(at + text.index(special), f"'{special}' can not be combined with other "
                                                       "day-of-week values or ranges.")
    return WeekdayList(_parse_list(text, at, DAY_OF_WEEK))


def _parse_list(text: str, at: int, spec: FieldSpec) -> tuple[int, ...]:
    """Values of a field made of `*`, values, ranges and steps, separated by commas."""
    values: set[int] = set()
    position = at
    for item in text.split(","):
        values.update(_parse_item(item, position, spec))
        position += len(item) + 1
    return tuple(sorted(values))


def _parse_item(item: str, at: int, spec: FieldSpec) -> list[int]:
    if "?" in item:
        raise cron_error(at + item.index("?"), "'?' can only be specified for Day-of-Month or Day-of-Week, "
                                               "and only as the whole field.")
    base, slash, step_text = item.partition("/")
    step = 1
    if slash:
        step_at = at + len(base) + 1
        if not spec.allows_step:
            raise cron_error(at + len(base), f"'/' is not allowed in the {spec.label} field.")
        step = _parse_step(step_text, step_at, spec)
    if base == "*":
        return _expand(spec.low, spec.high, step, spec)
    if "-" in base:
        start_text, _, end_text = base.partition("-")
        start = _parse_value(start_text, at, spec)
        end = _parse_value(end_text, at + len(start_text) + 1, spec)
        if end < start and not spec.wraps:
            raise cron_error(at, f"{spec.label} range start must not be after its end.")
        return _expand(start, end, step, spec)
    start = _parse_value(base, at, spec)
    return _expand(start, spec.high if slash else start, step, spec)


def _parse_step(text: str, at: int, spec: FieldSpec) -> int:
    if not text:
        raise cron_error(at, "A numeric value must follow '/'.")
    if not text.isdigit():
        raise cron_error(at, f"Illegal characters for this position: '{text}'.")
    step = _number(text)
    if not 1 <= step <= spec.max_step:
        raise cron_error(at, f"{spec.label} increment must be between 1 and {spec.max_step}.")
    return step


def _parse_value(text: str, at: int, spec: FieldSpec) -> int:
    if not text:
        raise cron_error(at, f"Expected a {spec.label} value.")
    if text.isdigit():
        value = _number(text)
        if not spec.low <= value <= spec.high:
            raise cron_error(at, spec.range_message)
        return value
    if spec.names is not None and text in spec.names:
        return spec.names[text]
    raise cron_error(at, spec.invalid_value(text))


def _expand(start: int, end: int, step: int, spec: FieldSpec) -> list[int]:
    """start..end inclusive in steps; when end < start the range wraps past the field maximum and
    the stepping carries on across the wrap (Quartz: `20-2/2` hours is 20, 22, 0, 2)."""
    size = spec.high - spec.low + 1
    distance = end - start if start <= end else size - (start - end)
    return [spec.low + (start - spec.low + offset) % size for offset in range(0, distance + 1, step)]


def _number(digits: str) -> int:
    """The value of an ASCII digit string, capped: a thousand-digit "number" is simply too large,
    and int() of a very long string costs time (Python refuses beyond 4300 digits)."""
    significant = digits.lstrip("0") or "0"
    return int(significant) if len(significant) <= 12 else 10**12
