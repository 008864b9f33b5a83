"""When a schedule runs next.

Cron is matched against local wall-clock time in the schedule's zone, then mapped to UTC:
- a local time that does not exist (spring forward) is skipped that day;
- a local time that exists twice (fall back) runs once, at its first occurrence. This holds for
  every minute of the repeated span, so a sub-hourly schedule runs through the first pass of a
  repeated hour and not again during the second pass (each wall-clock minute runs at most once).

The search jumps field by field (year, month, day, hour, minute) using the expression's
"next allowed value" tables, so a call costs a handful of steps, not one per minute.
Because the first-occurrence mapping of existing local times only ever moves forward in UTC as
the wall clock moves forward, the first match in wall-clock order that lands after `after` is
the answer.
"""
from __future__ import annotations

from bisect import bisect_left
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from .expressions import FIRST_YEAR, LAST_YEAR, MONTH_SHAPES, CronExpression, RateExpression, ScheduleExpression
from .parser import parse_schedule_expression
from .zones import validate_timezone

Minute = tuple[int, int, int, int, int]  # year, month, day, hour, minute of a wall clock


def next_run(expression: ScheduleExpression | str, after: datetime, timezone: str = "UTC",
             anchor: datetime | None = None) -> datetime | None:
    """The first run strictly after `after` (aware; answered as an aware UTC datetime on a whole
    minute), or None when the schedule never runs again (its years are used up).

    Cron is read in the wall-clock time of `timezone` (an IANA name). rate() runs at
    anchor + k * interval for k >= 1, where `anchor` is when the schedule started (pipeline
    creation, or the update that set the schedule), taken to the whole minute; the zone does not
    move it (a day is 24 hours). Raises TimezoneError for an unknown zone, ValueError for a naive
    datetime or a rate() without anchor."""
    if isinstance(expression, str):
        expression = parse_schedule_expression(expression)
    after_utc = _as_utc(after, "after")
    zone = None if timezone == "UTC" else validate_timezone(timezone)  # checked for rate() too
    if isinstance(expression, RateExpression):
        return _next_rate_run(expression, after_utc, anchor)
    if after_utc.year > LAST_YEAR + 1:  # past the last local year in any zone
        return None
    if zone is None:
        return _next_utc_cron_run(expression, after_utc)
    return _next_zoned_cron_run(expression, after_utc, zone)


def runs_between(expression: ScheduleExpression | str, start: datetime, end: datetime, timezone: str = "UTC",
                 anchor: datetime | None = None, limit: int = 10000) -> list[datetime]:
    """Runs strictly after `start` and at or before `end`, in order, at most `limit` of them:
    what a scheduler that last looked at `start` owes at `end`."""
    if isinstance(expression, str):
        expression = parse_schedule_expression(expression)
    end_utc = _as_utc(end, "end")
    runs: list[datetime] = []
    moment = _as_utc(start, "start")
    while len(runs) < limit:
        following = next_run(expression, moment, timezone, anchor)
        if following is None or following > end_utc:
            break
        runs.append(following)
        moment = following
    return runs


def _as_utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)


# --- rate -----------------------------------------------------------------------------------

def _next_rate_run(rate: RateExpression, after: datetime, anchor: datetime | None) -> datetime | None:
    if anchor is None:
        raise ValueError("a rate() schedule needs its anchor: when the schedule started")
    # runs are on whole minutes (AWS schedules have one-minute precision)
    start = _as_utc(anchor, "anchor").replace(second=0, microsecond=0)
    interval = rate.interval
    steps = 1 if after < start else (after - start) // interval + 1
    try:
        return start + steps * interval
    except OverflowError:  # beyond datetime's year 9999
        return None


# --- cron -----------------------------------------------------------------------------------

def _next_utc_cron_run(cron: CronExpression, after: datetime) -> datetime | None:
    found = first_match_from(cron, (after.year, after.month, after.day, after.hour, after.minute + 1))
    if found is None:
        return None
    return datetime(*found, tzinfo=UTC)


def _next_zoned_cron_run(cron: CronExpression, after: datetime, zone: ZoneInfo) -> datetime | None:
    local = after.astimezone(zone)
    candidate: Minute = (local.year, local.month, local.day, local.hour, local.minute + 1)
    while True:
        found = first_match_from(cron, candidate)
        if found is None:
            return None
        moment = local_to_utc(found, zone)
        # None: the wall-clock time does not exist that day. Not after `after`: `after` lies in the
        # second pass of a repeated span, whose wall-clock minutes already ran in the first pass.
        if moment is not None and moment > after:
            return moment
        year, month, day, hour, minute = found
        candidate = (year, month, day, hour, minute + 1)


def local_to_utc(wall: Minute, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a wall-clock minute: its first occurrence when it occurs twice
    (fold=0 is the earlier), None when it does not exist (it falls in a gap)."""
    local = datetime(*wall, tzinfo=zone)
    moment = local.astimezone(UTC)
    back = moment.astimezone(zone)
    if (back.day, back.hour, back.minute) != (wall[2], wall[3], wall[4]):
        return None
    return moment


def first_match_from(cron: CronExpression, start: Minute) -> Minute | None:
    """The first wall-clock minute at or after `start` that matches every field, or None.
    `start` may be denormal by one unit (minute 60, hour 24, day past the month's end): each
    overflow is carried into the next field as the search goes."""
    next_year, next_month, next_hour, next_minute = cron.next_year, cron.next_month, cron.next_hour, cron.next_minute
    day_rule = cron.day_rule
    year, month, day, hour, minute = start
    if year < FIRST_YEAR:
        year, month, day, hour, minute = FIRST_YEAR, 1, 1, 0, 0
    while True:
        if year > LAST_YEAR:
            return None
        allowed = next_year[year - FIRST_YEAR]
        if allowed < 0:
            return None
        if allowed + FIRST_YEAR != year:
            year, month, day, hour, minute = allowed + FIRST_YEAR, 1, 1, 0, 0
        allowed = next_month[month]
        if allowed < 0:  # no allowed month left this year
            year, month, day, hour, minute = year + 1, 1, 1, 0, 0
            continue
        if allowed != month:
            month, day, hour, minute = allowed, 1, 0, 0
        days = day_rule.days_in(*MONTH_SHAPES[(year - FIRST_YEAR) * 12 + month - 1])
        index = bisect_left(days, day)
        if index == len(days):  # no matching day left this month
            year, month, day, hour, minute = (year, month + 1, 1, 0, 0) if month < 12 else (year + 1, 1, 1, 0, 0)
            continue
        if days[index] != day:
            day, hour, minute = days[index], 0, 0
        allowed = next_hour[hour]
        if allowed < 0:  # no allowed hour left this day
            day, hour, minute = day + 1, 0, 0
            continue
        if allowed != hour:
            hour, minute = allowed, 0
        allowed = next_minute[minute]
        if allowed < 0:  # no allowed minute left this hour
            hour, minute = hour + 1, 0
            continue
        return year, month, day, hour, allowed
