"""IANA time zones, always from the `tzdata` package.

Zones are read from `tzdata` rather than the host's /usr/share/zoneinfo so that every machine
computes the same runs (hosts carry different tz releases, and names such as `localtime` that are
not IANA zones at all).
"""
from __future__ import annotations

import functools
from importlib import resources
from zoneinfo import ZoneInfo

from .errors import TimezoneError

# `Factory` is tzdata's placeholder for "zone not configured", not a place
_NOT_ZONES = frozenset({"Factory"})


@functools.lru_cache(maxsize=1)
def zone_names() -> frozenset[str]:
    """Every IANA zone name that tzdata ships, links (US/Pacific, UTC, ...) included."""
    listing = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
    return frozenset(listing.split()) - _NOT_ZONES


@functools.lru_cache(maxsize=1024)
def validate_timezone(name: str) -> ZoneInfo:
    """The zone for an IANA name such as `America/Los_Angeles`; raises TimezoneError."""
    if not isinstance(name, str) or name not in zone_names():
        raise TimezoneError(f"The time zone '{name}' is not a valid IANA time zone name.")
    path = resources.files("tzdata.zoneinfo").joinpath(*name.split("/"))
    with path.open("rb") as data:
        return ZoneInfo.from_file(data, key=name)
