"""Semantics shared by every resource family: lookups, references, filters, AWS's messages."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, TypeVar, cast

from ..domain.arn import parse_arn
from ..domain.filter_values import FILTERED_FIELDS, ScanNarrowing, texts, value_condition
from ..domain.name_filter import name_id_patterns
from ..domain.semver import Version, parse_version, parse_version_filter
from ..protocol.errors import ServiceError, invalid_parameter
from ..protocol.generated import (
    InvalidVersionNumberException,
    LatestVersionReferences,
    ResourceAlreadyExistsException,
    ResourceDependencyException,
)
from ..service.context import Context
from ..service.resources import (  # noqa: F401 - the handlers' lookups
    SHARED,
    UNBUILT_VERSIONED_TYPES,
    find,
    matching_builds,
    not_found,
    resolve,
    scan,
    visible,
)
from ..store.repository import Resource, ResourceExists

# The type word AWS uses in "already exists" messages, by ARN resource type.
RESOURCE_LABELS = {
    "component": "Component",
    "image-recipe": "ImageRecipe",
    "container-recipe": "ContainerRecipe",
    "infrastructure-configuration": "InfrastructureConfiguration",
    "distribution-configuration": "DistributionConfiguration",
    "image-pipeline": "ImagePipeline",
    "image": "Image",
    "workflow": "Workflow",
    "lifecycle-policy": "LifecyclePolicy",
}


def already_exists(resource_type: str, arn: str) -> ServiceError:
    return ResourceAlreadyExistsException(
        f"The following resource '{RESOURCE_LABELS[resource_type]}' already exists: '{arn}'.")


def insert_new(ctx: Context, resource: Resource) -> Resource:
    """Stores a resource a Create makes; ResourceAlreadyExistsException if its ARN is taken (the
    store's unique ARN decides, also between concurrent creates)."""
    try:
        return ctx.repo.insert(resource)
    except ResourceExists:
        raise already_exists(resource.kind, resource.arn) from None


def in_use(arn: str) -> ServiceError:
    return ResourceDependencyException(
        f"Resource dependency error: The resource ARN '{arn}' has other resources depended on it.")


def get_owned(ctx: Context, arn: str, for_update: bool = False) -> Resource:
    """A resource of the caller's own, for Get/Update/Delete by exact ARN; `for_update` when the
    handler rewrites its document."""
    resource = ctx.repo.get(arn, for_update=for_update)
    if resource is None:
        raise not_found(arn)
    return resource


def new_semantic_version(text: str) -> Version:
    """The exact version of a new component, recipe or workflow. The model's pattern admits
    wildcards on some of these shapes (it is shared with lookups); a new resource takes X.Y.Z."""
    if _EXACT_VERSION_TEXT.match(text) is None:
        raise invalid_parameter("semanticVersion", r"semanticVersion must match pattern ^[0-9]+\.[0-9]+\.[0-9]+$")
    version = parse_version(text)
    if version is None:
        raise InvalidVersionNumberException(
            f"The semantic version '{text}' is not valid. Each of major, minor and patch must be an "
            "integer from 0 to 1073741823 of at most 10 digits.")
    return version


_EXACT_VERSION_TEXT = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+$")


def delete_owned(ctx: Context, arn_text: str) -> str:
    """Delete by exact ARN: one of the caller's own resources that no reference still needs. The row
    is locked first, so a write that is adding a reference to it finishes before the check."""
    resource = get_owned(ctx, arn_text, for_update=True)
    check_deletable(ctx, resource)
    ctx.repo.delete(resource.arn)
    return resource.arn


def check_deletable(ctx: Context, resource: Resource) -> None:
    """Refuses a delete that would leave another resource's reference with nothing to resolve to."""
    references = ctx.repo.references_to(resource.kind, resource.name_id, resource.subtype)
    if not references:
        return
    others = [(parse_version(r.version), r.build) for r in
              ctx.repo.versions(resource.kind, resource.name_id, resource.subtype, for_share=True)
              if r.arn != resource.arn] if resource.version else []  # locked: another delete cannot take them
    for reference in references:
        target = reference.target
        if not resource.version:
            raise in_use(resource.arn)
        wanted = parse_version_filter(target.version or "x.x.x")
        if wanted is None:
            continue
        still_resolves = any(
            version is not None and wanted.matches(version) and (target.build is None or build == target.build)
            for version, build in others)
        mine = parse_version(resource.version)
        if mine is not None and wanted.matches(mine) and not still_resolves:
            raise in_use(resource.arn)


# -- filters ----------------------------------------------------------------------------------
FilterFields = Mapping[str, Callable[[Resource], Any]]
Cursor = tuple[str, int] | None  # a scan's position: after (sort key, id)
# A filter value and its path in the request → the test it puts to a resource's value (as text).
# It raises InvalidParameterValueException for a value it cannot take.
Matcher = Callable[[str, str], Callable[[str], bool]]


def narrowing(kind: str, params: Mapping[str, Any]) -> ScanNarrowing:
    """What the request's filters let the store skip: the `name` filter on the resource id
    (domain/name_filter.py), the others on the values the store keeps for the kind
    (domain/filter_values.py). The filter predicate still decides; a filter or value it refuses
    narrows nothing here (the request fails on it anyway)."""
    names = None
    conditions = []
    fields = FILTERED_FIELDS.get(kind, {})
    for item in params.get("filters") or []:
        name, values = item.get("name"), [str(value) for value in item.get("values") or []]
        if name == "name":
            names = name_id_patterns(values)
        elif name in fields and (condition := value_condition(name, values)) is not None:
            conditions.append(condition)
    return ScanNarrowing(names, tuple(conditions))


def own_scan(ctx: Context, kind: str, params: Mapping[str, Any]) -> Callable[[Cursor], Iterator[Resource]]:
    """A List's scan of the caller's own resources of a kind, after a cursor, narrowed in the store
    by the request's filters."""
    narrowed = narrowing(kind, params)
    return lambda after: ctx.repo.scan(kind, after, narrowing=narrowed)


def indexed_filters(kind: str, *names: str) -> FilterFields:
    """Filters that read what the store keeps for the kind's narrowing (domain/filter_values.py),
    so that both read the same values."""
    fields = FILTERED_FIELDS[kind]
    return {name: _reading_document(fields[name]) for name in names}


def _reading_document(read: Callable[[Mapping[str, Any]], Any]) -> Callable[[Resource], Any]:
    return lambda resource: read(resource.document)


def filter_predicate(params: Mapping[str, Any], fields: FilterFields,
                     matchers: Mapping[str, Matcher] = MappingProxyType({})) -> Callable[[Resource], bool]:
    """`filters` as the List operations take them: every filter must match (AND); a filter
    matches when the resource's value matches any of its values (OR), and a field whose value is
    a list matches when any element does. Values compare as text; the model's Filter shape
    documents wildcards for `name`: `web*` (begins with) and `*web*` (contains). `matchers` gives
    other fields their own rules."""
    clauses: list[tuple[Callable[[Resource], Any], list[Callable[[str], bool]]]] = []
    for index, item in enumerate(params.get("filters") or []):
        name = item.get("name")
        if name not in fields:
            allowed = ", ".join(sorted(fields))
            raise invalid_parameter(f"filters[{index}].name",
                                    f"The filter name '{name}' is not supported. Supported filters: [{allowed}].")
        matcher = matchers.get(name) or (_wildcard_matcher if name == "name" else _equals)
        clauses.append((fields[name], [matcher(str(value), f"filters[{index}].values[{position}]")
                                       for position, value in enumerate(item.get("values") or [])]))

    def keep(resource: Resource) -> bool:
        return all(any(test(text) for text in texts(field(resource)) for test in tests) for field, tests in clauses)
    return keep


def _equals(value: str, path: str) -> Callable[[str], bool]:
    return lambda text: text == value


def _wildcard_matcher(value: str, path: str) -> Callable[[str], bool]:
    inner = value[1:-1] if len(value) >= 2 and value.startswith("*") and value.endswith("*") else None
    if inner is not None and "*" not in inner:
        return lambda name: inner in name
    if value.endswith("*") and "*" not in value[:-1]:
        prefix = value[:-1]
        return lambda name: name.startswith(prefix)
    if "*" in value:
        raise invalid_parameter(
            path, "The wildcard '*' is supported only at the end of a name filter value (web*) "
                  "or at both ends (*web*).")
    return lambda name: name == value


def document_field(name: str) -> Callable[[Resource], Any]:
    return lambda resource: resource.document.get(name)


def version_arn_of(resource: Resource) -> str:
    """The build-version ARN without its build number."""
    arn = parse_arn(resource.arn)
    assert arn is not None
    return str(arn.version_arn()) if arn.build is not None else resource.arn


Shape = TypeVar("Shape", bound=Mapping[str, Any])  # a structure's TypedDict from protocol/generated.py


def project(values: Mapping[str, Any], shape: type[Shape]) -> Shape:
    """The entries of `values` that are members of a model shape (request → resource document,
    resource → summary), leaving out unset ones."""
    members = _members(shape)
    return cast(Shape, {key: value for key, value in values.items() if key in members and value is not None})


def shaped(document: Mapping[str, Any], shape: type[Shape]) -> Shape:
    """A stored document as the model shape it holds: documents are kept keyed by the shape's
    member names, so this only tells the type checker."""
    return cast(Shape, document)


def _members(shape: type) -> frozenset[str]:
    cached = _MEMBER_CACHE.get(shape)
    if cached is None:
        cached = _MEMBER_CACHE[shape] = frozenset(shape.__annotations__)
    return cached


_MEMBER_CACHE: dict[type, frozenset[str]] = {}  # immutable model facts, filled once per shape


def latest_version_references(resource: Resource) -> LatestVersionReferences | None:
    """LatestVersionReferences: "wildcard version ARNs that always reference the latest version of
    the resource" (documented) — overall (x.x.x), within its major (1.x.x), its minor (1.2.x) and
    its patch level (1.2.3, whose newest build)."""
    mine = parse_version(resource.version)
    arn = parse_arn(resource.arn)
    if mine is None or arn is None:
        return None
    return {
        "latestVersionArn": str(arn.with_version("x.x.x")),
        "latestMajorVersionArn": str(arn.with_version(f"{mine.major}.x.x")),
        "latestMinorVersionArn": str(arn.with_version(f"{mine.major}.{mine.minor}.x")),
        "latestPatchVersionArn": str(arn.with_version(str(mine))),
    }
