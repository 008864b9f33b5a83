"""Semantic versions, wildcard filters and ARNs."""
from hypothesis import given
from hypothesis import strategies as st

from openimagebuilder.domain.arn import name_to_id, parse_arn
from openimagebuilder.domain.semver import MAX_PART, Version, newest, parse_version, parse_version_filter, sort_key

parts = st.integers(min_value=0, max_value=MAX_PART)


@given(parts, parts, parts)
def test_exact_versions_round_trip(major, minor, patch):
    text = f"{major}.{minor}.{patch}"
    assert str(parse_version(text)) == text


def test_invalid_versions():
    for text in ("1.0", "1.0.0.0", "01.0.0", "1.x.0", "-1.0.0", f"{MAX_PART + 1}.0.0", "a.b.c"):
        assert parse_version(text) is None


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
