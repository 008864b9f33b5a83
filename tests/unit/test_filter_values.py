"""The values the store keeps for List filters: every filter of every List operation but `name`
has them, and a filter's condition is never narrower than the filter (every resource the filter
keeps has a kept value the condition accepts)."""
from __future__ import annotations

import botocore.session
from hypothesis import given
from hypothesis import strategies as st

from openimagebuilder.api.common import filter_predicate, narrowing
from openimagebuilder.api.components import FILTERS as COMPONENT_FILTERS
from openimagebuilder.api.images import IMAGE_FILTERS, PIPELINE_IMAGE_FILTERS, VERSION_MATCHER
from openimagebuilder.api.lifecycle import FILTERS as LIFECYCLE_FILTERS
from openimagebuilder.api.pipelines import FILTERS as PIPELINE_FILTERS
from openimagebuilder.api.recipes import CONTAINER, IMAGE
from openimagebuilder.api.workflows import FILTERS as WORKFLOW_FILTERS
from openimagebuilder.domain.filter_values import FILTERED_FIELDS, KEPT_LENGTH, filter_values, value_condition
from openimagebuilder.store.repository import Resource

# The List operations' filters by the kind they list (distribution and infrastructure
# configurations take `name` only).
LISTED = {
    "image-pipeline": [PIPELINE_FILTERS],
    "image": [IMAGE_FILTERS, PIPELINE_IMAGE_FILTERS],
    "component": [COMPONENT_FILTERS],
    "workflow": [WORKFLOW_FILTERS],
    "image-recipe": [IMAGE.filters],
    "container-recipe": [CONTAINER.filters],
    "lifecycle-policy": [LIFECYCLE_FILTERS],
}


def test_every_filter_but_name_has_kept_values():
    for kind, filter_maps in LISTED.items():
        for fields in filter_maps:
            assert set(fields) - {"name"} <= set(FILTERED_FIELDS[kind]), kind


def test_the_filters_are_the_models():
    model = botocore.session.get_session().get_service_model("imagebuilder")
    for operation, fields in (("ListImagePipelines", PIPELINE_FILTERS), ("ListComponents", COMPONENT_FILTERS),
                              ("ListLifecyclePolicies", LIFECYCLE_FILTERS)):
        documentation = model.operation_model(operation).input_shape.members["filters"].documentation
        assert all(f"<code>{name}</code>" in documentation for name in fields), operation


def _kept_and_accepted(kind: str, document: dict, filters: list[dict]) -> bool:
    """Whether the store's narrowing keeps a resource with `document`."""
    kept = filter_values(kind, document)
    return all(any((condition.field, value) in kept for value in condition.values)
               for condition in narrowing(kind, {"filters": filters}).values)


versions = st.builds(lambda parts: ".".join(parts), st.lists(st.sampled_from(["0", "1", "01", "2", "10"]),
                                                             min_size=3, max_size=3))
version_filters = st.one_of(versions, versions.map(lambda v: v.rsplit(".", 1)[0] + ".x"),
                            versions.map(lambda v: v.split(".", 1)[0] + ".x.x"), st.just("x.x.x"),
                            versions.map(lambda v: v + "/2"))


@given(versions, st.integers(1, 3), st.lists(version_filters, min_size=1, max_size=3))
def test_a_version_condition_is_never_narrower_than_the_filter(version, build, values):
    resource = Resource("image", "arn", "n", {"version": version}, "", version=version, build=build)
    filters = [{"name": "version", "values": values}]
    if filter_predicate({"filters": filters}, IMAGE_FILTERS, VERSION_MATCHER)(resource):
        assert _kept_and_accepted("image", resource.document, filters)


texts = st.text(alphabet="aA b_", max_size=4)


@given(st.lists(texts, max_size=3), texts, st.lists(texts, min_size=1, max_size=2),
       st.sampled_from([0, KEPT_LENGTH - 2, KEPT_LENGTH]))
def test_a_text_condition_is_never_narrower_than_the_filter(os_versions, platform, values, padding):
    document = {"supportedOsVersions": ["x" * padding + text for text in os_versions], "platform": platform}
    resource = Resource("component", "arn", "n", document, "")
    for name in ("supportedOsVersion", "platform"):
        filters = [{"name": name, "values": ["x" * padding + value if name != "platform" else value
                                             for value in values]}]
        if filter_predicate({"filters": filters}, COMPONENT_FILTERS)(resource):
            assert _kept_and_accepted("component", document, filters)


def test_conditions_for_each_version_form():
    assert value_condition("version", ["1.2.3", "01.2.3/4", "1.x.x", "1.02.x"]).values == ("1.2.3", "1.2.x", "1.x.x")
    assert value_condition("version", ["x.x.x"]) is None
    assert value_condition("version", ["1.x.3"]) is None  # refused by the filter
    assert sorted(filter_values("workflow", {"version": "2019.12.03"})) == [
        ("version", "2019.12.3"), ("version", "2019.12.x"), ("version", "2019.x.x")]
