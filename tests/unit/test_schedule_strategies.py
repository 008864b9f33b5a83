"""Hypothesis strategies shared by the schedule property and oracle tests (no tests here).

A generated expression carries its AWS text and, where the form exists there, the same schedule in
cronsim's Unix syntax (5 fields, Sunday = 0), so one generator feeds every check. Feature switches
leave out the forms an oracle does not know or gets wrong (shared/spec/cron.md lists them).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from openimagebuilder.domain.schedule import validate_timezone

MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
WEEKDAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

ZONES = ["UTC", "America/Los_Angeles", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata",
         "Asia/Kathmandu", "Australia/Sydney", "Pacific/Chatham", "America/St_Johns"]

@dataclass(frozen=True)
class Generated:
    aws: str             # the text inside cron(...)
    cronsim: str | None  # the same schedule for cronsim (generated with CRONSIM features), else None

    @property
    def expression(self) -> str:
        return f"cron({self.aws})"


@dataclass(frozen=True)
class Features:
    wraps: bool = True          # descending (wrap-around) ranges
    star_in_list: bool = True   # `*` as one item of a list
    nearest_weekday: bool = True  # nW
    last_day_offset: bool = True  # L-n
    last_day_offset_zero: bool = True  # L-0
    last_weekday: bool = True   # LW
    saturday_l: bool = True     # L alone in day-of-week
    years: bool = True          # a year field other than *
    year_steps: bool = True     # `/` in the year field
    names: bool = True          # JAN / mon in any case
    lowercase_options: bool = True  # l, lw


AWS_CRONITER = Features(star_in_list=False, last_day_offset_zero=False, last_weekday=False, saturday_l=False,
                        year_steps=False, lowercase_options=False)
CRONSIM = Features(wraps=False, nearest_weekday=False, last_day_offset=False, years=False)


def _name(draw: st.DrawFn, name: str) -> str:
    return draw(st.sampled_from([name, name.lower(), name.title()]))


@st.composite
def _item(draw: st.DrawFn, low: int, high: int, features: Features, max_step: int, names: list[str] | None,
          weekday: bool, allow_step: bool) -> tuple[str, str]:
    """One list item as (AWS text, cronsim text)."""
    def value(number: int) -> tuple[str, str]:
        shifted = str(number - 1 if weekday else number)
        if names and features.names and draw(st.booleans()):
            return _name(draw, names[number - 1]), shifted
        return str(number), shifted

    step = draw(st.one_of(st.none(), st.integers(1, min(max_step, 12)), st.integers(1, max_step))) \
        if allow_step else None
    suffix = "" if step is None else f"/{step}"
    kind = draw(st.sampled_from(["star", "value", "range"]))
    if kind == "star":
        return "*" + suffix, "*" + suffix
    start = draw(st.integers(low, high))
    if kind == "value":
        aws, other = value(start)
        return aws + suffix, other + suffix
    end = draw(st.integers(low, high) if features.wraps else st.integers(start, high))
    (aws_start, other_start), (aws_end, other_end) = value(start), value(end)
    # cronsim reads a one-value range with a step (5-5/2) as 5/2, so it gets the plain value
    other = other_start if start == end else f"{other_start}-{other_end}{suffix}"
    return f"{aws_start}-{aws_end}{suffix}", other


@st.composite
def _list_field(draw: st.DrawFn, low: int, high: int, features: Features, max_step: int,
                names: list[str] | None = None, weekday: bool = False, allow_step: bool = True,
                max_items: int = 3) -> tuple[str, str]:
    items = draw(st.lists(_item(low, high, features, max_step, names, weekday, allow_step),
                          min_size=1, max_size=max_items))
    if len(items) > 1 and not features.star_in_list:
        items = [item for item in items if not item[0].startswith("*")] or items[:1]
    return ",".join(item[0] for item in items), ",".join(item[1] for item in items)


@st.composite
def _day_of_month(draw: st.DrawFn, features: Features) -> tuple[str, str | None]:
    options = ["list", "list", "list", "L"]
    options += ["L-n"] if features.last_day_offset else []
    options += ["LW"] if features.last_weekday else []
    options += ["nW"] if features.nearest_weekday else []
    option = draw(st.sampled_from(options))
    if option == "list":
        return draw(_list_field(1, 31, features, 31))
    if option == "L-n":
        offset = draw(st.integers(0 if features.last_day_offset_zero else 1, 30))
        return f"L-{offset}", None
    if option == "nW":
        return f"{draw(st.integers(1, 31))}W", None
    spellings = [option, option.lower()] if features.lowercase_options else [option]
    return draw(st.sampled_from(spellings)), option


@st.composite
def _day_of_week(draw: st.DrawFn, features: Features) -> tuple[str, str]:
    options = ["list", "list", "nL", "#"] + (["L"] if features.saturday_l else [])
    option = draw(st.sampled_from(options))
    if option == "list":
        return draw(_list_field(1, 7, features, 7, WEEKDAY_NAMES, weekday=True, allow_step=False))
    if option == "L":
        return "L", "6"
    weekday = draw(st.integers(1, 7))
    aws_weekday = _name(draw, WEEKDAY_NAMES[weekday - 1]) if features.names and draw(st.booleans()) else str(weekday)
    if option == "nL":
        return f"{aws_weekday}L", f"{weekday - 1}L"
    nth = draw(st.integers(1, 5))
    return f"{aws_weekday}#{nth}", f"{weekday - 1}#{nth}"


@st.composite
def _year(draw: st.DrawFn, features: Features) -> str:
    if not features.years or draw(st.integers(0, 9)) < 6:
        return "*"
    start = draw(st.integers(2020, 2040))
    option = draw(st.sampled_from(["value", "range", "list"] + (["step"] if features.year_steps else [])))
    if option == "value":
        return str(start)
    if option == "range":
        return f"{start}-{draw(st.integers(start, 2045))}"
    if option == "list":
        return f"{start},{draw(st.integers(2020, 2045))}"
    return f"{start}/{draw(st.integers(1, 5))}"


@st.composite
def cron_expressions(draw: st.DrawFn, features: Features = Features(), every_day: bool = False) -> Generated:
    """`every_day`: only minute and hour vary, so that runs are dense enough to meet a given day
    (such as a daylight-saving change) inside a short window."""
    minute = draw(_list_field(0, 59, features, 59))
    hour = draw(_list_field(0, 23, features, 23))
    if every_day:
        if draw(st.booleans()):  # the small hours, when clocks change
            hour = draw(_list_field(0, 3, features, 3, max_items=2))
        day_of_month = draw(st.sampled_from(["*", "?"]))
        day_of_week = "?" if day_of_month == "*" else "*"
        return Generated(f"{minute[0]} {hour[0]} {day_of_month} * {day_of_week} *",
                         None if features.wraps else f"{minute[1]} {hour[1]} * * *")
    month = draw(st.one_of(st.just(("*", "*")), _list_field(1, 12, features, 12, MONTH_NAMES)))
    year = draw(_year(features))
    if draw(st.booleans()):
        (dom_aws, dom_unix), (dow_aws, dow_unix) = draw(_day_of_month(features)), ("?", "*")
    else:
        (dom_aws, dom_unix), (dow_aws, dow_unix) = ("?", "*"), draw(_day_of_week(features))
    aws = " ".join([minute[0], hour[0], dom_aws, month[0], dow_aws, year])
    cronsim = None
    if year == "*" and dom_unix is not None and not features.wraps:
        # one Unix day field is `*`, which makes cronsim AND the two day fields, as AWS's `?` means
        cronsim = " ".join([minute[1], hour[1], dom_unix, month[1], dow_unix])
    return Generated(aws, cronsim)


zones = st.sampled_from(ZONES)
moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC))


@functools.cache
def transitions(zone_name: str, year: int = 2026) -> tuple[datetime, ...]:
    """The UTC instants at which the zone's offset changes during the year (found to 15 minutes)."""
    zone = validate_timezone(zone_name)
    changes, moment = [], datetime(year, 1, 1, tzinfo=UTC)
    offset = moment.astimezone(zone).utcoffset()
    while moment.year == year:
        moment += timedelta(minutes=15)
        if moment.astimezone(zone).utcoffset() != offset:
            changes.append(moment)
            offset = moment.astimezone(zone).utcoffset()
    return tuple(changes)


@st.composite
def zoned_moments(draw: st.DrawFn, zone_names: list[str] = ZONES) -> tuple[str, datetime]:
    """A zone and a moment; mostly within a few hours of one of that zone's offset changes."""
    zone = draw(st.sampled_from(zone_names))
    changes = transitions(zone)
    if not changes or draw(st.integers(0, 3)) == 0:
        return zone, draw(moments)
    return zone, draw(st.sampled_from(changes)) + timedelta(seconds=draw(st.integers(-4 * 3600, 3 * 3600)))
