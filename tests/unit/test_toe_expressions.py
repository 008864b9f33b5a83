"""Variable substitution, conditional expressions and loop iterations, with AWS's documented
examples and hypothesis properties."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openimagebuilder.domain.component_document import ComponentDocumentError, StepLoop, parse_component_document
from openimagebuilder.toe.conditions import (
    Comparison,
    ConditionError,
    Logical,
    as_number,
    evaluate,
    parse_condition,
    parse_expression,
)
from openimagebuilder.toe.interpreter import consolidate_outputs, loop_frames
from openimagebuilder.toe.probe import DryRunProbe
from openimagebuilder.toe.variables import (
    LoopFrame,
    Scope,
    StepRecordView,
    document_variables,
    parse_parameter_list,
    substitute,
    substitute_text,
)

NAMES = st.from_regex(r"[A-Za-z0-9_-]{3,20}", fullmatch=True)
# Text that cannot contain a reference of its own.
PLAIN = st.text(alphabet=st.characters(blacklist_characters="{}", blacklist_categories=("Cs",)), max_size=40)


class Files:
    """A target probe over a fixed set of files, for expressions without a real target."""

    def __init__(self, files: set[str], digests: dict[str, str] | None = None) -> None:
        self.files = files
        self.digests = digests or {}

    def exists(self, kind: str, name: str) -> bool:
        return name in self.files

    def digest(self, algorithm: str, path: str) -> str | None:
        return self.digests.get(path)


# --- variables -----------------------------------------------------------------------------------


@pytest.mark.parametrize("reference", ["{{ MyParameter }}", "{{ MyParameter}}", "{{MyParameter }}", "{{MyParameter}}"])
def test_spaces_in_references_are_trimmed(reference: str) -> None:
    assert substitute_text(f"<{reference}>", Scope({"MyParameter": "v"})) == "<v>"


def test_references_are_case_sensitive_and_unknown_ones_stay() -> None:
    scope = Scope({"Name": "value"})
    assert substitute_text("{{ name }} {{ Name }}", scope) == "{{ name }} value"


def test_chaining_inputs_by_index_and_outputs() -> None:
    scope = Scope({}, {("build", "SampleS3Download"): StepRecordView(
        inputs=[{"source": "s3://b/1.ps1", "destination": "C:\\1.ps1"}, {"source": "s3://b/2.ps1"}],
        outputs=[{"stdout": "Hello"}])})
    assert substitute_text("{{ build.SampleS3Download.inputs[1].source }}", scope) == "s3://b/2.ps1"
    assert substitute_text("{{ build.SampleS3Download.inputs.destination }}", scope) == "C:\\1.ps1"
    assert substitute_text("{{ build.SampleS3Download.outputs.stdout }}", scope) == "Hello"
    # A step that ran but has no such output chains as empty; an unknown step stays as written.
    assert substitute_text("{{ build.SampleS3Download.outputs.other }}", scope) == ""
    assert substitute_text("{{ build.Later.outputs.stdout }}", scope) == "{{ build.Later.outputs.stdout }}"


def test_substitute_walks_lists_and_maps_and_keeps_types() -> None:
    scope = Scope({"Dir": "/opt"})
    inputs = [{"path": "{{ Dir }}/a", "recurse": True, "{{ Dir }}": 3}]
    assert substitute(inputs, scope) == [{"path": "/opt/a", "recurse": True, "{{ Dir }}": 3}]


def test_document_variables_defaults_overrides_and_constants() -> None:
    values = document_variables({"A": ["default"], "B": None, "C": ["c"]}, {"K": "constant"},
                                {"A": "given", "K": "ignored", "Other": "ignored"})
    assert values == {"A": "given", "C": "c", "K": "constant"}


def test_parameter_list_syntax() -> None:
    assert parse_parameter_list("ntp-server=ntp.amazon.com,http-url=https://x/?a=b") == {
        "ntp-server": "ntp.amazon.com", "http-url": "https://x/?a=b"}
    assert parse_parameter_list("") == {}
    for bad in ("ntp-server=", "=value", "novalue"):
        with pytest.raises(ValueError):
            parse_parameter_list(bad)


@given(PLAIN)
def test_text_without_references_is_unchanged(text: str) -> None:
    assert substitute_text(text, Scope({"abc": "x"}), LoopFrame("L", 0, "v")) == text


@given(PLAIN, NAMES, PLAIN, st.text(max_size=20), st.sampled_from(["", " ", "  "]))
def test_a_known_reference_is_replaced_wherever_it_stands(before: str, name: str, after: str, value: str,
                                                          space: str) -> None:
    text = before + "{{" + space + name + space + "}}" + after
    assert substitute_text(text, Scope({name: value})) == before + value + after


@given(PLAIN, NAMES, PLAIN)
def test_an_unknown_reference_is_kept_verbatim(before: str, name: str, after: str) -> None:
    text = before + "{{ " + name + " }}" + after
    assert substitute_text(text, Scope({})) == text


@given(st.integers(0, 50), st.text(max_size=10), st.sampled_from([None, "Named"]))
def test_loop_references_resolve_only_inside_their_loop(index: int, value: str, name: str | None) -> None:
    frame = LoopFrame(name, index, value)
    assert substitute_text("{{ loop.index }}|{{loop.value}}", Scope({}), frame) == f"{index}|{value}"
    if name:
        assert substitute_text("{{ Named.index }}", Scope({}), frame) == str(index)
    assert substitute_text("{{ loop.value }}", Scope({}), None) == "{{ loop.value }}"


# --- conditions ----------------------------------------------------------------------------------

DOCUMENTED = [
    ({"stringIsEmpty": ""}, True), ({"stringIsEmpty": " "}, False), ({"stringIsEmpty": "Hello."}, False),
    ({"stringIsWhitespace": "   "}, True), ({"stringIsWhitespace": ""}, False),
    ({"stringIsWhitespace": " Hello?"}, False),
    ({"stringEquals": "Testing, testing...", "value": "Testing, testing..."}, True),
    ({"stringEquals": "Testing, testing...", "value": "Hello again."}, False),
    ({"stringEquals": "Testing, testing...", "value": " Testing, testing..."}, False),
    ({"stringEquals": "Testing, testing...", "value": "Testing, testing... "}, False),
    ({"stringLessThan": "A", "value": "b"}, True),
    ({"numberEquals": 1, "value": "1.0"}, True), ({"numberEquals": 10, "value": "a10"}, False),
    ({"and": [{"stringEquals": "test_string", "value": "test_string"}, {"numberEquals": 1, "value": 1}]}, True),
    ({"and": [{"stringEquals": "test_string", "value": "Hello world!"}, {"numberEquals": 1, "value": 1}]}, False),
    ({"or": [{"stringEquals": "test_string", "value": "test_string"}, {"numberEquals": 1, "value": 3}]}, True),
    ({"or": [{"stringEquals": "test_string", "value": "Hello world!"}, {"numberEquals": 1, "value": 1}]}, True),
    ({"or": [{"stringEquals": "test_string", "value": "Hello world!"}, {"numberEquals": 1, "value": 3}]}, False),
    ({"not": [{"stringEquals": "test_string", "value": "Hello world!"}]}, True),
    ({"not": {"binaryExists": "unzip"}}, True),
    ({"and": [{"binaryExists": "apt-get"}, {"not": {"binaryExists": "unzip"}}]}, True),
    ({"fileExists": "/etc/my_config"}, False), ({"folderExists": "/etc"}, True),
    ({"fileSHA256Equals": "AB12", "path": "/etc/f"}, True), ({"fileMD5Equals": "ab12", "path": "/etc/g"}, False),
    ({"patternMatches": "^v[0-9]+$", "value": "v12"}, True),
]


@pytest.mark.parametrize(("expression", "expected"), DOCUMENTED)
def test_documented_expressions(expression: dict, expected: bool) -> None:
    probe = Files({"apt-get", "/etc"}, {"/etc/f": "ab12"})
    assert evaluate(parse_expression(expression), probe) is expected


def test_and_or_stop_at_the_deciding_comparison() -> None:
    seen: list[str] = []

    class Recording(Files):
        def exists(self, kind: str, name: str) -> bool:
            seen.append(name)
            return name == "yes"

    probe = Recording(set())
    assert evaluate(parse_expression({"and": [{"fileExists": "no"}, {"fileExists": "yes"}]}), probe) is False
    assert evaluate(parse_expression({"or": [{"fileExists": "yes"}, {"fileExists": "no"}]}), probe) is True
    assert seen == ["no", "yes"]


def test_if_then_else_actions_and_defaults() -> None:
    condition = parse_condition({"fileExists": "/etc/my_config", "then": "Skip", "else": "Execute"})
    assert condition.action(True) == "Skip" and condition.action(False) == "Execute"
    plain = parse_condition([{"stringIsEmpty": ""}])
    assert plain.action(True) == "Execute" and plain.action(False) == "Skip"


@pytest.mark.parametrize(("raw", "problem"), [
    ("text", "must be a map"),
    ({"stringEquals": "a"}, "requires 'value'"),
    ({"fileSHA1Equals": "ab"}, "requires 'path'"),
    ({"stringEquals": "a", "value": "b", "numberEquals": 1}, "exactly one operator"),
    ({"bogus": 1}, "Unknown operator 'bogus'"),
    ({"and": {"stringIsEmpty": ""}}, "takes a list"),
    ({"not": [{"stringIsEmpty": ""}, {"stringIsEmpty": ""}]}, "exactly one"),
    ({"stringIsEmpty": "", "then": "Maybe"}, "Invalid 'then'"),
    ({"not": {"not": {"not": {"not": {"not": {"stringIsEmpty": ""}}}}}}, "at most 4 levels"),
])
def test_malformed_conditions(raw: object, problem: str) -> None:
    with pytest.raises(ConditionError) as caught:
        parse_condition(raw)
    assert problem in str(caught.value)


def test_a_bad_pattern_is_refused_when_evaluated() -> None:
    # The pattern may hold variables, so it is only compiled once they are substituted.
    with pytest.raises(ConditionError) as caught:
        evaluate(parse_expression({"patternMatches": "(", "value": "x"}), PROBE)
    assert "Invalid pattern" in str(caught.value)


def test_four_levels_of_logical_operators_are_allowed() -> None:
    assert parse_condition({"not": {"not": {"not": {"not": {"stringIsEmpty": ""}}}}}).action(True) == "Execute"


COMPARISONS = st.one_of(
    st.builds(lambda text: {"stringIsEmpty": text}, st.text(max_size=3)),
    st.builds(lambda left, right: {"stringEquals": left, "value": right}, st.sampled_from("aAb"), st.sampled_from("aAb")),
    st.builds(lambda left, right: {"numberLessThan": left, "value": right}, st.integers(-3, 3), st.integers(-3, 3)),
    st.builds(lambda name: {"fileExists": name}, st.sampled_from(["present", "absent"])),
)
EXPRESSIONS = st.recursive(
    COMPARISONS,
    lambda children: st.one_of(
        st.builds(lambda parts: {"and": parts}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda parts: {"or": parts}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda part: {"not": part}, children)),
    max_leaves=8)
PROBE = Files({"present"})


def _depth(raw: dict) -> int:
    (operator,) = [key for key in raw if key != "value"]
    if operator in ("and", "or"):
        return 1 + max(_depth(part) for part in raw[operator])
    if operator == "not":
        return 1 + _depth(raw["not"])
    return 0


def _oracle(raw: dict) -> bool:
    """A direct reading of AWS's operator descriptions."""
    if "and" in raw:
        return all(_oracle(part) for part in raw["and"])
    if "or" in raw:
        return any(_oracle(part) for part in raw["or"])
    if "not" in raw:
        return not _oracle(raw["not"])
    if "stringIsEmpty" in raw:
        return raw["stringIsEmpty"] == ""
    if "stringEquals" in raw:
        return raw["stringEquals"] == raw["value"]
    if "numberLessThan" in raw:
        return raw["numberLessThan"] < raw["value"]
    return raw["fileExists"] == "present"


