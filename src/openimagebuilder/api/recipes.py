"""Image recipes and container recipes: Create/Get/List/Delete.

Both families are immutable and versioned by `semanticVersion` (ARN `<kind>/<name-id>/<X.Y.Z>`,
no build number). A recipe refers to components and, optionally, to an Image Builder image as its
parent; each reference must resolve when the recipe is created, is stored as the user wrote it
(wildcards included, as AWS does) and is recorded so the referenced resource cannot be deleted
under the recipe. The logic the two families share lives in the small helpers below; what
differs (parent image forms, container-only members) has its own functions.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, cast

from ..domain.arn import AWS_OWNER, Arn, name_to_id, parse_arn
from ..domain.semver import Version, sort_key
from ..protocol.errors import ServiceError, invalid_parameter
from ..protocol.generated import (
    ComponentConfiguration,
    ComponentParameter,
    ComponentStatus,
    ContainerRecipe,
    ContainerRecipeSummary,
    CreateContainerRecipeRequest,
    CreateContainerRecipeResponse,
    CreateImageRecipeRequest,
    CreateImageRecipeResponse,
    DeleteContainerRecipeRequest,
    DeleteContainerRecipeResponse,
    DeleteImageRecipeRequest,
    DeleteImageRecipeResponse,
    GetContainerRecipeRequest,
    GetContainerRecipeResponse,
    GetImageRecipeRequest,
    GetImageRecipeResponse,
    ImageRecipe,
    ImageRecipeSummary,
    ImageType,
    InvalidParameterCombinationException,
    InvalidRequestException,
    ListContainerRecipesRequest,
    ListContainerRecipesResponse,
    ListImageRecipesRequest,
    ListImageRecipesResponse,
    Ownership,
    Platform,
    ServiceQuotaExceededException,
    TargetContainerRepository,
)
from ..service.context import Context
from ..service.parent_images import resolve_parent_image
from ..store.repository import Resource
from .common import (
    SHARED,
    FilterFields,
    delete_owned,
    document_field,
    filter_predicate,
    find,
    indexed_filters,
    insert_new,
    latest_version_references,
    narrowing,
    new_semantic_version,
    project,
    resolve,
)
from .common import scan as scan_resources
from .pagination import paginate
from .registry import operation

DEFAULT_PLATFORM = Platform.LINUX
MAX_COMPONENTS = 20  # AWS's default quota of build and test components per recipe
INACTIVE_COMPONENT_STATES = frozenset({ComponentStatus.DEPRECATED, ComponentStatus.DISABLED})
CONTAINER_PLATFORMS = frozenset({Platform.LINUX, Platform.WINDOWS})

_AMI_ID = re.compile(r"^ami-(?:[0-9a-f]{8}|[0-9a-f]{17})$")
_MARKETPLACE_PRODUCT = re.compile(r"^prod-[a-z0-9]+$")
# A container image reference as Docker reads it: [registry/]path[:tag][@digest].
_CONTAINER_IMAGE = re.compile(
    r"^(?:(?P<registry>(?:localhost|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(?::[0-9]+)?|[A-Za-z0-9-]+:[0-9]+)/)?"
    r"(?P<path>[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$")
_ECR_REGISTRY = re.compile(r"^[0-9]{12}\.dkr\.ecr(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?$")
_ECR_PUBLIC_REGISTRY = "public.ecr.aws"
_ECR_REPOSITORY_NAME = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")


@dataclass(frozen=True)
class Family:
    """What distinguishes image recipes from container recipes on the wire. The helpers shared by
    both families build responses under these member names, so each operation casts the result to
    its response type."""
    kind: str            # ARN resource type
    shape: type[Mapping[str, Any]]  # the Get output's resource shape
    summary_shape: type[Mapping[str, Any]]
    arn_member: str      # request/response member holding the recipe ARN
    get_member: str      # Get output member holding the recipe
    list_member: str
    filters: FilterFields
    list_owners: frozenset[str]  # `owner` values the List operation accepts


IMAGE = Family(
    kind="image-recipe", shape=ImageRecipe, summary_shape=ImageRecipeSummary,
    arn_member="imageRecipeArn", get_member="imageRecipe", list_member="imageRecipeSummaryList",
    filters=MappingProxyType({"name": document_field("name"),
                              **indexed_filters("image-recipe", "parentImage", "platform")}),
    list_owners=frozenset(Ownership))
CONTAINER = Family(
    kind="container-recipe", shape=ContainerRecipe, summary_shape=ContainerRecipeSummary,
    arn_member="containerRecipeArn", get_member="containerRecipe", list_member="containerRecipeSummaryList",
    filters=MappingProxyType({"name": document_field("name"),
                              **indexed_filters("container-recipe", "containerType", "parentImage", "platform")}),
    # Documented: "For container recipes, the valid owner values are Self, Shared, and Amazon."
    list_owners=frozenset({Ownership.SELF, Ownership.SHARED, Ownership.AMAZON}))


@dataclass(frozen=True)
class Parent:
    """What a recipe learns from its parent image."""
    platform: str | None    # None when the parent cannot tell (AMI id, SSM parameter, Marketplace product)
    os_version: str | None  # for the components' supportedOsVersions prefix match
    reference: Arn | None   # an Image Builder image the recipe depends on


@dataclass(frozen=True)
class ResolvedComponent:
    given: str       # the componentArn as the user wrote it
    arn: Arn         # parsed, as given: what the reference records
    resource: Resource


def _invalid_combination(path: str, detail: str) -> ServiceError:
    # AWS uses the invalid-parameter wording with this code when parameters contradict each other (seen).
    return InvalidParameterCombinationException(
        f"The value supplied for parameter '{path}' is not valid. {detail}")


# -- shared by both families ---------------------------------------------------------------------
def _new_arn(ctx: Context, family: Family, params: Mapping[str, Any]) -> tuple[str, str, Version]:
    """The ARN a Create gives the recipe (the insert refuses one that exists already)."""
    version = new_semantic_version(params["semanticVersion"])
    name_id = name_to_id(params["name"])
    return str(ctx.arn(family.kind, name_id, str(version))), name_id, version


def _image_parent(ctx: Context, text: str, image_type: str) -> tuple[Resource, Parent]:
    """An Image Builder image used as a parent: it must resolve, be usable, and be of the right type."""
    parsed = parse_arn(text)
    if parsed is None or parsed.resource_type != "image":
        raise invalid_parameter("parentImage", f"The ARN '{text}' is not an Image Builder image ARN.")
    image, arn = resolve_parent_image(ctx, text, "parentImage")
    found_type = image.document.get("type")
    if found_type is not None and found_type != image_type:
        wanted = "an AMI" if image_type == ImageType.AMI else "a container"
        raise invalid_parameter("parentImage", f"The image '{image.arn}' is not {wanted} image.")
    return image, Parent(image.document.get("platform"), image.document.get("osVersion"), arn)


def _resolve_components(ctx: Context, items: list[ComponentConfiguration]) -> list[ResolvedComponent]:
    if len(items) > MAX_COMPONENTS:
        raise ServiceQuotaExceededException(
            f"A recipe can contain at most {MAX_COMPONENTS} build and test components; {len(items)} were given.")
    resolved: list[ResolvedComponent] = []
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(items):
        path = f"components[{index}]"
        component, arn = resolve(ctx, item["componentArn"], f"{path}.componentArn")
        if (arn.owner, arn.resource_id) in seen:
            raise invalid_parameter(f"{path}.componentArn",
                                    f"The component '{arn.resource_id}' is included more than once. "
                                    "You can specify each component only one time in a recipe.")
        seen.add((arn.owner, arn.resource_id))
        status = (component.document.get("state") or {}).get("status")
        if status in INACTIVE_COMPONENT_STATES:
            raise invalid_parameter(f"{path}.componentArn",
                                    f"The component '{component.arn}' is {status} and can't be added to new recipes.")
        _check_component_parameters(component, item.get("parameters") or [], path)
        resolved.append(ResolvedComponent(item["componentArn"], arn, component))
    return resolved


def _check_component_parameters(component: Resource, given: list[ComponentParameter], path: str) -> None:
    declared = {parameter["name"]: parameter for parameter in component.document.get("parameters") or []}
    names: list[str] = []
    for index, parameter in enumerate(given):
        name = parameter["name"]
        if name in names:
            raise invalid_parameter(f"{path}.parameters[{index}].name",
                                    f"The parameter '{name}' is given more than once.")
        names.append(name)
    undeclared = [name for name in names if name not in declared]
    if undeclared:  # wording and code seen on AWS
        raise _invalid_combination(f"{path}.parameters", "The following parameters are not defined in the "
                                   f"provided component: {', '.join(undeclared)}")
    missing = [name for name, detail in declared.items()
               if detail.get("defaultValue") is None and name not in names]
    if missing:
        raise _invalid_combination(f"{path}.parameters", "The following parameters have no default value in the "
                                   f"provided component and must be supplied: {', '.join(missing)}")
    for index, parameter in enumerate(given):
        # AWSTOE parameters are strings: one value each.
        if len(parameter["value"]) != 1:
            raise invalid_parameter(f"{path}.parameters[{index}].value",
                                    f"The parameter '{parameter['name']}' takes exactly one value.")


def _recipe_platform(parent: Parent, components: list[ResolvedComponent]) -> str:
    """The parent's platform; a parent that cannot tell (an AMI id, say) takes its components'."""
    if parent.platform is not None:
        return parent.platform
    platforms = sorted({c.resource.document["platform"] for c in components if c.resource.document.get("platform")})
    if len(platforms) > 1:
        raise invalid_parameter("components", f"The components are for different platforms: {', '.join(platforms)}.")
    return platforms[0] if platforms else DEFAULT_PLATFORM


def _check_compatible(components: list[ResolvedComponent], platform: str, os_version: str | None) -> None:
    for component in components:
        document = component.resource.document
        if document.get("platform") and document["platform"] != platform:
            raise invalid_parameter("components", f"Component ARN '{component.given}' is for platform "
                                    f"{document['platform']}, which does not match the {platform} parent image.")
        supported = document.get("supportedOsVersions") or []
        # Documented: a prefix match against the base image's OS version, when that is known.
        if os_version and supported and not any(os_version.startswith(prefix) for prefix in supported):
            raise invalid_parameter("components", f"Component ARN '{component.given}' does not support the OS "
                                    f"version of the parent image ({os_version}). Supported OS versions: "
                                    f"{', '.join(supported)}.")


def _store(ctx: Context, family: Family, arn: str, name_id: str, version: Version, document: dict[str, Any],
           components: list[ResolvedComponent], parent: Parent) -> dict[str, Any]:
    """Inserts the recipe and records what it refers to, so that none of it is deleted under it."""
    resource = insert_new(ctx, Resource(family.kind, arn, name_id, document, document["dateCreated"],
                                        version=str(version), sort_key=sort_key(name_id, version)))
    ctx.repo.set_references(arn, [c.arn for c in components] + ([parent.reference] if parent.reference else []))
    return {family.arn_member: arn, "latestVersionReferences": latest_version_references(resource)}


def _base_document(ctx: Context, family: Family, params: Mapping[str, Any], arn: str, version: Version,
                   platform: str) -> dict[str, Any]:
    return {**project(params, family.shape), "arn": arn, "platform": platform, "owner": ctx.account_id,
            "version": str(version), "dateCreated": ctx.now(), "tags": params.get("tags") or {}}


def _get(ctx: Context, family: Family, params: Mapping[str, Any]) -> dict[str, Any]:
    resource = find(ctx, params[family.arn_member], family.arn_member)
    return {family.get_member: resource.document,
            "latestVersionReferences": latest_version_references(resource)}


def _delete(ctx: Context, family: Family, params: Mapping[str, Any]) -> dict[str, Any]:
    return {family.arn_member: delete_owned(ctx, params[family.arn_member])}


def _list(ctx: Context, family: Family, params: Mapping[str, Any],
          summarize: Callable[[dict[str, Any]], Mapping[str, Any]]) -> dict[str, Any]:
    owner = params.get("owner") or Ownership.SELF
    if owner not in family.list_owners:
        raise invalid_parameter("owner", f"The owner '{owner}' is not supported. Supported owners: "
                                f"[{', '.join(sorted(family.list_owners))}].")
    keep = filter_predicate(params, family.filters)
    if owner not in (Ownership.SELF, Ownership.AMAZON, Ownership.SHARED):
        return {family.list_member: []}  # nothing is sold to an account in this service
    scan_owner = {Ownership.AMAZON: AWS_OWNER, Ownership.SHARED: SHARED}.get(owner)
    narrowed = narrowing(family.kind, params)
    page, token = paginate(ctx, params, lambda after: scan_resources(ctx, family.kind, after, scan_owner, narrowed),
                           keep)
    return {family.list_member: [summarize(resource.document) for resource in page], "nextToken": token}


# -- image recipes -------------------------------------------------------------------------------
def _image_recipe_parent(ctx: Context, text: str) -> Parent:
    if text.startswith("arn:"):
        return _image_parent(ctx, text, ImageType.AMI)[1]
    if _AMI_ID.match(text) or (text.startswith("ssm:") and len(text) > len("ssm:")) or _MARKETPLACE_PRODUCT.match(text):
        # Stored as given: without EC2 there is nothing to look the image up in.
        return Parent(None, None, None)
    raise invalid_parameter("parentImage", "The parent image must be an AMI ID, an Image Builder image ARN, an SSM "
                            "parameter prefixed with 'ssm:', or an AWS Marketplace product ID.")


def _check_image_recipe_options(params: Mapping[str, Any], platform: str) -> None:
    agent = (params.get("additionalInstanceConfiguration") or {}).get("systemsManagerAgent")
    if agent is not None and platform == Platform.WINDOWS:  # documented: rejected for Windows base images
        raise invalid_parameter("additionalInstanceConfiguration.systemsManagerAgent",
                                "The Systems Manager agent settings apply to Linux and macOS build instances only.")
    watermarks = params.get("amiWatermarks") or []
    duplicates = sorted({name for name in watermarks if watermarks.count(name) > 1})
    if duplicates:  # documented: "The recipe does not allow duplicate names."
        raise invalid_parameter("amiWatermarks", f"The AMI watermark names must be unique: {', '.join(duplicates)}.")


@operation("CreateImageRecipe")
def create_image_recipe(ctx: Context, params: CreateImageRecipeRequest) -> CreateImageRecipeResponse:
    arn, name_id, version = _new_arn(ctx, IMAGE, params)
    parent = _image_recipe_parent(ctx, params["parentImage"])
    components = _resolve_components(ctx, params.get("components") or [])
    platform = _recipe_platform(parent, components)
    _check_compatible(components, platform, parent.os_version)
    _check_image_recipe_options(params, platform)
    return cast(CreateImageRecipeResponse, _store(
        ctx, IMAGE, arn, name_id, version, _base_document(ctx, IMAGE, params, arn, version, platform), components,
        parent))


@operation("GetImageRecipe")
def get_image_recipe(ctx: Context, params: GetImageRecipeRequest) -> GetImageRecipeResponse:
    return cast(GetImageRecipeResponse, _get(ctx, IMAGE, params))


@operation("ListImageRecipes")
def list_image_recipes(ctx: Context, params: ListImageRecipesRequest) -> ListImageRecipesResponse:
    return cast(ListImageRecipesResponse, _list(ctx, IMAGE, params, lambda document: project(document, ImageRecipeSummary)))


@operation("DeleteImageRecipe")
def delete_image_recipe(ctx: Context, params: DeleteImageRecipeRequest) -> DeleteImageRecipeResponse:
    return cast(DeleteImageRecipeResponse, _delete(ctx, IMAGE, params))


# -- container recipes ---------------------------------------------------------------------------
def _container_recipe_parent(ctx: Context, params: Mapping[str, Any]) -> Parent:
    text = params["parentImage"]
    override, os_override = params.get("platformOverride"), params.get("imageOsVersionOverride")
    if override is not None and override not in CONTAINER_PLATFORMS:
        raise invalid_parameter("platformOverride", "Container recipes support only the Linux and Windows platforms.")
    if text.startswith("arn:"):
        image, parent = _image_parent(ctx, text, ImageType.DOCKER)
        # Documented: the overrides describe registry images; an Image Builder image brings its own.
        for member, value in (("platformOverride", override), ("imageOsVersionOverride", os_override)):
            if value is not None:
                raise _invalid_combination(member, f"{member} applies only to a parent image from a container "
                                           "registry; the Image Builder image provides its own.")
        if parent.platform is not None and parent.platform not in CONTAINER_PLATFORMS:
            raise invalid_parameter("parentImage", f"The image '{image.arn}' is for {parent.platform}; container "
                                    "recipes support only the Linux and Windows platforms.")
        return parent
    match = _CONTAINER_IMAGE.match(text)
    if match is None:
        raise invalid_parameter("parentImage", "The parent image must be an Image Builder image ARN or a container "
                                "image URI, for example amazonlinux:latest.")
    registry = match["registry"] or ""
    if override is None and registry == _ECR_PUBLIC_REGISTRY:  # seen on AWS
        raise _invalid_combination("parentImage", "You must specify a platform override when using ECR Public "
                                   "Repositories as your parent image.")
    if override is None and _ECR_REGISTRY.match(registry):
        raise _invalid_combination("parentImage", "You must specify a platform override when using ECR "
                                   "Repositories as your parent image.")
    platform = override or DEFAULT_PLATFORM
    if platform == Platform.WINDOWS and os_override is None:  # seen on AWS
        raise _invalid_combination("parentImage", "You must specify an image OsVersion override when using ECR "
                                   "Repositories as your parent image for Windows Platform.")
    return Parent(platform, os_override, None)


def _dockerfile_template(ctx: Context, params: Mapping[str, Any]) -> str:
    """The template: dockerfileTemplateData, or the content of the S3 object dockerfileTemplateUri
    names, which AWS reads once at creation and keeps in the recipe (read before the transaction,
    service/s3_inputs.py)."""
    has_data = params.get("dockerfileTemplateData") is not None
    has_uri = params.get("dockerfileTemplateUri") is not None
    if has_data == has_uri:
        raise InvalidRequestException(
            "You must specify exactly one of dockerfileTemplateData or dockerfileTemplateUri.")
    if has_uri:
        return ctx.inputs.text(params["dockerfileTemplateUri"], "dockerfileTemplateUri",
                               "dockerfileTemplateData")
    return str(params["dockerfileTemplateData"])


def _check_target_repository(repository: TargetContainerRepository) -> None:
    name = repository["repositoryName"]
    first, _, rest = name.partition("/")
    # Documented: the repository name only, never the registry host (Docker's rule for spotting one).
    if rest and ("." in first or ":" in first or first == "localhost"):
        raise invalid_parameter("targetRepository.repositoryName",
                                f"Provide the repository name only, without the registry hostname '{first}'.")
    if not 2 <= len(name) <= 256 or not _ECR_REPOSITORY_NAME.match(name):
        raise invalid_parameter("targetRepository.repositoryName", f"'{name}' is not a valid Amazon ECR repository "
                                "name: lower-case letters, digits and . _ - / separators, 2 to 256 characters.")


def _check_instance_image(params: Mapping[str, Any]) -> None:
    image = (params.get("instanceConfiguration") or {}).get("image")
    if image is not None and not (_AMI_ID.match(image) or (image.startswith("ssm:") and len(image) > len("ssm:"))):
        raise invalid_parameter("instanceConfiguration.image",
                                "The instance image must be an AMI ID or an SSM parameter prefixed with 'ssm:'.")


def _container_summary(document: dict[str, Any]) -> ContainerRecipeSummary:
    summary = project(document, ContainerRecipeSummary)
    instance_image = (document.get("instanceConfiguration") or {}).get("image")
    if instance_image is not None:
        summary["instanceImage"] = instance_image
    return summary


@operation("CreateContainerRecipe")
def create_container_recipe(ctx: Context, params: CreateContainerRecipeRequest) -> CreateContainerRecipeResponse:
    arn, name_id, version = _new_arn(ctx, CONTAINER, params)
    template = _dockerfile_template(ctx, params)
    _check_target_repository(params["targetRepository"])
    _check_instance_image(params)
    parent = _container_recipe_parent(ctx, params)
    components = _resolve_components(ctx, params.get("components") or [])
    platform = _recipe_platform(parent, components)
    _check_compatible(components, platform, parent.os_version)
    document = {**_base_document(ctx, CONTAINER, params, arn, version, platform),
                "dockerfileTemplateData": template,
                "encrypted": True}  # documented: template data is always encrypted at rest
    if params.get("imageOsVersionOverride") is not None:
        # Not returned by Get, but builds need it to pick compatible components and workflows.
        document["imageOsVersionOverride"] = params["imageOsVersionOverride"]
    return cast(CreateContainerRecipeResponse, _store(ctx, CONTAINER, arn, name_id, version, document, components,
                                                      parent))


@operation("GetContainerRecipe")
def get_container_recipe(ctx: Context, params: GetContainerRecipeRequest) -> GetContainerRecipeResponse:
    return cast(GetContainerRecipeResponse, _get(ctx, CONTAINER, params))


@operation("ListContainerRecipes")
def list_container_recipes(ctx: Context, params: ListContainerRecipesRequest) -> ListContainerRecipesResponse:
    return cast(ListContainerRecipesResponse, _list(ctx, CONTAINER, params, _container_summary))


@operation("DeleteContainerRecipe")
def delete_container_recipe(ctx: Context, params: DeleteContainerRecipeRequest) -> DeleteContainerRecipeResponse:
    return cast(DeleteContainerRecipeResponse, _delete(ctx, CONTAINER, params))
