"""Loading the documents users send: every text ends in a value or a DocumentSyntaxError."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openimagebuilder.domain.documents import MAX_EXPANDED_VALUES, MAX_FLOW_DEPTH, DocumentSyntaxError, load_document

LAUGHS = "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{name}: &{name} [{','.join([f'*{previous}'] * 10)}]\n" for previous, name in zip("abcdef", "bcdefg", strict=True))


def test_timestamps_and_binary_stay_the_text_they_were_written_as():
    """A date or bytes value reached JSON encoders (the build's component run, reports) that cannot
    write it, failing builds with an internal error: YAML timestamps and binary load as strings."""
    text = ("commands: [!!timestamp 2001-12-14, 2001-12-14T21:59:43.10-05:00, !!binary aGVsbG8=]\n"
            "2001-12-14: unquoted date key\n? !!timestamp 2002-01-01\n: tagged date key\nbad: 2001-13-45\n")
    assert load_document(text) == {
        "commands": ["2001-12-14", "2001-12-14T21:59:43.10-05:00", "aGVsbG8="],
        "2001-12-14": "unquoted date key", "2002-01-01": "tagged date key", "bad": "2001-13-45"}


def test_json_and_yaml_load_alike():
    assert load_document('{"steps": [{"name": "a"}]}') == load_document("steps:\n  - name: a\n")
    assert load_document('{\n\t"a": "\\/"\n}') == {"a": "/"}  # JSON that YAML 1.1 refuses


@pytest.mark.parametrize(("text", "problem"), [
    ("[" * 5000 + "]" * 5000, "it is nested too deeply"),
    ("{" * 5000, "it is nested too deeply"),
    ("a: " + "9" * 5000, "it has a number or date out of range"),
    ('{"a": ' + "9" * 5000 + "}", "it has a number or date out of range"),
    (LAUGHS, f"it holds more than {MAX_EXPANDED_VALUES:,} values once its aliases are expanded "
             "(or an alias contains itself)"),
    ("a: &a [*a]", f"it holds more than {MAX_EXPANDED_VALUES:,} values once its aliases are expanded "
                   "(or an alias contains itself)"),
])
def test_documents_the_parsers_cannot_take_are_syntax_errors(text, problem):
    with pytest.raises(DocumentSyntaxError) as raised:
        load_document(text)
    assert raised.value.problem == problem


def test_flow_nesting_is_refused_past_its_limit_before_parsing_and_loads_up_to_it():
    deep = "[" * (MAX_FLOW_DEPTH + 1) + "]" * (MAX_FLOW_DEPTH + 1)
    with pytest.raises(DocumentSyntaxError, match="nested too deeply"):
        load_document("a: " + deep)
    value: object = load_document("[" * MAX_FLOW_DEPTH + "]" * MAX_FLOW_DEPTH)
    for _ in range(MAX_FLOW_DEPTH - 1):
        assert isinstance(value, list) and len(value) == 1
        value = value[0]
    assert value == []
    assert load_document('a: "]]]] [[[ {{"') == {"a": "]]]] [[[ {{"}


def test_yaml_errors_say_where():
    with pytest.raises(DocumentSyntaxError) as raised:
        load_document("phases: [")
    assert (raised.value.line, raised.value.column) == (1, 10)


def test_aliases_within_the_limit_load():
    assert load_document("a: &a [1, 2]\nb: *a\n") == {"a": [1, 2], "b": [1, 2]}


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_any_text_loads_or_is_a_syntax_error(text):
    try:
        load_document(text)
    except DocumentSyntaxError:
        pass
