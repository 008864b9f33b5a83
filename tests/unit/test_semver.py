"""Semantic versions, wildcard filters and ARNs."""
from hypothesis import given
from hypothesis import strategies as st

from openimagebuilder.domain.arn import name_to_id, parse_arn
from openimagebuilder.domain.semver import (
    MAX_PART,
    Version,
    newest,
    parse_build_version,
    parse_build_version_filter,
    parse_version,
    parse_version_filter,
    sort_key,
)

parts = st.integers(min_value=0, max_value=MAX_PART)


@given(parts, parts, parts)
def test_exact_versions_round_trip(major, minor, patch):
    text = f"{major}.{minor}.{patch}"
    assert str(parse_version(text)) == text


def test_invalid_versions():
    for text in ("1.0", "1.0.0.0", "1.x.0", "01.0.1073741824", "1.0.00000000001", "-1.0.0", f"{MAX_PART + 1}.0.0", "a.b.c"):
        assert parse_version(text) is None


@given(parts, parts, parts, st.integers(0, 3), st.integers(0, 3), st.integers(0, 3))
def test_leading_zeros_keep_their_text_and_compare_by_number(major, minor, patch, zeros_a, zeros_b, zeros_c):
    # AWS documents dates such as 2021.01.01 as versions and echoes 2019.12.03 back as given.
    def padded(part: int, zeros: int) -> str:
        return str(part).zfill(min(10, len(str(part)) + zeros))  # at most 10 digits, zeros included
    text = f"{padded(major, zeros_a)}.{padded(minor, zeros_b)}.{padded(patch, zeros_c)}"
    version = parse_version(text)
    assert version is not None and str(version) == text
    assert version == Version(major, minor, patch) and hash(version) == hash(Version(major, minor, patch))
    assert sort_key("n", version, 1) == sort_key("n", Version(major, minor, patch), 1)
    assert parse_version_filter(f"{padded(major, zeros_a)}.x.x").matches(version)
    assert parse_version_filter(f"{major}.{minor}.x").matches(version)
    assert parse_version_filter(text).matches(parse_version(f"{major}.{minor}.{patch}"))


def test_dates_order_numerically():
    dates = ["2019.12.03", "2019.12.3", "2021.01.01", "2019.2.10", "2020.01.9", "2019.12.010"]
    ordered = sorted(dates, key=lambda text: parse_version(text))
    assert [str(parse_version(text)) for text in ordered] == [
        "2019.2.10", "2019.12.03", "2019.12.3", "2019.12.010", "2020.01.9", "2021.01.01"]
    assert parse_version_filter("2019.12.x").matches(parse_version("2019.12.03"))
    assert not parse_version_filter("2019.1.x").matches(parse_version("2019.12.03"))
    assert str(parse_arn("arn:aws:imagebuilder:us-west-2:123456789012:component/c/2019.12.03/1").version_arn()) == (
        "arn:aws:imagebuilder:us-west-2:123456789012:component/c/2019.12.03")


def test_wildcards_only_from_the_right():
    for good in ("x.x.x", "1.x.x", "1.6.x", "1.2.3"):
        assert parse_version_filter(good) is not None
    for bad in ("x.2.x", "1.x.8", "x.x.1", "1.2", "X.x.x"):
        assert parse_version_filter(bad) is None


@given(st.lists(st.tuples(parts, parts, parts, st.integers(1, 5)), min_size=1, max_size=20), st.integers(0, 3))
def test_newest_is_the_maximum_match(entries, wildcards):
    versions = [(Version(a, b, c), n) for a, b, c, n in entries]
    target = versions[0][0]
    pieces = [str(target.major), str(target.minor), str(target.patch)]
    for index in range(3 - wildcards, 3):
        pieces[index] = "x"
    wanted = parse_version_filter(".".join(pieces))
    best = newest(versions, wanted)
    assert best is not None and wanted.matches(best[0])
    assert all(best >= entry for entry in versions if wanted.matches(entry[0]))


@given(st.lists(st.tuples(parts, parts, parts, st.integers(0, 10**6)), min_size=2, max_size=20))
def test_sort_key_orders_numerically(entries):
    keys = sorted(entries, key=lambda e: sort_key("n", Version(*e[:3]), e[3]))
    assert keys == sorted(entries)


def test_name_to_id_and_arn_parsing():
    assert name_to_id("Ubuntu-2004-with-latest-SSM-Agent Pipeline_x") == "ubuntu-2004-with-latest-ssm-agent-pipeline-x"
    arn = parse_arn("arn:aws:imagebuilder:us-east-1:aws:workflow/build/build-image/x.x.x")
    assert (arn.workflow_type, arn.resource_id, arn.version, arn.build, arn.is_aws_managed) == (
        "build", "build-image", "x.x.x", None, True)
    built = parse_arn("arn:aws:imagebuilder:eu-west-2:123456789012:component/c/1.0.2/3")
    assert (built.build, str(built.version_arn())) == (3, "arn:aws:imagebuilder:eu-west-2:123456789012:component/c/1.0.2")
    assert str(built) == "arn:aws:imagebuilder:eu-west-2:123456789012:component/c/1.0.2/3"


def test_build_version_filters():
    # AWS: the four nodes <major>.<minor>.<patch>/<build> can all be filtered on.
    version = parse_version("1.2.3")
    for text, build, expected in (("1.2.3", 4, True), ("1.x.x", 4, True), ("1.2.3/4", 4, True),
                                  ("1.2.3/5", 4, False), ("2.x.x", 4, False), ("1.2.3/4", None, False)):
        assert parse_build_version_filter(text).matches(version, build) is expected, text
    for bad in ("1.x.x/4", "1.2.3/0", "1.2.3/x", "1.2.3/", "1.2.3/4/5", "x.2.x", f"1.2.3/{MAX_PART + 1}"):
        assert parse_build_version_filter(bad) is None, bad
    assert parse_build_version("1.2.3/4") == (version, 4) and parse_build_version("1.2.3") == (version, None)
    assert parse_build_version("1.2.3/a") is None and parse_build_version("1.2") is None
