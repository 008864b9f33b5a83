"""Schedule expressions: parsing, every operator of shared/spec/cron.md, its hand-checked vectors,
rejections with AWS's wording and positions, daylight saving, leap years, rate()."""
from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, timedelta, timezone

import pytest

from openimagebuilder.domain.schedule import (
    CronExpression,
    DayList,
    LastDay,
    LastOccurrence,
    LastWeekday,
    NearestWeekday,
    NthOccurrence,
    RateExpression,
    ScheduleExpressionError,
    TimezoneError,
    WeekdayList,
    next_run,
    parse_schedule_expression,
    runs_between,
    validate_timezone,
)

LOS_ANGELES, LONDON, LORD_HOWE = "America/Los_Angeles", "Europe/London", "Australia/Lord_Howe"


def at(text: str) -> datetime:
    """'2026-03-08 10:30' as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def cron(text: str) -> CronExpression:
    parsed = parse_schedule_expression(f"cron({text})")
    assert isinstance(parsed, CronExpression)
    return parsed


def dates(expression: str, start: str, count: int, zone: str = "UTC") -> list[str]:
    """The next `count` runs after `start`, as 'YYYY-MM-DD' (UTC)."""
    runs = runs_between(expression, at(start), at("2199-12-31 23:59"), zone, limit=count)
    return [run.strftime("%Y-%m-%d") for run in runs]


def moments(expression: str, start: str, end: str, zone: str = "UTC") -> list[str]:
    """Runs in (start, end], as 'YYYY-MM-DD HH:MM' (UTC)."""
    return [run.strftime("%Y-%m-%d %H:%M") for run in runs_between(expression, at(start), at(end), zone)]


# --- the form ---------------------------------------------------------------------------------

def test_parses_into_frozen_value_sets() -> None:
    parsed = cron("*/15 9-17 ? * MON-FRI *")
    assert parsed.minutes == (0, 15, 30, 45)
    assert parsed.hours == tuple(range(9, 18))
    assert parsed.day_of_month is None
    assert parsed.months == tuple(range(1, 13))
    assert parsed.day_of_week == WeekdayList((2, 3, 4, 5, 6))
    assert parsed.years == tuple(range(1970, 2200))
    assert str(parsed) == "cron(*/15 9-17 ? * MON-FRI *)"
    with pytest.raises(FrozenInstanceError):
        parsed.minutes = (1,)  # type: ignore[misc]


def test_parse_is_cached() -> None:
    assert parse_schedule_expression("cron(0 0 * * ? *)") is parse_schedule_expression("cron(0 0 * * ? *)")


@pytest.mark.parametrize("text, expected", [
    ("rate(1 minute)", RateExpression(1, "minute")),
    ("rate(5 minutes)", RateExpression(5, "minute")),
    ("rate(1 hour)", RateExpression(1, "hour")),
    ("rate(12 hours)", RateExpression(12, "hour")),
    ("rate(1 day)", RateExpression(1, "day")),
    ("rate(7 days)", RateExpression(7, "day")),
])
def test_rate_forms(text: str, expected: RateExpression) -> None:
    parsed = parse_schedule_expression(text)
    assert parsed == expected
    assert str(parsed) == text


def test_rate_interval() -> None:
    assert RateExpression(5, "minute").interval == timedelta(minutes=5)
    assert RateExpression(2, "hour").interval == timedelta(hours=2)
    assert RateExpression(3, "day").interval == timedelta(days=3)


# --- operators --------------------------------------------------------------------------------

@pytest.mark.parametrize("field, expected", [
    ("30-30", (30,)),                      # a one-value range
    ("0,30/10", (0, 30, 40, 50)),          # lists mix items
    ("*/25", (0, 25, 50)),                 # */n starts at the field minimum
    ("10/20", (10, 30, 50)),               # a/n runs to the field maximum
    ("50/20", (50,)),                      # ... and does not wrap
    ("5-20/5", (5, 10, 15, 20)),           # a-b/n steps inside the range
    ("55-5", (0, 1, 2, 3, 4, 5, 55, 56, 57, 58, 59)),  # descending ranges wrap
    ("55-5/5", (0, 5, 55)),                # a wrapping range keeps its step across the wrap
    ("07", (7,)),                          # leading zeros are numbers
    ("*,5", tuple(range(60))),
])
def test_minute_field(field: str, expected: tuple[int, ...]) -> None:
    assert cron(f"{field} 0 * * ? *").minutes == expected


@pytest.mark.parametrize("field, expected", [
    ("20-2", (0, 1, 2, 20, 21, 22, 23)),
    ("20-2/2", (0, 2, 20, 22)),
    ("*/6", (0, 6, 12, 18)),
    ("9-17", tuple(range(9, 18))),
])
def test_hour_field(field: str, expected: tuple[int, ...]) -> None:
    assert cron(f"0 {field} * * ? *").hours == expected


@pytest.mark.parametrize("field, expected", [
    ("28-3", (1, 2, 3, 28, 29, 30, 31)),
    ("1-31/30", (1, 31)),
    ("*/10", (1, 11, 21, 31)),
    ("1,15", (1, 15)),
])
def test_day_of_month_field(field: str, expected: tuple[int, ...]) -> None:
    assert cron(f"0 0 {field} * ? *").day_of_month == DayList(expected)


@pytest.mark.parametrize("field, expected", [
    ("7/6", (7,)),
    ("*/5", (1, 6, 11)),
    ("JAN,mar,Dec", (1, 3, 12)),
    ("NOV-FEB", (1, 2, 11, 12)),
    ("jun-8", (6, 7, 8)),
    ("JAN/4", (1, 5, 9)),
])
def test_month_field(field: str, expected: tuple[int, ...]) -> None:
    assert cron(f"0 0 * {field} ? *").months == expected


@pytest.mark.parametrize("field, expected", [
    ("1", (1,)),                          # 1 = Sunday
    ("SUN", (1,)),
    ("mon-fri", (2, 3, 4, 5, 6)),
    ("FRI-MON", (1, 2, 6, 7)),            # wraps: FRI, SAT, SUN, MON
    ("7-1", (1, 7)),
    ("Sat,sun", (1, 7)),
    ("*", (1, 2, 3, 4, 5, 6, 7)),
    ("L", (7,)),                          # Quartz: L alone is 7, Saturday
])
def test_day_of_week_lists(field: str, expected: tuple[int, ...]) -> None:
    assert cron(f"0 0 ? * {field} *").day_of_week == WeekdayList(expected)


@pytest.mark.parametrize("field, expected", [
    ("*", tuple(range(1970, 2200))),
    ("*/50", (1970, 2020, 2070, 2120, 2170)),
    ("2026-2028", (2026, 2027, 2028)),
    ("2030,2026", (2026, 2030)),
    ("2190/5", (2190, 2195)),
])
def test_year_field(field: str, expected: tuple[int, ...]) -> None:
    assert cron(f"0 0 * * ? {field}").years == expected


@pytest.mark.parametrize("field, expected", [
    ("L", LastDay(0)), ("l", LastDay(0)), ("L-3", LastDay(3)), ("L-0", LastDay(0)), ("L-30", LastDay(30)),
    ("LW", LastWeekday()), ("lw", LastWeekday()), ("15W", NearestWeekday(15)), ("1w", NearestWeekday(1)),
])
def test_day_of_month_options(field: str, expected: object) -> None:
    assert cron(f"0 0 {field} * ? *").day_of_month == expected


@pytest.mark.parametrize("field, expected", [
    ("6L", LastOccurrence(6)), ("FRIL", LastOccurrence(6)), ("fril", LastOccurrence(6)),
    ("5l", LastOccurrence(5)), ("3#2", NthOccurrence(3, 2)), ("TUE#2", NthOccurrence(3, 2)),
    ("tue#2", NthOccurrence(3, 2)), ("6#5", NthOccurrence(6, 5)),
])
def test_day_of_week_options(field: str, expected: object) -> None:
    assert cron(f"0 0 ? * {field} *").day_of_week == expected


# --- hand-checked vectors (shared/spec/cron.md) -----------------------------------------------

def test_last_weekday_vector() -> None:
    assert dates("cron(0 0 LW * ? *)", "2026-01-01 00:00", 6) == [
        "2026-01-30", "2026-02-27", "2026-03-31", "2026-04-30", "2026-05-29", "2026-06-30"]


def test_fifth_friday_vector() -> None:
    assert dates("cron(0 0 ? * 6#5 2026)", "2026-01-01 00:00", 10) == [
        "2026-01-30", "2026-05-29", "2026-07-31", "2026-10-30"]


def test_nearest_weekday_never_leaves_the_month() -> None:
    assert dates("cron(0 0 1W 8 ? 2026)", "2026-01-01 00:00", 5) == ["2026-08-03"]  # Sat 1st -> Mon 3rd
    assert dates("cron(0 0 31W 5 ? 2026)", "2026-01-01 00:00", 5) == ["2026-05-29"]  # Sun 31st -> Fri 29th


def test_fifth_friday_of_february() -> None:
    assert dates("cron(0 0 ? 2 6#5 *)", "2026-01-01 00:00", 2) == ["2036-02-29", "2064-02-29"]


def test_leap_days_then_no_more_runs() -> None:
    expression = "cron(0 0 29 2 ? 2028-2040)"
    assert dates(expression, "2026-01-01 00:00", 10) == ["2028-02-29", "2032-02-29", "2036-02-29", "2040-02-29"]
    assert next_run(expression, at("2040-02-29 00:00")) is None


# --- the day options over real calendars ------------------------------------------------------

def test_nearest_weekday_moves_off_weekends() -> None:
    # 2026-08-15 is a Saturday (-> Friday 14th), 2026-11-15 a Sunday (-> Monday 16th)
    assert dates("cron(0 0 15W * ? 2026)", "2026-07-31 00:00", 5) == [
        "2026-08-14", "2026-09-15", "2026-10-15", "2026-11-16", "2026-12-15"]


def test_nearest_weekday_beyond_the_month_has_no_run() -> None:
    assert dates("cron(0 0 31W * ? 2026)", "2026-01-01 00:00", 12) == [
        "2026-01-30", "2026-03-31", "2026-05-29", "2026-07-31", "2026-08-31", "2026-10-30", "2026-12-31"]


def test_last_day_and_offsets() -> None:
    assert dates("cron(0 0 L * ? 2028)", "2028-01-01 00:00", 3) == ["2028-01-31", "2028-02-29", "2028-03-31"]
    assert dates("cron(0 0 L-1 * ? 2027)", "2027-01-01 00:00", 3) == ["2027-01-30", "2027-02-27", "2027-03-30"]
    # L-30 only exists in 31-day months
    assert dates("cron(0 0 L-30 * ? 2026)", "2025-12-31 00:00", 3) == ["2026-01-01", "2026-03-01", "2026-05-01"]


def test_last_weekday_of_kind() -> None:
    assert dates("cron(0 0 ? * 6L 2026)", "2026-01-01 00:00", 3) == ["2026-01-30", "2026-02-27", "2026-03-27"]
    assert dates("cron(0 0 ? * 5L 2026)", "2026-01-01 00:00", 3) == ["2026-01-29", "2026-02-26", "2026-03-26"]


def test_nth_weekday() -> None:
    assert dates("cron(0 0 ? * 3#2 2026)", "2026-01-01 00:00", 3) == ["2026-01-13", "2026-02-10", "2026-03-10"]
    assert dates("cron(0 0 ? * 1#1 2026)", "2026-01-01 00:00", 2) == ["2026-01-04", "2026-02-01"]


def test_l_alone_in_day_of_week_is_every_saturday() -> None:
    assert dates("cron(0 0 ? * L 2026)", "2026-01-01 00:00", 3) == ["2026-01-03", "2026-01-10", "2026-01-17"]


def test_day_of_month_31_skips_short_months() -> None:
    assert dates("cron(0 0 31 * ? 2026)", "2026-01-01 00:00", 3) == ["2026-01-31", "2026-03-31", "2026-05-31"]


def test_wrapping_weekdays_over_a_week() -> None:
    # 2026-01-02 is a Friday
    assert dates("cron(0 12 ? * FRI-MON *)", "2026-01-01 00:00", 5) == [
        "2026-01-02", "2026-01-03", "2026-01-04", "2026-01-05", "2026-01-09"]


def test_impossible_dates_never_run() -> None:
    assert next_run("cron(0 0 30 2 ? *)", at("2026-01-01 00:00")) is None
    assert next_run("cron(0 0 ? 2 1#5 1970-1975)", at("1970-01-01 00:00")) is None


# --- next_run and runs_between ----------------------------------------------------------------

def test_next_run_is_strictly_after() -> None:
    assert next_run("cron(0 10 * * ? *)", at("2026-03-01 10:00")) == at("2026-03-02 10:00")
    assert next_run("cron(0 10 * * ? *)", at("2026-03-01 09:59:59.999")) == at("2026-03-01 10:00")
    assert next_run("cron(0 10 * * ? *)", at("2026-03-01 10:00:00.001")) == at("2026-03-02 10:00")


def test_next_run_carries_across_boundaries() -> None:
    assert next_run("cron(* * * * ? *)", at("2026-12-31 23:59")) == at("2027-01-01 00:00")
    assert next_run("cron(0 0 1 1 ? *)", at("2026-06-01 00:00")) == at("2027-01-01 00:00")
    assert next_run("cron(*/15 9-17 ? * MON-FRI *)", at("2026-01-02 17:45")) == at("2026-01-05 09:00")


def test_next_run_takes_any_aware_datetime_and_answers_utc() -> None:
    after = datetime(2026, 1, 1, 2, 0, tzinfo=timezone(timedelta(hours=5)))  # 2025-12-31 21:00 UTC
    run = next_run("cron(0 22 * * ? *)", after)
    assert run == at("2025-12-31 22:00") and run is not None and run.tzinfo is UTC


def test_year_bounds() -> None:
    assert next_run("cron(0 0 1 1 ? *)", at("1960-05-01 00:00")) == at("1970-01-01 00:00")
    assert next_run("cron(59 23 31 12 ? *)", at("2199-12-31 23:58")) == at("2199-12-31 23:59")
    assert next_run("cron(59 23 31 12 ? *)", at("2199-12-31 23:59")) is None
    assert next_run("cron(0 0 * * ? *)", at("2300-01-01 00:00")) is None


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        next_run("cron(0 0 * * ? *)", datetime(2026, 1, 1))


def test_runs_between_bounds_and_limit() -> None:
    assert moments("cron(0 * * * ? *)", "2026-01-01 00:00", "2026-01-01 03:00") == [
        "2026-01-01 01:00", "2026-01-01 02:00", "2026-01-01 03:00"]
    assert len(runs_between("cron(* * * * ? *)", at("2026-01-01 00:00"), at("2026-02-01 00:00"), limit=7)) == 7


# --- daylight saving --------------------------------------------------------------------------

def test_spring_forward_skips_the_missing_time_los_angeles() -> None:
    # 2026-03-08 02:00 PST -> 03:00 PDT: 02:30 does not exist that day
    assert moments("cron(30 2 * * ? *)", "2026-03-07 00:00", "2026-03-10 00:00", LOS_ANGELES) == [
        "2026-03-07 10:30", "2026-03-09 09:30"]
    assert moments("cron(0 3 * * ? *)", "2026-03-07 12:00", "2026-03-08 12:00", LOS_ANGELES) == ["2026-03-08 10:00"]


def test_sub_hourly_schedule_over_spring_forward() -> None:
    assert moments("cron(*/30 * * * ? *)", "2026-03-08 09:00", "2026-03-08 10:30", LOS_ANGELES) == [
        "2026-03-08 09:30", "2026-03-08 10:00", "2026-03-08 10:30"]  # 01:30 PST, 03:00 PDT, 03:30 PDT


def test_fall_back_runs_once_at_the_first_occurrence_los_angeles() -> None:
    # 2026-11-01 02:00 PDT -> 01:00 PST: 01:30 happens twice; the run is at 01:30 PDT (08:30 UTC)
    assert moments("cron(30 1 * * ? *)", "2026-10-31 00:00", "2026-11-03 00:00", LOS_ANGELES) == [
        "2026-10-31 08:30", "2026-11-01 08:30", "2026-11-02 09:30"]


def test_sub_hourly_schedule_in_the_repeated_hour_runs_in_the_first_pass_only() -> None:
    assert moments("cron(*/15 1 * * ? *)", "2026-11-01 00:00", "2026-11-02 00:00", LOS_ANGELES) == [
        "2026-11-01 08:00", "2026-11-01 08:15", "2026-11-01 08:30", "2026-11-01 08:45"]
    assert moments("cron(*/30 * * * ? *)", "2026-11-01 07:45", "2026-11-01 10:30", LOS_ANGELES) == [
        "2026-11-01 08:00", "2026-11-01 08:30", "2026-11-01 10:00", "2026-11-01 10:30"]


def test_next_run_from_inside_the_second_pass() -> None:
    # 09:10 UTC is 01:10 PST, the second 01:10 of the day: 01:15 already ran (as PDT)
    assert next_run("cron(*/15 * * * ? *)", at("2026-11-01 09:10"), LOS_ANGELES) == at("2026-11-01 10:00")
    assert next_run("cron(0 2 * * ? *)", at("2026-11-01 09:10"), LOS_ANGELES) == at("2026-11-01 10:00")


def test_london() -> None:
    # 2026-03-29 01:00 GMT -> 02:00 BST; 2026-10-25 02:00 BST -> 01:00 GMT
    assert moments("cron(30 1 * * ? *)", "2026-03-28 00:00", "2026-03-31 00:00", LONDON) == [
        "2026-03-28 01:30", "2026-03-30 00:30"]
    assert moments("cron(30 1 * * ? *)", "2026-10-24 00:00", "2026-10-27 00:00", LONDON) == [
        "2026-10-24 00:30", "2026-10-25 00:30", "2026-10-26 01:30"]
    assert moments("cron(0 9 ? * MON-FRI *)", "2026-03-27 00:00", "2026-03-31 00:00", LONDON) == [
        "2026-03-27 09:00", "2026-03-30 08:00"]


def test_lord_howe_half_hour_shifts() -> None:
    # 2026-04-05 02:00 (+11) -> 01:30 (+10:30): 01:30-01:59 repeats
    assert moments("cron(45 1 * * ? *)", "2026-04-04 12:00", "2026-04-05 16:00", LORD_HOWE) == [
        "2026-04-04 14:45", "2026-04-05 15:15"]
    assert moments("cron(*/10 1 * * ? *)", "2026-04-04 12:00", "2026-04-04 23:00", LORD_HOWE) == [
        "2026-04-04 14:00", "2026-04-04 14:10", "2026-04-04 14:20", "2026-04-04 14:30", "2026-04-04 14:40",
        "2026-04-04 14:50"]
    # 2026-10-04 02:00 (+10:30) -> 02:30 (+11): 02:00-02:29 does not exist
    assert moments("cron(15 2 * * ? *)", "2026-10-02 12:00", "2026-10-04 16:00", LORD_HOWE) == [
        "2026-10-02 15:45", "2026-10-04 15:15"]
    assert moments("cron(*/10 2 * * ? *)", "2026-10-03 12:00", "2026-10-03 23:00", LORD_HOWE) == [
        "2026-10-03 15:30", "2026-10-03 15:40", "2026-10-03 15:50"]


def test_zone_without_daylight_saving() -> None:
    assert moments("cron(0 9 * * ? *)", "2026-01-01 00:00", "2026-01-02 12:00", "Asia/Kolkata") == [
        "2026-01-01 03:30", "2026-01-02 03:30"]


# --- rate() -----------------------------------------------------------------------------------

def test_rate_counts_from_the_anchor() -> None:
    anchor = at("2026-01-01 10:07")
    assert next_run("rate(1 hour)", at("2026-01-01 10:07"), anchor=anchor) == at("2026-01-01 11:07")
    assert next_run("rate(1 hour)", at("2026-01-01 13:30"), anchor=anchor) == at("2026-01-01 14:07")
    assert next_run("rate(1 hour)", at("2026-01-01 14:07"), anchor=anchor) == at("2026-01-01 15:07")
    assert next_run("rate(5 minutes)", at("2025-12-01 00:00"), anchor=anchor) == at("2026-01-01 10:12")


def test_rate_anchor_is_taken_to_the_minute() -> None:
    anchor = datetime(2026, 1, 1, 10, 7, 42, 500, tzinfo=UTC)
    assert next_run("rate(1 minute)", anchor, anchor=anchor) == at("2026-01-01 10:08")


def test_rate_day_is_24_hours_across_daylight_saving() -> None:
    anchor = at("2026-03-07 17:00")  # 09:00 PST
    runs = runs_between("rate(1 day)", anchor, at("2026-03-10 00:00"), LOS_ANGELES, anchor=anchor)
    assert [run.strftime("%m-%d %H:%M") for run in runs] == ["03-08 17:00", "03-09 17:00"]


def test_rate_needs_an_anchor() -> None:
    with pytest.raises(ValueError):
        next_run("rate(1 hour)", at("2026-01-01 00:00"))


# --- time zones -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["UTC", "America/Los_Angeles", "Europe/London", "Australia/Lord_Howe",
                                  "Asia/Kathmandu", "US/Pacific", "Etc/GMT+5"])
def test_valid_zones(name: str) -> None:
    assert validate_timezone(name).key == name


@pytest.mark.parametrize("name", ["", "utc", "Mars/Olympus", "localtime", "Factory", "../etc/passwd",
                                  "/usr/share/zoneinfo/UTC", "America/Los Angeles", "posix/UTC"])
def test_invalid_zones(name: str) -> None:
    with pytest.raises(TimezoneError) as raised:
        validate_timezone(name)
    assert raised.value.message == str(raised.value)
    assert repr(name) in raised.value.message


def test_next_run_with_unknown_zone() -> None:
    with pytest.raises(TimezoneError):
        next_run("cron(0 0 * * ? *)", at("2026-01-01 00:00"), "Nowhere/Special")
    with pytest.raises(TimezoneError):
        next_run("rate(1 hour)", at("2026-01-01 00:00"), "Nowhere/Special", anchor=at("2026-01-01 00:00"))


def test_local_year_decides_in_zones_behind_utc() -> None:
    # 2199-12-31 23:00 in Los Angeles is already 2200 in UTC
    assert next_run("cron(0 23 31 12 ? 2199)", at("2199-12-31 12:00"), LOS_ANGELES) == at("2200-01-01 07:00")
    assert next_run("cron(0 0 * * ? *)", datetime.max.replace(tzinfo=UTC), "Asia/Tokyo") is None


# --- rejections -------------------------------------------------------------------------------

CRON_REJECTIONS = [
    ("0 0 * * *", 9, "Unexpected end of expression."),
    ("", 0, "Unexpected end of expression."),
    ("0 0 * * ?", 9, "Unexpected end of expression."),
    ("0 0 * * ? ", 10, "Unexpected end of expression."),
    ("0 0 * * ? * *", 12, "Expected end of expression after the year field."),
    ("0 0 * * ? * ", 11, "Unexpected whitespace."),
    ("0  0 * * ? *", 2, "Unexpected whitespace."),
    (" 0 0 * * ? *", 0, "Unexpected whitespace."),
    ("60 0 * * ? *", 0, "Minute values must be between 0 and 59."),
    ("0 24 * * ? *", 2, "Hour values must be between 0 and 23."),
    ("0 0 32 * ? *", 4, "Day-of-Month values must be between 1 and 31."),
    ("0 0 0 * ? *", 4, "Day-of-Month values must be between 1 and 31."),
    ("0 0 * 13 ? *", 6, "Month values must be between 1 and 12."),
    ("0 0 ? * 8 *", 8, "Day-of-Week values must be between 1 and 7."),
    ("0 0 ? * 0 *", 8, "Day-of-Week values must be between 1 and 7."),
    ("0 0 * * ? 1969", 10, "Year values must be between 1970 and 2199."),
    ("0 0 * * ? 2200", 10, "Year values must be between 1970 and 2199."),
    ("0 0 1-40 * ? *", 6, "Day-of-Month values must be between 1 and 31."),
    ("0 0 ? * ? *", 8, "'?' can only be specified for Day-of-Month -OR- Day-of-Week."),
    ("0 0 * * * *", 8, "Support for specifying both a day-of-week AND a day-of-month parameter is not implemented."),
    ("0 0 1 * MON *", 8, "Support for specifying both a day-of-week AND a day-of-month parameter is not implemented."),
    ("? 0 * * ? *", 0, "'?' can only be specified for Day-of-Month or Day-of-Week, and only as the whole field."),
    ("0 0 1,? * ? *", 6, "'?' can only be specified for Day-of-Month or Day-of-Week, and only as the whole field."),
    ("*/0 0 * * ? *", 2, "Minute increment must be between 1 and 59."),
    ("0 0/0 * * ? *", 4, "Hour increment must be between 1 and 23."),
    ("0 0 * */13 ? *", 8, "Month increment must be between 1 and 12."),
    ("*/ 0 * * ? *", 2, "A numeric value must follow '/'."),
    ("0 0 1,L * ? *", 6, "'L' can not be combined with other day-of-month values, ranges or steps."),
    ("0 0 1,15W * ? *", 8, "'W' can not be combined with other day-of-month values, ranges or steps."),
    ("0 0 1-5W * ? *", 7, "'W' can not be combined with other day-of-month values, ranges or steps."),
    ("0 0 L-31 * ? *", 6, "Offset from last day must be a number between 0 and 30."),
    ("0 0 L-3W * ? *", 6, "Offset from last day must be a number between 0 and 30."),
    ("0 0 32W * ? *", 4, "Day-of-Month values must be between 1 and 31."),
    ("0 0 W * ? *", 4, "Expected a Day-of-Month value."),
    ("0 0 ? * 2#1,3 *", 9, "'#' can not be combined with other day-of-week values or ranges."),
    ("0 0 ? * 2,6L *", 11, "'L' can not be combined with other day-of-week values or ranges."),
    ("0 0 ? * 2#6 *", 10, "A numeric value between 1 and 5 must follow the '#' option."),
    ("0 0 ? * 2#0 *", 10, "A numeric value between 1 and 5 must follow the '#' option."),
    ("0 0 ? * 2# *", 10, "A numeric value between 1 and 5 must follow the '#' option."),
    ("0 0 ? * 9#2 *", 8, "Day-of-Week values must be between 1 and 7."),
    ("0 0 ? * 8L *", 8, "Day-of-Week values must be between 1 and 7."),
    ("0 0 ? * MON-FOO *", 12, "Invalid Day-of-Week value: 'FOO'."),
    ("0 0 ? * MONDAY *", 8, "Invalid Day-of-Week value: 'MONDAY'."),
    ("0 0 * FOO ? *", 6, "Invalid Month value: 'FOO'."),
    ("0 0 ? * 2/2 *", 9, "'/' is not allowed in the Day-of-Week field."),
    ("0 0 * * ? 2030-2025", 10, "Year range start must not be after its end."),
    ("0 0 * * ? 20X0", 10, "Illegal characters for this position: '20X0'."),
    ("0 0 1-2-3 * ? *", 6, "Illegal characters for this position: '2-3'."),
    ("0 0 1, * ? *", 6, "Expected a Day-of-Month value."),
    ("0 0 * * ? *)", 11, "Illegal character ')'."),
    ("0\t0 * * ? *", 1, "Illegal character '\t'."),
    ("0 0 * * ? 2026 # x", 15, "Expected end of expression after the year field."),
    ("5 JAN * * ? *", 2, "Illegal characters for this position: 'JAN'."),
    ("0 0 * * ? ½", 10, "Illegal character '½'."),
    ("0 0 * * ? " + "9" * 5000, 10, "Year values must be between 1970 and 2199."),
    ("0 0 * * ? */" + "9" * 5000, 12, "Year increment must be between 1 and 229."),
    ("0000000000000060 0 * * ? *", 0, "Minute values must be between 0 and 59."),
]


@pytest.mark.parametrize("inner, position, reason", CRON_REJECTIONS)
def test_cron_rejections(inner: str, position: int, reason: str) -> None:
    with pytest.raises(ScheduleExpressionError) as raised:
        parse_schedule_expression(f"cron({inner})")
    error = raised.value
    assert (error.position, error.reason) == (position, reason)
    assert error.message == str(error) == (
        f"Invalid schedule expression. Details: Invalid CRON expression: error at position {position}, "
        f"details: {reason}")


def test_the_wording_aws_answers_with() -> None:
    with pytest.raises(ScheduleExpressionError) as raised:
        parse_schedule_expression("cron(0 0 * * *)")
    assert str(raised.value) == ("Invalid schedule expression. Details: Invalid CRON expression: "
                                 "error at position 9, details: Unexpected end of expression.")
    assert isinstance(raised.value, ValueError)


RATE_REJECTIONS = [
    ("", 0, "Unexpected end of expression."),
    ("5", 1, "Unexpected end of expression."),
    ("5 ", 2, "Unexpected end of expression."),
    (" 5 minutes", 0, "Unexpected whitespace."),
    ("5  minutes", 2, "Unexpected whitespace."),
    ("5 minutes extra", 9, "Expected end of expression."),
    ("0 minutes", 0, "Value must be a positive integer: '0'."),
    ("-1 hours", 0, "Value must be a positive integer: '-1'."),
    ("1.5 hours", 0, "Value must be a positive integer: '1.5'."),
    ("five minutes", 0, "Value must be a positive integer: 'five'."),
    ("99999999999 minutes", 0, "Value must be at most 2147483647."),
    ("9" * 5000 + " minutes", 0, "Value must be at most 2147483647."),
    ("1 hours", 2, "Unit must be singular ('hour') when the value is 1."),
    ("5 hour", 2, "Unit must be plural ('hours') when the value is not 1."),
    ("10 minute", 3, "Unit must be plural ('minutes') when the value is not 1."),
    ("2 weeks", 2, "Unit must be minute(s), hour(s) or day(s): 'weeks'."),
    ("2 Hours", 2, "Unit must be minute(s), hour(s) or day(s): 'Hours'."),
]


@pytest.mark.parametrize("inner, position, reason", RATE_REJECTIONS)
def test_rate_rejections(inner: str, position: int, reason: str) -> None:
    with pytest.raises(ScheduleExpressionError) as raised:
        parse_schedule_expression(f"rate({inner})")
    assert (raised.value.position, raised.value.reason) == (position, reason)
    assert str(raised.value) == (f"Invalid schedule expression. Details: Invalid RATE expression: "
                                 f"error at position {position}, details: {reason}")


@pytest.mark.parametrize("text", ["", "bogus", "CRON(0 0 * * ? *)", " cron(0 0 * * ? *)", "at(2026-01-01T00:00:00)",
                                  "cron 0 0 * * ? *", "Rate(1 hour)"])
def test_other_forms_are_rejected(text: str) -> None:
    with pytest.raises(ScheduleExpressionError) as raised:
        parse_schedule_expression(text)
    assert str(raised.value) == ("Invalid schedule expression. Details: "
                                 "Schedule expression must be cron(...) or rate(...).")
    assert raised.value.position is None


@pytest.mark.parametrize("text, position", [("cron(0 0 * * ? *", 11), ("cron(", 0), ("rate(1 hour", 6),
                                            ("cron(0 0 * * ? *) ", 13)])
def test_missing_closing_parenthesis(text: str, position: int) -> None:
    with pytest.raises(ScheduleExpressionError) as raised:
        parse_schedule_expression(text)
    assert (raised.value.position, raised.value.reason) == (position, "Expected ')' at the end of the expression.")


def test_non_string_is_rejected() -> None:
    with pytest.raises(ScheduleExpressionError):
        parse_schedule_expression(None)  # type: ignore[arg-type]
