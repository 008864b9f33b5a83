"""Hypothesis strategies for the values of botocore shapes (type-correct, constraints ignored)."""
from __future__ import annotations

from botocore.model import Shape
from hypothesis import strategies as st

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)


def values(shape: Shape, depth: int = 0, location: str | None = None) -> st.SearchStrategy:
    kind = shape.type_name
    if kind == "structure":
        if depth > 3:
            return st.just({})
        members = {name: values(member, depth + 1, member.serialization.get("location"))
                   for name, member in shape.members.items()}
        required = {name: members[name] for name in shape.required_members}
        optional = {name: strategy for name, strategy in members.items() if name not in required}
        return st.fixed_dictionaries(required, optional=optional)
    if kind == "list":
        return st.lists(values(shape.member, depth + 1), max_size=3)
    if kind == "map":
        return st.dictionaries(TEXT, values(shape.value, depth + 1), max_size=3)
    if kind in ("integer", "long"):
        return st.integers(min_value=-(2**31), max_value=2**31 - 1)
    if kind == "boolean":
        return st.booleans()
    if kind in ("double", "float"):
        return st.floats(allow_nan=False, allow_infinity=False, width=32)
    if kind == "timestamp":
        return st.integers(min_value=0, max_value=2**32).map(float)
    if shape.enum:
        return st.sampled_from(shape.enum)
    return TEXT
