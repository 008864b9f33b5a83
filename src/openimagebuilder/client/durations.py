"""Durations as people type them: `90`, `30s`, `15m`, `24h`, `2d`."""
from __future__ import annotations

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def seconds(text: str) -> float:
    """`90`, `30s`, `15m`, `24h`, `2d` → seconds; ValueError names what is wrong."""
    unit = text[-1:].lower()
    number = text[:-1] if unit in _UNITS else text
    try:
        value = float(number) * _UNITS.get(unit, 1)
    except ValueError:
        raise ValueError(f"'{text}' is not a duration like 90s, 15m, 24h or 2d") from None
    if not 0 <= value < float("inf"):
        raise ValueError(f"'{text}' is not a duration the clock can move forward by")
    return value