@given(EXPRESSIONS)
def test_expressions_evaluate_as_their_operators_say(raw: dict) -> None:
    if _depth(raw) > 4:
        with pytest.raises(ConditionError):
            parse_expression(raw)
        return
    assert evaluate(parse_expression(raw), PROBE) is _oracle(raw)


@given(EXPRESSIONS.filter(lambda raw: _depth(raw) <= 3))
def test_not_not_is_identity_and_de_morgan_holds(raw: dict) -> None:
    expression = parse_expression(raw)
    value = evaluate(expression, PROBE)
    assert evaluate(Logical("not", (Logical("not", (expression,)),)), PROBE) is value
    other = Comparison("fileExists", "present")
    both = evaluate(Logical("not", (Logical("and", (expression, other)),)), PROBE)
    either = evaluate(Logical("or", (Logical("not", (expression,)), Logical("not", (other,)))), PROBE)
    assert both is either


@given(st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False, width=32)),
       st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False, width=32)))
def test_number_comparisons_agree_with_arithmetic_whether_numbers_or_text(left: float, right: float) -> None:
    for written in (right, str(right)):
        results = {operator: evaluate(parse_expression({operator: left, "value": written}), PROBE)
                   for operator in ("numberEquals", "numberLessThan", "numberLessThanEquals",
                                    "numberGreaterThan", "numberGreaterThanEquals")}
        assert results == {"numberEquals": left == right, "numberLessThan": left < right,
                           "numberLessThanEquals": left <= right, "numberGreaterThan": left > right,
                           "numberGreaterThanEquals": left >= right}


