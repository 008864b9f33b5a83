"""A List's `name` filter as LIKE patterns on the resource id: never narrower than the filter (every
name a value matches has an id its pattern matches), with LIKE's own characters escaped."""
from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from openimagebuilder.domain.arn import name_to_id
from openimagebuilder.domain.name_filter import LIKE_ESCAPE, name_id_patterns


def _like(pattern: str, text: str) -> bool:
    """SQL LIKE with LIKE_ESCAPE, as SQLite and PostgreSQL apply it (case-sensitive here)."""
    regex, index = "", 0
    while index < len(pattern):
        char = pattern[index]
        if char == LIKE_ESCAPE:
            regex += re.escape(pattern[index + 1])
            index += 2
            continue
        regex += ".*" if char == "%" else "." if char == "_" else re.escape(char)
        index += 1
    return re.fullmatch(regex, text, flags=re.DOTALL) is not None


def _filter_matches(value: str, name: str) -> bool:
    if len(value) >= 2 and value.startswith("*") and value.endswith("*"):
        return value[1:-1] in name
    if value.endswith("*"):
        return name.startswith(value[:-1])
    return name == value


def test_patterns_for_each_form():
    assert name_id_patterns(["Web Server_1"]).like == ("web-server-1",)
    assert name_id_patterns(["web*", "*Ser ver*"]).like == ("web%", "%ser-ver%")
    assert name_id_patterns(["100%*"]).like == ("100\\%%",)
    assert name_id_patterns(["a*b"]) is None
    assert name_id_patterns([]) is None


names = st.text(alphabet="abAB _-%9", min_size=1, max_size=12)


@given(names, st.text(alphabet="abAB _-%9", max_size=6), st.sampled_from(["{}", "{}*", "*{}*"]))
def test_never_narrower_than_the_filter(name, fragment, form):
    value = form.format(fragment)
    patterns = name_id_patterns([value])
    if patterns is None or not _filter_matches(value, name):
        return
    assert any(_like(pattern, name_to_id(name)) for pattern in patterns.like)
