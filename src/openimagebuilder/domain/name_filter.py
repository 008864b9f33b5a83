"""What a List's `name` filter means for the resource id (the ARN's name part, which is
`name_to_id(name)`), so that the store can skip, in SQL, the resources no value can match: a
filter that matches nothing then reads nothing. The patterns are a superset — case and the
characters name_to_id folds are lost — and the filter itself still decides."""
from __future__ import annotations

from dataclasses import dataclass

from .arn import name_to_id

LIKE_ESCAPE = "\\"


@dataclass(frozen=True)
class NameIdPatterns:
    like: tuple[str, ...]   # SQL LIKE patterns (escape character LIKE_ESCAPE), any of which may match


def name_id_patterns(values: list[str]) -> NameIdPatterns | None:
    """LIKE patterns for a `name` filter's values (`web`, `web*`, `*web*`); None when a value is
    not one of these forms (the filter refuses it) or there are none."""
    patterns = []
    for value in values:
        if len(value) >= 2 and value.startswith("*") and value.endswith("*") and "*" not in value[1:-1]:
            patterns.append(f"%{_escaped(name_to_id(value[1:-1]))}%")
        elif value.endswith("*") and "*" not in value[:-1]:
            patterns.append(f"{_escaped(name_to_id(value[:-1]))}%")
        elif "*" not in value:
            patterns.append(_escaped(name_to_id(value)))
        else:
            return None
    return NameIdPatterns(tuple(patterns)) if patterns else None


def _escaped(text: str) -> str:
    return "".join(LIKE_ESCAPE + char if char in "%_" + LIKE_ESCAPE else char for char in text)

