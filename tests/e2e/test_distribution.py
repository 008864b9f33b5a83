"""Distribution configurations through boto3 against a real `oib serve`."""
import uuid

import pytest
from botocore.exceptions import ClientError

from tests.conftest import unique

AMI_NAME = "golden-{{ imagebuilder:buildDate }}"


def ami(region="us-east-1", **settings):
    return {"region": region, "amiDistributionConfiguration": {"name": AMI_NAME, **settings}}


def container(region="us-east-1", repository="team-a/my-repo"):
    return {"region": region, "containerDistributionConfiguration": {
        "containerTags": ["latest"], "targetRepository": {"service": "ECR", "repositoryName": repository}}}


def make(client, **overrides):
    params = {"name": unique("dist"), "distributions": [ami()], **overrides}
    return client.create_distribution_configuration(**params)["distributionConfigurationArn"]


def fetch(client, arn):
    return client.get_distribution_configuration(distributionConfigurationArn=arn)["distributionConfiguration"]


def rejected(call, **params):
    with pytest.raises(ClientError) as info:
        call(**params)
    return info.value.response["Error"]


def assert_invalid(error, path, detail):
    assert error["Code"] == "InvalidParameterValueException"
    assert error["Message"] == f"The value supplied for parameter '{path}' is not valid. {detail}"


# -- create / get -----------------------------------------------------------------------------
def test_create_get_ami_distribution_with_defaults(client):
    settings = {"description": "golden", "targetAccountIds": ["111122223333"], "amiTags": {"team": "a"},
                "kmsKeyId": "arn:aws:kms:us-east-1:111122223333:key/abc",
                "launchPermission": {"userIds": ["444455556666"], "userGroups": ["all"]}}
    arn = make(client, name="My Dist_Config 1", distributions=[
        ami(**settings), {"region": "eu-west-1", "amiDistributionConfiguration": {}}])
    assert arn.split(":")[5] == "distribution-configuration/my-dist-config-1"
    got = fetch(client, arn)
    assert got["arn"] == arn and got["name"] == "My Dist_Config 1"
    assert got["distributions"] == [ami(**settings), {"region": "eu-west-1", "amiDistributionConfiguration": {}}]
    assert got["timeoutMinutes"] == 720
    assert got["tags"] == {}
    assert got["dateCreated"].endswith("Z")
    assert "description" not in got and "dateUpdated" not in got


def test_create_get_container_and_other_outputs_with_tags(client):
    distributions = [
        container(),
        {"region": "eu-west-1", "s3ExportConfiguration": {
            "roleName": "vmimport", "diskImageFormat": "VMDK", "s3Bucket": "bucket", "s3Prefix": "out/"}},
        {"region": "eu-west-2", "launchTemplateConfigurations": [
            {"launchTemplateId": "lt-0123456789abcdef0", "accountId": "111122223333", "setDefaultVersion": False}]},
        {"region": "eu-west-3", "ssmParameterConfigurations": [
            {"parameterName": "/golden/ami", "dataType": "aws:ec2:image"}]},
        {"region": "eu-north-1", "fastLaunchConfigurations": [
            {"enabled": True, "snapshotConfiguration": {"targetResourceCount": 5}, "maxParallelLaunches": 6}]},
        {"region": "ap-south-1", "licenseConfigurationArns": [
            "arn:aws:license-manager:ap-south-1:111122223333:license-configuration:lic-" + "0" * 32]},
    ]
    arn = make(client, description="many outputs", distributions=distributions, tags={"env": "test"})
    got = fetch(client, arn)
    assert got["distributions"] == distributions
    assert got["description"] == "many outputs"
    assert got["tags"] == {"env": "test"}
    assert client.list_tags_for_resource(resourceArn=arn)["tags"] == {"env": "test"}


def test_names_equal_after_normalization_collide(client):
    make(client, name="Same Name")
    error = rejected(client.create_distribution_configuration, name="same_name", distributions=[ami()])
    assert error["Code"] == "ResourceAlreadyExistsException"
    assert error["Message"].startswith("The following resource 'DistributionConfiguration' already exists: ")


def test_get_missing_is_not_found(client):
    arn = f"arn:aws:imagebuilder:us-east-1:{'1' * 12}:distribution-configuration/{unique('missing')}"
    with pytest.raises(ClientError) as info:
        fetch(client, arn)
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


