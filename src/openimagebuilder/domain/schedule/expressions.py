"""Parsed schedule expressions: `cron(...)` as value sets and day rules, `rate(...)` as an interval.

Day-of-week numbers follow AWS: 1 = Sunday ... 7 = Saturday. A day rule answers one question,
"which days of a month with this shape match?", where a month's shape is the weekday of its 1st
and its length; that is all `L`, `W`, `#` and plain day sets need, and months of the same
shape answer alike, so the answers can be tabled.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime, timedelta

SUNDAY, SATURDAY = 1, 7
FIRST_YEAR, LAST_YEAR = 1970, 2199
MONTH_LENGTHS = (28, 29, 30, 31)


def weekday_of(day: int, first_weekday: int) -> int:
    """AWS weekday (1 = SUN) of `day` in a month whose 1st falls on `first_weekday`."""
    return (first_weekday + day - 2) % 7 + 1


def aws_weekday(python_weekday: int) -> int:
    """Python's Monday=0 numbering to AWS's Sunday=1."""
    return (python_weekday + 1) % 7 + 1


def _month_shapes() -> tuple[tuple[int, int], ...]:
    """(weekday of the 1st, length) for every month the year field can name, indexed by
    (year - 1970) * 12 + month - 1; computed once so the search never calls into calendar."""
    shapes = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        for month in range(1, 13):
            first, length = calendar.monthrange(year, month)
            shapes.append((aws_weekday(first), length))
    return tuple(shapes)


MONTH_SHAPES = _month_shapes()


def month_shape(year: int, month: int) -> tuple[int, int]:
    return MONTH_SHAPES[(year - FIRST_YEAR) * 12 + month - 1]


def next_value_table(values: tuple[int, ...], low: int, high: int) -> tuple[int, ...]:
    """table[i] = the smallest value >= i, or -1; indexes low..high+1 (high+1 always -1), so the
    search can ask for "the next allowed value from i" in one step."""
    table = [-1] * (high + 2)
    following = -1
    allowed = set(values)
    for candidate in range(high, low - 1, -1):
        if candidate in allowed:
            following = candidate
        table[candidate] = following
    return tuple(table)


def _nearest_weekday(day: int, first_weekday: int, length: int) -> int:
    """Quartz's `W`: the Monday-Friday day nearest `day`, never leaving the month."""
    weekday = weekday_of(day, first_weekday)
    if weekday == SATURDAY:
        return day + 2 if day == 1 else day - 1
    if weekday == SUNDAY:
        return day - 2 if day == length else day + 1
    return day


# --- day-of-month rules ---------------------------------------------------------------------