@given(st.text(alphabet="abcxyz.-", min_size=1, max_size=6))
def test_text_that_is_not_a_number_never_compares(text: str) -> None:
    if as_number(text) is None:
        assert not evaluate(parse_expression({"numberEquals": 1, "value": text}), PROBE)
        assert not evaluate(parse_expression({"numberLessThan": 1, "value": text}), PROBE)


def test_a_dry_run_sees_no_file() -> None:
    assert not evaluate(parse_expression({"fileExists": "/"}), DryRunProbe())


# --- loops ----------------------------------------------------------------------------------------


@given(st.integers(-50, 50), st.integers(-50, 50), st.integers(-7, 7).filter(bool))
def test_for_loops_cover_start_to_end_inclusive(start: int, end: int, update_by: int) -> None:
    if (end - start) * update_by < 0:
        return  # the validator refuses loops that never end
    frames = loop_frames(StepLoop(name="n", start=start, end=end, update_by=update_by), Scope({}))
    values = [int(frame.value) for frame in frames]
    assert values[0] == start
    assert all(later - earlier == update_by for earlier, later in zip(values, values[1:], strict=False))
    assert all(min(start, end) <= value <= max(start, end) for value in values)
    assert abs(end - values[-1]) < abs(update_by)
    assert [frame.index for frame in frames] == list(range(len(frames)))