# -- semantic rejections ----------------------------------------------------------------------
@pytest.mark.parametrize("distributions, path, detail", [
    ([], "distributions", "'distributions' must contain at least 1 items."),
    ([{"region": "us-east-1"}], "distributions[0]",
     "One or more outputs should be provided for each region in a distribution configuration."),
    ([ami(), {"region": "eu-west-1"}], "distributions[1]",
     "One or more outputs should be provided for each region in a distribution configuration."),
    ([ami(), container("eu-west-1"), ami()], "distributions[2].region",
     "The Region 'us-east-1' is already configured in distributions[0]. "
     "A Region can appear at most once in the list."),
    ([{"region": "us-east-1", "amiDistributionConfiguration": {"name": "golden-ami"}}],
     "distributions[0].amiDistributionConfiguration.name",
     "The EC2 AMI name must contain '{{ imagebuilder:buildDate }}' to ensure that the name will be unique."),
    ([ami(launchPermission={"userGroups": ["admins"]})],
     "distributions[0].amiDistributionConfiguration.launchPermission.userGroups",
     "The user group 'admins' is not supported. The only supported value is 'all'."),
    ([container(repository="123456789012.dkr.ecr.us-east-1.amazonaws.com/my-repo")],
     "distributions[0].containerDistributionConfiguration.targetRepository.repositoryName",
     "Provide the repository name only, without the registry hostname "
     "'123456789012.dkr.ecr.us-east-1.amazonaws.com'."),
], ids=["empty", "no-output", "second-no-output", "duplicate-region", "ami-name-without-build-date",
        "user-group-not-all", "repository-with-registry-host"])
def test_create_rejects_meaningless_configurations(client, distributions, path, detail):
    name = unique("bad")
    error = rejected(client.create_distribution_configuration, name=name, distributions=distributions)
    assert_invalid(error, path, detail)
    assert client.list_distribution_configurations()["distributionConfigurationSummaryList"] == []


def test_model_constraints_use_the_nested_path(client):
    error = rejected(client.create_distribution_configuration, name=unique("bad"),
                     distributions=[ami(targetAccountIds=["12345"])])
    assert error["Code"] == "InvalidParameterValueException"
    assert "'distributions[0].amiDistributionConfiguration.targetAccountIds[0]'" in error["Message"]


def test_build_date_tag_accepted_anywhere_in_the_ami_name(client):
    arn = make(client, distributions=[
        {"region": "us-east-1", "amiDistributionConfiguration": {"name": "{{imagebuilder:buildDate}} golden"}}])
    assert fetch(client, arn)["distributions"][0]["amiDistributionConfiguration"]["name"] == \
        "{{imagebuilder:buildDate}} golden"


# -- update -----------------------------------------------------------------------------------
def test_update_replaces_description_and_distributions(client):
    arn = make(client, description="first", tags={"keep": "me"})
    before = fetch(client, arn)
    response = client.update_distribution_configuration(
        distributionConfigurationArn=arn, distributions=[container("eu-west-1")])
    assert response["distributionConfigurationArn"] == arn
    got = fetch(client, arn)
    assert got["distributions"] == [container("eu-west-1")]
    assert "description" not in got
    assert {key: got[key] for key in ("arn", "name", "dateCreated", "tags", "timeoutMinutes")} == \
        {key: before[key] for key in ("arn", "name", "dateCreated", "tags", "timeoutMinutes")}
    assert got["dateUpdated"] >= got["dateCreated"]


def test_update_checks_meaning_and_keeps_the_old_configuration(client):
    arn = make(client, description="kept")
    error = rejected(client.update_distribution_configuration, distributionConfigurationArn=arn,
                     distributions=[ami(), ami()])
    assert_invalid(error, "distributions[1].region", "The Region 'us-east-1' is already configured in "
                   "distributions[0]. A Region can appear at most once in the list.")
    got = fetch(client, arn)
    assert got["description"] == "kept" and "dateUpdated" not in got


def test_update_missing_is_not_found(client):
    arn = f"arn:aws:imagebuilder:us-east-1:{'1' * 12}:distribution-configuration/{unique('missing')}"
    error = rejected(client.update_distribution_configuration, distributionConfigurationArn=arn,
                     distributions=[ami()])
    assert error["Code"] == "ResourceNotFoundException"


# -- list -------------------------------------------------------------------------------------
def test_list_paginates_with_regions_in_summaries(client):
    names = sorted(unique("page") for _ in range(5))
    for name in names:
        make(client, name=name, distributions=[ami("us-east-1"), container("eu-west-1")])
    pages = list(client.get_paginator("list_distribution_configurations").paginate(
        PaginationConfig={"PageSize": 2}))
    assert [len(p["distributionConfigurationSummaryList"]) for p in pages] == [2, 2, 1]
    summaries = [s for p in pages for s in p["distributionConfigurationSummaryList"]]
    assert [s["name"] for s in summaries] == names
    assert all(s["regions"] == ["us-east-1", "eu-west-1"] and s["tags"] == {} for s in summaries)
    assert set(summaries[0]) == {"arn", "name", "dateCreated", "tags", "regions"}