@dataclass(frozen=True)
class DayList:
    """Explicit days of the month (from `*`, values, ranges, steps, lists)."""
    days: tuple[int, ...]
    _by_length: tuple[tuple[int, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        tables = tuple(tuple(day for day in self.days if day <= length) for length in MONTH_LENGTHS)
        object.__setattr__(self, "_by_length", tables)

    def days_in(self, first_weekday: int, length: int) -> tuple[int, ...]:
        return self._by_length[length - 28]


@dataclass(frozen=True)
class LastDay:
    """`L` (offset 0) or `L-n`: n days before the month's last day; none when that is before the 1st."""
    offset: int = 0

    def days_in(self, first_weekday: int, length: int) -> tuple[int, ...]:
        day = length - self.offset
        return (day,) if day >= 1 else ()


@dataclass(frozen=True)
class LastWeekday:
    """`LW`: the month's last Monday-Friday day."""

    def days_in(self, first_weekday: int, length: int) -> tuple[int, ...]:
        return (_nearest_weekday(length, first_weekday, length),)


@dataclass(frozen=True)
class NearestWeekday:
    """`nW`: the weekday nearest day n; no run in a month shorter than n."""
    day: int

    def days_in(self, first_weekday: int, length: int) -> tuple[int, ...]:
        if self.day > length:
            return ()
        return (_nearest_weekday(self.day, first_weekday, length),)


# --- day-of-week rules ----------------------------------------------------------------------

@dataclass(frozen=True)
class WeekdayList:
    """Explicit weekdays, 1 = SUN ... 7 = SAT (also `L` alone, which Quartz reads as 7)."""
    weekdays: tuple[int, ...]
    _by_shape: tuple[tuple[int, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        wanted = set(self.weekdays)
        tables = tuple(
            tuple(day for day in range(1, length + 1) if weekday_of(day, first) in wanted)
            for first in range(1, 8) for length in MONTH_LENGTHS)
        object.__setattr__(self, "_by_shape", tables)

    def days_in(self, first_weekday: int, length: int) -> tuple[int, ...]:
        return self._by_shape[(first_weekday - 1) * 4 + length - 28]


@dataclass(frozen=True)
class LastOccurrence:
    """`nL` / `FRIL`: the last such weekday of the month."""
    weekday: int

    def days_in(self, first_weekday: int, length: int) -> tuple[int, ...]:
        return (length - (weekday_of(length, first_weekday) - self.weekday) % 7,)


@dataclass(frozen=True)
class NthOccurrence:
    """`d#k`: the k-th such weekday of the month; none when the month has no k-th."""
    weekday: int
    nth: int

    def days_in(self, first_weekday: int, length: int) -> tuple[int, ...]:
        day = 1 + (self.weekday - first_weekday) % 7 + 7 * (self.nth - 1)
        return (day,) if day <= length else ()


DayRule = DayList | LastDay | LastWeekday | NearestWeekday | WeekdayList | LastOccurrence | NthOccurrence


@dataclass(frozen=True)
class CronExpression:
    """`cron(min hour day-of-month month day-of-week year)`; exactly one day field is a rule,
    the other (`?`) is None. Values are sorted tuples."""
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    day_of_month: DayRule | None
    months: tuple[int, ...]
    day_of_week: DayRule | None
    years: tuple[int, ...]
    text: str = field(default="", compare=False)
    # "next allowed value from i" tables, derived from the sets above
    next_minute: tuple[int, ...] = field(init=False, repr=False, compare=False)
    next_hour: tuple[int, ...] = field(init=False, repr=False, compare=False)
    next_month: tuple[int, ...] = field(init=False, repr=False, compare=False)
    next_year: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if (self.day_of_month is None) == (self.day_of_week is None):
            raise ValueError("exactly one of day_of_month / day_of_week must be given")
        object.__setattr__(self, "next_minute", next_value_table(self.minutes, 0, 59))
        object.__setattr__(self, "next_hour", next_value_table(self.hours, 0, 23))
        object.__setattr__(self, "next_month", next_value_table(self.months, 1, 12))
        years = tuple(year - FIRST_YEAR for year in self.years)
        object.__setattr__(self, "next_year", next_value_table(years, 0, LAST_YEAR - FIRST_YEAR))

    @property
    def day_rule(self) -> DayRule:
        rule = self.day_of_month if self.day_of_month is not None else self.day_of_week
        assert rule is not None
        return rule

    def days_in_month(self, year: int, month: int) -> tuple[int, ...]:
        """The matching days of that month (1-based, ascending)."""
        return self.day_rule.days_in(*month_shape(year, month))

    def matches(self, local: datetime) -> bool:
        """Does this wall-clock minute match every field? (seconds ignored)"""
        if not FIRST_YEAR <= local.year <= LAST_YEAR:
            return False
        return (local.minute in self.minutes and local.hour in self.hours and local.month in self.months
                and local.year in self.years and local.day in self.days_in_month(local.year, local.month))

    def __str__(self) -> str:
        return self.text


RATE_UNITS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}


@dataclass(frozen=True)
class RateExpression:
    """`rate(value unit)`; unit is the singular "minute" | "hour" | "day". A day is 24 hours,
    whatever daylight saving does (EventBridge documents this)."""
    value: int
    unit: str

    def __post_init__(self) -> None:
        if self.unit not in RATE_UNITS or self.value < 1:
            raise ValueError(f"not a rate: {self.value} {self.unit}")

    @property
    def interval(self) -> timedelta:
        return self.value * RATE_UNITS[self.unit]

    def __str__(self) -> str:
        return f"rate({self.value} {self.unit}{'' if self.value == 1 else 's'})"


ScheduleExpression = CronExpression | RateExpression
