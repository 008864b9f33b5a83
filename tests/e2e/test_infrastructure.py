"""Infrastructure configurations through boto3 against a real `oib serve`."""
import pytest
from botocore.exceptions import ClientError

from tests.conftest import unique


def make(client, **overrides):
    params = {"name": unique("infra"), "instanceProfileName": "profile", **overrides}
    return client.create_infrastructure_configuration(**params)["infrastructureConfigurationArn"]


def test_create_get_defaults_and_arn_from_name(client):
    arn = make(client, name="My Infra_Config 1")
    assert arn.split(":")[5] == "infrastructure-configuration/my-infra-config-1"
    got = client.get_infrastructure_configuration(infrastructureConfigurationArn=arn)["infrastructureConfiguration"]
    assert got["name"] == "My Infra_Config 1"
    assert got["terminateInstanceOnFailure"] is True
    assert got["tags"] == {}
    assert "description" not in got and "dateUpdated" not in got


def test_names_equal_after_normalization_collide(client):
    make(client, name="Same Name")
    with pytest.raises(ClientError) as info:
        make(client, name="same_name")
    assert info.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"
    assert "The following resource 'InfrastructureConfiguration' already exists" in str(info.value)


def test_update_replaces_configuration(client):
    arn = make(client, description="first", terminateInstanceOnFailure=False)
    client.update_infrastructure_configuration(infrastructureConfigurationArn=arn, instanceProfileName="other")
    got = client.get_infrastructure_configuration(infrastructureConfigurationArn=arn)["infrastructureConfiguration"]
    assert got["instanceProfileName"] == "other"
    assert "description" not in got
    assert got["terminateInstanceOnFailure"] is True
    assert got["dateUpdated"] >= got["dateCreated"]


def test_delete_then_not_found(client):
    arn = make(client)
    client.delete_infrastructure_configuration(infrastructureConfigurationArn=arn)
    with pytest.raises(ClientError) as info:
        client.get_infrastructure_configuration(infrastructureConfigurationArn=arn)
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_list_paginates_and_filters(client):
    names = sorted(unique("page") for _ in range(7))
    for name in names:
        make(client, name=name)
    pages = list(client.get_paginator("list_infrastructure_configurations").paginate(PaginationConfig={"PageSize": 3}))
    assert [len(p["infrastructureConfigurationSummaryList"]) for p in pages] == [3, 3, 1]
    listed = [s["name"] for p in pages for s in p["infrastructureConfigurationSummaryList"]]
    assert listed == names
    filtered = client.list_infrastructure_configurations(filters=[{"name": "name", "values": [names[2]]}])
    assert [s["name"] for s in filtered["infrastructureConfigurationSummaryList"]] == [names[2]]


def test_a_page_exactly_full_has_no_next_token(server):
    # Decided (docs/behaviour.md): the store reads one row past the page, so a page that holds
    # exactly the last items ends the listing instead of leading to an empty page.
    client = server.client()  # a fresh account: the listing holds only these
    names = sorted(unique("full") for _ in range(4))
    for name in names:
        make(client, name=name)
    full = client.list_infrastructure_configurations(maxResults=4)
    assert [s["name"] for s in full["infrastructureConfigurationSummaryList"]] == names
    assert "nextToken" not in full
    first = client.list_infrastructure_configurations(maxResults=2)
    second = client.list_infrastructure_configurations(maxResults=2, nextToken=first["nextToken"])
    assert [s["name"] for s in second["infrastructureConfigurationSummaryList"]] == names[2:]
    assert "nextToken" not in second
    more = client.list_infrastructure_configurations(maxResults=5)
    assert len(more["infrastructureConfigurationSummaryList"]) == 4 and "nextToken" not in more


def test_accounts_are_isolated(server):
    first, second = server.client(), server.client()
    arn = make(first)
    with pytest.raises(ClientError):
        second.get_infrastructure_configuration(infrastructureConfigurationArn=arn)
    assert second.list_infrastructure_configurations()["infrastructureConfigurationSummaryList"] == []