def test_list_filters_on_name_exactly_and_with_wildcards(client):
    tag = uuid.uuid4().hex[:6]
    names = [f"web-{tag}-a", f"web-{tag}-b", f"api-{tag}-web", f"Web-{tag}"]
    for name in names:
        make(client, name=name)

    def listed(*values):
        response = client.list_distribution_configurations(filters=[{"name": "name", "values": list(values)}])
        return sorted(s["name"] for s in response["distributionConfigurationSummaryList"])

    assert listed(names[0]) == [names[0]]
    assert listed(f"web-{tag}-A") == []  # case-sensitive
    assert listed("web*") == sorted(names[:2])
    assert listed("*web*") == sorted(names[:3])
    assert listed("Web*", f"api-{tag}-web") == sorted([names[2], names[3]])


def test_list_rejects_unsupported_filters_and_wildcard_positions(client):
    error = rejected(client.list_distribution_configurations, filters=[{"name": "region", "values": ["x"]}])
    assert_invalid(error, "filters[0].name", "The filter name 'region' is not supported. Supported filters: [name].")
    error = rejected(client.list_distribution_configurations, filters=[{"name": "name", "values": ["a", "w*b"]}])
    assert_invalid(error, "filters[0].values[1]", "The wildcard '*' is supported only at the end of a name "
                   "filter value (web*) or at both ends (*web*).")


# -- delete -----------------------------------------------------------------------------------
def test_delete_then_not_found(client):
    arn = make(client)
    assert client.delete_distribution_configuration(distributionConfigurationArn=arn)[
        "distributionConfigurationArn"] == arn
    for call in (lambda: fetch(client, arn),
                 lambda: client.delete_distribution_configuration(distributionConfigurationArn=arn)):
        with pytest.raises(ClientError) as info:
            call()
        assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_delete_refused_while_a_pipeline_refers_to_it(client):
    arn = make(client)
    recipe = client.create_image_recipe(
        name=unique("recipe"), semanticVersion="1.0.0",
        parentImage="arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2-x86/x.x.x",
        components=[{"componentArn": "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x"}],
    )["imageRecipeArn"]
    infrastructure = client.create_infrastructure_configuration(
        name=unique("infra"), instanceProfileName="profile")["infrastructureConfigurationArn"]
    pipeline = client.create_image_pipeline(
        name=unique("pipe"), imageRecipeArn=recipe, infrastructureConfigurationArn=infrastructure,
        distributionConfigurationArn=arn)["imagePipelineArn"]
    error = rejected(client.delete_distribution_configuration, distributionConfigurationArn=arn)
    assert error["Code"] == "ResourceDependencyException"
    assert error["Message"] == (
        f"Resource dependency error: The resource ARN '{arn}' has other resources depended on it.")
    client.delete_image_pipeline(imagePipelineArn=pipeline)
    client.delete_distribution_configuration(distributionConfigurationArn=arn)


# -- idempotency and dry run ------------------------------------------------------------------
def test_client_token_replays_create_and_refuses_different_parameters(client):
    token = uuid.uuid4().hex
    params = {"name": unique("idem"), "distributions": [ami()], "clientToken": token}
    first = client.create_distribution_configuration(**params)
    again = client.create_distribution_configuration(**params)
    assert again["distributionConfigurationArn"] == first["distributionConfigurationArn"]
    assert again["clientToken"] == token
    error = rejected(client.create_distribution_configuration, **{**params, "description": "changed"})
    assert error["Code"] == "IdempotentParameterMismatchException"


def test_dry_run_validates_without_creating(client):
    name = unique("dry")
    with pytest.raises(ClientError) as info:
        client.create_distribution_configuration(name=name, distributions=[ami()], dryRun=True)
    assert info.value.response["Error"]["Code"] == "DryRunOperationException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    error = rejected(client.create_distribution_configuration, name=name, distributions=[], dryRun=True)
    assert error["Code"] == "InvalidParameterValueException"
    assert client.list_distribution_configurations()["distributionConfigurationSummaryList"] == []


def test_accounts_are_isolated(server):
    first, second = server.client(), server.client()
    arn = make(first)
    with pytest.raises(ClientError):
        fetch(second, arn)
    assert second.list_distribution_configurations()["distributionConfigurationSummaryList"] == []
