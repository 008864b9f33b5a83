"""Distribution configurations: Create/Get/List/Update/Delete.

Beyond the model's generic constraints, AWS checks a configuration's meaning: at least one
distribution, each Region at most once, every distribution with at least one output, AMI names
that stay unique per build, and the few values the model documents as the only ones allowed.
"""
from __future__ import annotations

import re
from typing import Any

from ..domain.arn import name_to_id
from ..protocol.errors import invalid_parameter
from ..protocol.generated import (
    AmiDistributionConfiguration,
    ContainerDistributionConfiguration,
    CreateDistributionConfigurationRequest,
    CreateDistributionConfigurationResponse,
    DeleteDistributionConfigurationRequest,
    DeleteDistributionConfigurationResponse,
    Distribution,
    DistributionConfiguration,
    DistributionConfigurationSummary,
    GetDistributionConfigurationRequest,
    GetDistributionConfigurationResponse,
    ListDistributionConfigurationsRequest,
    ListDistributionConfigurationsResponse,
    UpdateDistributionConfigurationRequest,
    UpdateDistributionConfigurationResponse,
)
from ..service.context import Context
from ..store.repository import Resource
from .common import (
    delete_owned,
    document_field,
    filter_predicate,
    get_owned,
    insert_new,
    own_scan,
    project,
    shaped,
)
from .pagination import paginate
from .registry import operation

KIND = "distribution-configuration"
# Required in the output but documented as unused and not settable; AWS reports its maximum.
TIMEOUT_MINUTES = 720
FILTERS = {"name": document_field("name")}
# What a distribution can deliver in its Region; a Region without any of them is refused (seen).
OUTPUT_MEMBERS = (
    "amiDistributionConfiguration", "containerDistributionConfiguration", "licenseConfigurationArns",
    "launchTemplateConfigurations", "s3ExportConfiguration", "fastLaunchConfigurations",
    "ssmParameterConfigurations")
BUILD_DATE_TAG = re.compile(r"\{\{\s*imagebuilder:buildDate\s*\}\}")
PUBLIC_USER_GROUP = "all"  # the model: "The only supported value is all"
# The first path segment of a repository URI rather than a repository name (ECR and ECR Public).
REGISTRY_HOST = re.compile(
    r"^(?:[0-9]{12}\.dkr\.ecr(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?|public\.ecr\.aws)$")
KEPT_ON_UPDATE = ("arn", "name", "dateCreated", "tags", "timeoutMinutes")


# -- semantic checks --------------------------------------------------------------------------
def validate_distributions(distributions: list[Distribution]) -> None:
    if not distributions:
        raise invalid_parameter("distributions", "'distributions' must contain at least 1 items.")
    first_index_of_region: dict[str, int] = {}
    for index, distribution in enumerate(distributions):
        path = f"distributions[{index}]"
        region = distribution["region"]
        if region in first_index_of_region:
            raise invalid_parameter(
                f"{path}.region",
                f"The Region '{region}' is already configured in distributions[{first_index_of_region[region]}]. "
                "A Region can appear at most once in the list.")
        first_index_of_region[region] = index
        _validate_distribution(distribution, path)


def _validate_distribution(distribution: Distribution, path: str) -> None:
    if not any(distribution.get(member) is not None for member in OUTPUT_MEMBERS):
        raise invalid_parameter(
            path, "One or more outputs should be provided for each region in a distribution configuration.")
    ami = distribution.get("amiDistributionConfiguration")
    if ami is not None:
        _validate_ami(ami, f"{path}.amiDistributionConfiguration")
    container = distribution.get("containerDistributionConfiguration")
    if container is not None:
        _validate_container(container, f"{path}.containerDistributionConfiguration")


def _validate_ami(ami: AmiDistributionConfiguration, path: str) -> None:
    name = ami.get("name")
    # Every build writes an AMI of this name; without the build date the second build collides.
    if name is not None and not BUILD_DATE_TAG.search(name):
        raise invalid_parameter(
            f"{path}.name",
            "The EC2 AMI name must contain '{{ imagebuilder:buildDate }}' to ensure that the name will be unique.")
    for group in (ami.get("launchPermission") or {}).get("userGroups") or []:
        if group != PUBLIC_USER_GROUP:
            raise invalid_parameter(
                f"{path}.launchPermission.userGroups",
                f"The user group '{group}' is not supported. The only supported value is '{PUBLIC_USER_GROUP}'.")


def _validate_container(container: ContainerDistributionConfiguration, path: str) -> None:
    repository = container["targetRepository"]["repositoryName"]
    host = repository.split("/", 1)[0]
    if REGISTRY_HOST.match(host):
        raise invalid_parameter(
            f"{path}.targetRepository.repositoryName",
            f"Provide the repository name only, without the registry hostname '{host}'.")


# -- name filter ------------------------------------------------------------------------------
def _summary(resource: Resource) -> DistributionConfigurationSummary:
    summary = project(resource.document, DistributionConfigurationSummary)
    summary["regions"] = [distribution["region"] for distribution in resource.document.get("distributions", [])]
    return summary


# -- operations -------------------------------------------------------------------------------
@operation("CreateDistributionConfiguration")
def create(ctx: Context, params: CreateDistributionConfigurationRequest) -> CreateDistributionConfigurationResponse:
    validate_distributions(params["distributions"])
    name_id = name_to_id(params["name"])
    arn = str(ctx.arn(KIND, name_id))
    now = ctx.now()
    document = {**project(params, DistributionConfiguration), "arn": arn, "timeoutMinutes": TIMEOUT_MINUTES, "dateCreated": now,
                "tags": params.get("tags") or {}}
    insert_new(ctx, Resource(KIND, arn, name_id, document, now))
    return {"distributionConfigurationArn": arn}


@operation("GetDistributionConfiguration")
def get(ctx: Context, params: GetDistributionConfigurationRequest) -> GetDistributionConfigurationResponse:
    resource = get_owned(ctx, params["distributionConfigurationArn"])
    return {"distributionConfiguration": shaped(resource.document, DistributionConfiguration)}


@operation("UpdateDistributionConfiguration")
def update(ctx: Context, params: UpdateDistributionConfigurationRequest) -> UpdateDistributionConfigurationResponse:
    resource = get_owned(ctx, params["distributionConfigurationArn"], for_update=True)
    validate_distributions(params["distributions"])
    kept: dict[str, Any] = {key: resource.document[key] for key in KEPT_ON_UPDATE if key in resource.document}
    # Update replaces the configuration: an omitted description is removed (documented).
    document = {**project(params, DistributionConfiguration), **kept, "dateUpdated": ctx.now()}
    ctx.repo.replace_document(resource.arn, document)
    return {"distributionConfigurationArn": resource.arn}


@operation("DeleteDistributionConfiguration")
def delete(ctx: Context, params: DeleteDistributionConfigurationRequest) -> DeleteDistributionConfigurationResponse:
    return {"distributionConfigurationArn": delete_owned(ctx, params["distributionConfigurationArn"])}


@operation("ListDistributionConfigurations")
def list_(ctx: Context, params: ListDistributionConfigurationsRequest) -> ListDistributionConfigurationsResponse:
    page, token = paginate(ctx, params, own_scan(ctx, KIND, params),
                           filter_predicate(params, FILTERS))
    return {"distributionConfigurationSummaryList": [_summary(resource) for resource in page],
            "nextToken": token}
