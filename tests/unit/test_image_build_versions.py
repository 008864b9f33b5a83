"""An image's `version` is `X.Y.Z/build` wherever the model's shape is VersionNumberWithBuild
(GetImage's image, ImageSummary), and `X.Y.Z` where it is VersionNumber (ListImages)."""
from __future__ import annotations

import re

from botocore.model import Shape
from botocore.parsers import create_parser

from openimagebuilder.api.images import _summary, _with_build_version
from openimagebuilder.protocol.model import service_model
from openimagebuilder.protocol.serializer import serialize_response
from openimagebuilder.store.repository import Resource

MODEL = service_model()
ARN = "arn:aws:imagebuilder:us-west-2:123456789012:image/mybasicrecipe/2019.12.03/3"
DOCUMENT = {"arn": ARN, "name": "MyBasicRecipe", "version": "2019.12.03", "type": "AMI", "platform": "Linux",
            "state": {"status": "AVAILABLE"}, "dateCreated": "2019-12-03T14:20:32.314Z"}


def _image() -> Resource:
    return Resource("image", ARN, "mybasicrecipe", dict(DOCUMENT), DOCUMENT["dateCreated"],
                    version="2019.12.03", build=3, owner="123456789012")


def _with_build_members(shape: Shape, path: str, seen: tuple[str, ...] = ()) -> set[str]:
    if shape.name in seen:
        return set()
    found: set[str] = set()
    if shape.type_name == "structure":
        for name, member in shape.members.items():
            if member.name == "VersionNumberWithBuild":
                found.add(f"{path}.{name}")
            found |= _with_build_members(member, f"{path}.{name}", (*seen, shape.name))
    elif shape.type_name == "list":
        found |= _with_build_members(shape.member, f"{path}[]", seen)
    elif shape.type_name == "map":
        found |= _with_build_members(shape.value, f"{path}{{}}", seen)
    return found


def test_the_model_has_build_versions_exactly_where_images_add_them():
    # A new member of this shape in a later model would need the build too: this names it.
    found = set()
    for name in MODEL.operation_names:
        output = MODEL.operation_model(name).output_shape
        if output is not None:
            found |= _with_build_members(output, name)
    assert found == {"GetImage.image.version", "ListImageBuildVersions.imageSummaryList[].version",
                     "ListImagePipelineImages.imageSummaryList[].version"}


def _parse(operation_name: str, output: dict) -> dict:
    operation = MODEL.operation_model(operation_name)
    parsed = create_parser("rest-json").parse(
        {"status_code": 200, "headers": {"x-amzn-requestid": "r"}, "body": serialize_response(operation, output)},
        operation.output_shape)
    return parsed


def test_get_image_and_summaries_carry_the_build_on_the_wire():
    pattern = re.compile(MODEL.shape_for("VersionNumberWithBuild").metadata["pattern"])
    image = _image()
    got = _parse("GetImage", {"requestId": "r", "image": _with_build_version(image, dict(image.document))})
    assert got["image"]["version"] == "2019.12.03/3" and pattern.match(got["image"]["version"])
    for operation in ("ListImageBuildVersions", "ListImagePipelineImages"):
        listed = _parse(operation, {"requestId": "r", "imageSummaryList": [_summary(image)]})
        assert [entry["version"] for entry in listed["imageSummaryList"]] == ["2019.12.03/3"]
    assert image.document["version"] == "2019.12.03"  # the stored document is left as it was