@given(st.lists(st.text(alphabet="abc {}", max_size=4), min_size=1, max_size=6), st.sampled_from(list(",;:\n\t -_.")))
def test_delimited_lists_split_into_their_non_empty_pieces(pieces: list[str], delimiter: str) -> None:
    joined = delimiter.join(pieces)
    frames = loop_frames(StepLoop(name=None, delimited=joined, delimiter=delimiter), Scope({}))
    assert [frame.value for frame in frames] == [piece for piece in joined.split(delimiter) if piece]


def test_for_each_items_resolve_variables() -> None:
    frames = loop_frames(StepLoop(name=None, items=("{{ Base }}/a", "b")), Scope({"Base": "/opt"}))
    assert [(frame.index, frame.value) for frame in frames] == [(0, "/opt/a"), (1, "b")]


def test_iteration_outputs_are_joined_with_newlines() -> None:
    assert consolidate_outputs([[{"stdout": "Hello"}], [{"stdout": "World"}]]) == [{"stdout": "Hello\nWorld"}]
    assert consolidate_outputs([[], []]) == []


def _document_with_if(condition: str) -> str:
    return ("schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Step\n"
            f"        action: ExecuteBash\n        if: {condition}\n        inputs:\n          commands: [echo]\n")


@pytest.mark.parametrize(("condition", "problem"), [
    ("{not: {not: {not: {not: {not: {stringIsEmpty: ''}}}}}}", "Logical operators nest at most 4 levels deep."),
    ("{stringIsEmpty: '', then: Maybe}", "Invalid 'then' value 'Maybe'. Allowed values are Execute, Skip, Abort."),
    ("{stringIsEmpty: '', fileExists: x}", "A conditional expression must have exactly one operator at its top level."),
])
def test_create_component_and_oib_toe_validate_refuse_malformed_conditions(condition: str, problem: str) -> None:
    with pytest.raises(ComponentDocumentError) as caught:
        parse_component_document(_document_with_if(condition))
    assert caught.value.message == f"Parsing step 'Step' in phase 'build' failed. Error: Invalid 'if': {problem}"


def test_conditions_with_variables_are_valid_before_substitution() -> None:
    parse_component_document(_document_with_if("{patternMatches: '{{ Pattern }}(', value: '{{ build.A.outputs.stdout }}'}"))
