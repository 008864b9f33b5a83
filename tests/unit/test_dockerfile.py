"""Container recipe templates: AWS's contextual variables rendered, the template split where the
components run, and recipe members refused with the member named."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openimagebuilder.domain.container_refs import ParentImageError, build_tag, parent_reference, repository
from openimagebuilder.domain.dockerfile import TemplateError, recipe_options, render

DEFAULT = "FROM {{{ imagebuilder:parentImage }}}\n{{{ imagebuilder:environments }}}\n{{{ imagebuilder:components }}}\n"


def test_the_default_template_builds_the_parent_then_runs_the_components():
    split = render(DEFAULT, "reg:5000/busybox:1", has_components=True)
    assert split.before.split("\n")[0] == "FROM reg:5000/busybox:1"
    assert "imagebuilder" not in split.before
    assert split.runs_components and split.after is None
    assert split.after_from("img") is None


def test_instructions_after_the_components_are_built_on_the_committed_image():
    template = ("FROM {{{imagebuilder:parentImage}}}\nENV A=1\n{{{ imagebuilder:environments }}}\n"
                "  {{{ imagebuilder:components }}}  \nLABEL x=y\nCMD [\"sh\"]\n")
    split = render(template, "p:1", has_components=True)
    assert split.before == "FROM p:1\nENV A=1\n\n"
    assert split.after_from("localhost/oib/x:built") == "FROM localhost/oib/x:built\nLABEL x=y\nCMD [\"sh\"]\n"


def test_only_comments_after_the_components_leave_nothing_to_build():
    split = render(DEFAULT + "# the end\n\n", "p", has_components=True)
    assert split.after is None


def test_a_template_without_components_is_built_whole():
    split = render("FROM {{{ imagebuilder:parentImage }}}\nRUN true\n", "p", has_components=False)
    assert split.before == "FROM p\nRUN true\n" and not split.runs_components and split.after is None


@pytest.mark.parametrize("template, words", [
    ("FROM x\n{{{ imagebuilder:components }}}\n", "no {{{ imagebuilder:parentImage }}}"),
    ("FROM {{{ imagebuilder:parentImage }}}\n", "would never run"),
    (DEFAULT + "{{{ imagebuilder:components }}}\n", "2 times"),
    ("FROM {{{ imagebuilder:parentImage }}}\nRUN echo {{{ imagebuilder:components }}}\n", "line of its own"),
    ("FROM {{{ imagebuilder:parentImage }}}\nRUN echo \\\n{{{ imagebuilder:components }}}\n", "continues"),
    ("FROM {{{ imagebuilder:parentImage }}}\n{{{ imagebuilder:secrets }}}\n", "imagebuilder:secrets"),
    ("FROM alpine AS tools\nFROM {{{ imagebuilder:parentImage }}}\n{{{ imagebuilder:components }}}\n"
     "COPY --from=tools /x /x\n", "build stage 'tools'"),
])
def test_templates_that_cannot_be_built_as_written_are_refused_saying_why(template, words):
    with pytest.raises(TemplateError) as error:
        render(template, "p", has_components=True)
    assert words in str(error.value)


_LINE = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="{}\\\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"),
                max_size=30)


@given(head=st.lists(_LINE, max_size=5), tail=st.lists(_LINE, max_size=5),
       parent=st.from_regex(r"[a-z0-9.:/-]{1,30}", fullmatch=True))
def test_rendering_keeps_every_line_of_the_template_in_order(head, tail, parent):
    template = "\n".join(["FROM {{{ imagebuilder:parentImage }}}", *head, "{{{ imagebuilder:environments }}}",
                          "{{{ imagebuilder:components }}}", *tail])
    split = render(template, parent, has_components=True)
    assert split.before.splitlines() == [f"FROM {parent}", *head, ""]
    rest = split.after_from("img")
    if rest is None:
        assert all(not line.strip() or line.lstrip().startswith("#") for line in tail)
    else:
        assert rest.rstrip("\n") == ("FROM img\n" + "\n".join(tail)).rstrip("\n")  # trailing blank lines aside
    assert "imagebuilder:" not in split.before + (split.after or "")


def test_recipe_members_are_taken_as_documented_or_refused_by_name():
    options = recipe_options({"workingDirectory": "/build", "imageOsVersionOverride": "Busybox 1.36",
                              "instanceConfiguration": {"image": "ami-1"}})
    assert options.working_directory == "/build" and options.os_version == "Busybox 1.36"
    assert "instanceConfiguration" in options.notes[0]
    for recipe, member in [({"platformOverride": "Windows"}, "platformOverride"),
                           ({"workingDirectory": "tmp"}, "workingDirectory"),
                           ({"dockerfileTemplateUri": "s3://b/Dockerfile"}, "dockerfileTemplateUri")]:
        with pytest.raises(TemplateError, match=member):
            recipe_options(recipe)


def test_repositories_are_per_account_and_region_and_builds_tagged_version_build():
    repo = repository("127.0.0.1:5000", "123456789012", "us-east-1", "team/app")
    assert repo.tagged(build_tag("arn:aws:imagebuilder:us-east-1:123456789012:image/app/1.2.3/4")) == \
        "127.0.0.1:5000/123456789012/us-east-1/team/app:1.2.3-4"
    assert repo.pinned("sha256:ab") == "127.0.0.1:5000/123456789012/us-east-1/team/app@sha256:ab"


def test_parent_images_resolve_to_the_registry_or_fail_saying_what_to_do():
    managed = {"arn:aws:imagebuilder:us-east-1:aws:image/busybox/x.x.x": "oib/managed/busybox:1"}.get
    reg = "127.0.0.1:5000"
    assert parent_reference("arn:aws:imagebuilder:us-east-1:aws:image/busybox/x.x.x", reg, managed) == \
        "127.0.0.1:5000/oib/managed/busybox:1"
    assert parent_reference("111122223333.dkr.ecr.eu-west-1.amazonaws.com/app:1.0.0-1", reg, managed) == \
        "127.0.0.1:5000/111122223333/eu-west-1/app:1.0.0-1"
    assert parent_reference("busybox:latest", reg, managed) == "127.0.0.1:5000/busybox:latest"
    assert parent_reference("localhost:9/x/y:z", reg, managed) == "localhost:9/x/y:z"
    assert parent_reference("quay.io/a/b", reg, managed) == "quay.io/a/b"
    with pytest.raises(ParentImageError, match="oib images bootstrap"):
        parent_reference("arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-x86-2/x.x.x", reg, managed)
    with pytest.raises(ParentImageError, match="owner aws"):
        parent_reference("arn:aws:imagebuilder:us-east-1:123456789012:image/mine/1.0.0/1", reg, managed)


def test_distribution_puts_the_image_in_each_regions_repository_with_its_tags():
    from openimagebuilder.domain.container_refs import DistributionTarget, distribution_targets
    image = {"containerRecipe": {"targetRepository": {"repositoryName": "app", "service": "ECR"}},
             "distributionConfiguration": {"distributions": [
                 {"region": "us-east-1", "containerDistributionConfiguration": {
                     "targetRepository": {"repositoryName": "released", "service": "ECR"},
                     "containerTags": ["latest", "stable", "1.0.0-2"]}},
                 {"region": "eu-west-1", "amiDistributionConfiguration": {}}]}}
    arn = "arn:aws:imagebuilder:us-east-1:123456789012:image/app/1.0.0/2"
    assert distribution_targets(image, arn, "us-east-1", ("us-east-1", "eu-west-1")) == [
        DistributionTarget("us-east-1", "released", ("1.0.0-2", "latest", "stable")),
        DistributionTarget("eu-west-1", "app", ("1.0.0-2",))]
    assert distribution_targets({"containerRecipe": image["containerRecipe"]}, arn, "us-east-1", ()) == [
        DistributionTarget("us-east-1", "app", ("1.0.0-2",))]


def test_deleting_an_image_touches_only_the_manifests_it_pinned_in_this_registry():
    from openimagebuilder.engine.registry_cleanup import manifests_of
    image = {"outputResources": {"containers": [
        {"region": "us-east-1", "imageUris": ["127.0.0.1:5000/1/us-east-1/app:1.0.0-1", "127.0.0.1:5000/1/us-east-1/app:latest",
                                              "127.0.0.1:5000/1/us-east-1/app@sha256:aa"]},
        {"region": "eu-west-1", "imageUris": ["127.0.0.1:5000/1/eu-west-1/app@sha256:aa",
                                              "1.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:bb",
                                              "other:5000/x@sha256:cc"]}]}}
    assert manifests_of(image, "127.0.0.1:5000") == [("1/us-east-1/app", "sha256:aa"), ("1/eu-west-1/app", "sha256:aa")]
    assert manifests_of({}, "127.0.0.1:5000") == []
