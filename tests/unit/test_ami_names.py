"""Output AMI names from amiDistributionConfiguration.name and the documented dynamic tags."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from openimagebuilder.domain.ami_names import ami_name, ami_name_templates, build_date

ARN = "arn:aws:imagebuilder:us-west-2:123456789012:image/simple-recipe-linux/2019.12.03/10"
CREATED = "2022-10-26T22:30:05.912Z"


def test_dynamic_tags_with_and_without_spaces():
    assert ami_name("web-{{ imagebuilder:buildDate }}", "web", ARN, CREATED) == "web-2022-10-26T22-30-05.912Z"
    assert ami_name("web-{{imagebuilder:buildVersion}}-{{imagebuilder:buildDate}}", "web", ARN, CREATED) == (
        "web-10-2022-10-26T22-30-05.912Z")
    assert ami_name("{{ imagebuilder:buildDate }} {{ imagebuilder:other }}", "web", ARN, CREATED) == (
        "2022-10-26T22-30-05.912Z {{ imagebuilder:other }}")  # unknown tags are left as written


def test_default_name_is_the_image_name_and_build_date():
    # The model's example: `my-image 2022-10-26T22-30-05.912619Z`.
    assert ami_name(None, "my-image", ARN, CREATED) == "my-image 2022-10-26T22-30-05.912Z"
    assert ami_name("", "my-image", ARN, CREATED) == "my-image 2022-10-26T22-30-05.912Z"


@given(st.text(alphabet="abc- {}:", max_size=30))
def test_text_without_tags_is_kept(text):
    if "imagebuilder:" not in text and text:
        assert ami_name(text, "x", ARN, CREATED) == text


def test_build_date_has_no_colons():
    assert ":" not in build_date(CREATED)


def test_templates_by_region():
    image = {"distributionConfiguration": {"distributions": [
        {"region": "us-east-1", "amiDistributionConfiguration": {"name": "a-{{ imagebuilder:buildDate }}"}},
        {"region": "eu-west-1", "amiDistributionConfiguration": {"description": "no name"}},
        {"region": "eu-west-2", "launchTemplateConfigurations": [{"launchTemplateId": "lt-1"}]}]}}
    assert ami_name_templates(image) == {"us-east-1": "a-{{ imagebuilder:buildDate }}"}
    assert ami_name_templates({}) == {}
