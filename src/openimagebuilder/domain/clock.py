"""Time as the service sees it, and AWS's date format (`2020-02-19T19:04:01.253Z`)."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def format_date(moment: datetime) -> str:
    # isoformat is several times faster than strftime; in UTC it always ends in +00:00.
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z"
