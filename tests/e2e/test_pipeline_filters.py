"""ListImagePipelines `filters` other than `status` (tested with the pipeline family), through boto3
against `oib serve`. Each test runs in an account of its own, so it sees only its own pipelines."""
from __future__ import annotations

from tests.e2e.helpers import container_recipe, distribution, error_of, image_recipe, infrastructure, pipeline


def listed(client, *filters: tuple[str, list[str]]) -> list[str]:
    """The names of the pipelines the filters keep, in list order."""
    response = client.list_image_pipelines(filters=[{"name": name, "values": values} for name, values in filters])
    return [entry["name"] for entry in response["imagePipelineList"]]


def test_name_filter_exact_prefix_and_contains(client):
    for name in ("web-a", "web-b", "api-web", "Web-c"):
        pipeline(client, name=name)
    assert listed(client, ("name", ["web-a"])) == ["web-a"]
    assert listed(client, ("name", ["web-a", "api-web"])) == ["api-web", "web-a"]
    assert listed(client, ("name", ["web*"])) == ["web-a", "web-b"]
    assert listed(client, ("name", ["*web*"])) == ["api-web", "web-a", "web-b"]  # case-sensitive
    assert listed(client, ("name", ["Web*"])) == ["Web-c"]
    assert listed(client, ("name", ["web"])) == []


def test_name_filter_finds_names_whose_ids_fold_case_spaces_and_underscores(client):
    # The store narrows by the ARN's resource id (lower case, spaces and underscores as hyphens);
    # the filter still compares the names themselves.
    for name in ("Web Server_1", "web-server-2", "Other"):
        pipeline(client, name=name)
    assert listed(client, ("name", ["Web Server_1"])) == ["Web Server_1"]
    assert listed(client, ("name", ["Web*"])) == ["Web Server_1"]
    assert listed(client, ("name", ["*Server_*"])) == ["Web Server_1"]
    assert listed(client, ("name", ["*erver*"])) == ["Web Server_1", "web-server-2"]
    assert listed(client, ("name", ["web-server-1"])) == []
    assert listed(client, ("name", ["*_*"])) == ["Web Server_1"]


def test_description_filter_matches_the_whole_description(client):
    pipeline(client, name="nightly", description="builds nightly")
    pipeline(client, name="weekly", description="builds weekly")
    pipeline(client, name="undescribed")
    assert listed(client, ("description", ["builds nightly"])) == ["nightly"]
    assert listed(client, ("description", ["builds nightly", "builds weekly"])) == ["nightly", "weekly"]
    assert listed(client, ("description", ["builds"])) == []
    assert listed(client, ("description", ["builds*"])) == []  # no wildcards outside `name`


def test_image_recipe_arn_filter(client):
    infra = infrastructure(client)
    first, second = image_recipe(client), image_recipe(client)
    pipeline(client, name="on-first", imageRecipeArn=first, infrastructureConfigurationArn=infra)
    pipeline(client, name="on-second", imageRecipeArn=second, infrastructureConfigurationArn=infra)
    client.create_image_pipeline(name="on-container", containerRecipeArn=container_recipe(client),
                                 infrastructureConfigurationArn=infra)
    assert listed(client, ("imageRecipeArn", [first])) == ["on-first"]
    assert listed(client, ("imageRecipeArn", [first, second])) == ["on-first", "on-second"]
    assert listed(client, ("imageRecipeArn", [first.rsplit("/", 1)[0] + "/x.x.x"])) == []  # no version wildcards


def test_infrastructure_configuration_arn_filter(client):
    recipe, first, second = image_recipe(client), infrastructure(client), infrastructure(client)
    pipeline(client, name="on-first-1", imageRecipeArn=recipe, infrastructureConfigurationArn=first)
    pipeline(client, name="on-second", imageRecipeArn=recipe, infrastructureConfigurationArn=second)
    pipeline(client, name="on-first-2", imageRecipeArn=recipe, infrastructureConfigurationArn=first)
    assert listed(client, ("infrastructureConfigurationArn", [first])) == ["on-first-1", "on-first-2"]
    assert listed(client, ("infrastructureConfigurationArn", [second])) == ["on-second"]


def test_distribution_configuration_arn_filter(client):
    first, second = distribution(client), distribution(client)
    pipeline(client, name="to-first", distributionConfigurationArn=first)
    pipeline(client, name="to-second", distributionConfigurationArn=second)
    pipeline(client, name="undistributed")
    assert listed(client, ("distributionConfigurationArn", [first])) == ["to-first"]
    assert listed(client, ("distributionConfigurationArn", [first, second])) == ["to-first", "to-second"]


def test_filters_combine_with_and(client):
    recipe, dist = image_recipe(client), distribution(client)
    pipeline(client, name="both", imageRecipeArn=recipe, distributionConfigurationArn=dist, status="DISABLED")
    pipeline(client, name="recipe-only", imageRecipeArn=recipe, status="DISABLED")
    pipeline(client, name="enabled", imageRecipeArn=recipe, distributionConfigurationArn=dist)
    assert listed(client, ("imageRecipeArn", [recipe]), ("distributionConfigurationArn", [dist]),
                  ("status", ["DISABLED"])) == ["both"]


def test_unsupported_filter_names_the_supported_ones(client):
    assert error_of(client.list_image_pipelines, filters=[{"name": "platform", "values": ["Linux"]}]) == (
        "InvalidParameterValueException",
        "The value supplied for parameter 'filters[0].name' is not valid. The filter name 'platform' is not "
        "supported. Supported filters: [description, distributionConfigurationArn, imageRecipeArn, "
        "infrastructureConfigurationArn, name, status].")
