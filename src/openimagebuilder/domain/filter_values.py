"""The values a List's filters read from a resource document, kept by the store beside the resource
(store/tables.resource_filter_values), and what a filter's values let the store skip: so a filter
that matches nothing reads no documents.

One definition serves both sides: the handlers' filters read a field through `FILTERED_FIELDS`
(api/common.indexed_filters) and the store writes the same texts (`filter_values`). The store's
narrowing may be a superset — the filter predicate still decides every resource — but never a
subset: a resource a filter matches has a stored value its condition accepts.

The `name` filter is not here: it narrows on the ARN's resource id (name_filter.py).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from .name_filter import NameIdPatterns
from .semver import parse_build_version_filter, parse_version

# A document's value for one filter: a scalar, a list (matches when any element does) or None.
Read = Callable[[Mapping[str, Any]], Any]


def member(name: str) -> Read:
    return lambda document: document.get(name)


def component_status(document: Mapping[str, Any]) -> str:
    """A component without a state is ACTIVE (ListComponents reports it so, and filters on it)."""
    return str((document.get("state") or {}).get("status") or "ACTIVE")


def _product_codes(document: Mapping[str, Any]) -> list[Any]:
    return [code.get("productCodeId") for code in document.get("productCodes") or []]


VERSION = "version"  # the filter whose values are semantic versions with wildcards (version_condition)


def _members(*names: str) -> dict[str, Read]:
    return {name: member(name) for name in names}


# By resource kind (ARN resource type): each filter the kind's List operations take besides `name`
# and the document value it reads. `version` reads the document's X.Y.Z; the build node a version
# filter may name (`1.2.3/4`) is checked by the filter itself.
FILTERED_FIELDS: Mapping[str, Mapping[str, Read]] = MappingProxyType({
    "image-pipeline": MappingProxyType(_members(
        "description", "distributionConfigurationArn", "imageRecipeArn", "infrastructureConfigurationArn", "status")),
    # sourcePipelineArn is no filter of the model's: ListImagePipelineImages selects by it.
    "image": MappingProxyType(_members("osVersion", "platform", "type", VERSION, "sourcePipelineArn")),
    "component": MappingProxyType({
        **_members("description", "platform", "type", VERSION),
        "productCodes": _product_codes, "status": component_status,
        "supportedOsVersion": member("supportedOsVersions")}),
    "workflow": MappingProxyType(_members("description", "type", VERSION)),
    "image-recipe": MappingProxyType(_members("parentImage", "platform")),
    "container-recipe": MappingProxyType(_members("containerType", "parentImage", "platform")),
    "lifecycle-policy": MappingProxyType(_members("resourceType", "status")),
})


def texts(value: Any) -> list[str]:
    """A field's value, or the elements of a list value, as filter values spell them (booleans
    as JSON writes them). Unset matches nothing."""
    items = value if isinstance(value, list | tuple) else [value]
    return [str(item).lower() if isinstance(item, bool) else str(item) for item in items if item is not None]


# The store keeps a value's first characters only: PostgreSQL refuses b-tree entries over ~2,700
# bytes, and a description may have 1,024 characters of 4 bytes. Values sharing that prefix are
# told apart by the filter.
KEPT_LENGTH = 200


def kept(text: str) -> str:
    return text[:KEPT_LENGTH]


def filter_values(kind: str, document: Mapping[str, Any]) -> frozenset[tuple[str, str]]:
    """The (filter, value) pairs the store keeps for a resource of `kind`."""
    pairs: set[tuple[str, str]] = set()
    for name, read in FILTERED_FIELDS.get(kind, {}).items():
        for text in texts(read(document)):
            pairs.update((name, kept(value)) for value in (_version_forms(text) if name == VERSION else (text,)))
    return frozenset(pairs)


def _version_forms(text: str) -> tuple[str, ...]:
    """A version as the version filter values that match it spell it, by number (`2019.12.03`
    is `2019.12.3`, as the filter compares): exact, and with its patch and minor wildcarded, so
    that every narrowing is an equality on the store's key. `x.x.x` matches every version and
    narrows nothing. A text that is no version is kept as it is; no version filter matches it."""
    version = parse_version(text)
    if version is None:
        return (text,)
    return (f"{version.major}.{version.minor}.{version.patch}", f"{version.major}.{version.minor}.x",
            f"{version.major}.x.x")


@dataclass(frozen=True)
class ValueCondition:
    """What one filter lets the store skip: resources without a value of `field` among `values`."""
    field: str
    values: tuple[str, ...]


def value_condition(field: str, values: Iterable[str]) -> ValueCondition | None:
    """The condition for a filter's values; None when they do not narrow (a value matches every
    version, or is one the filter refuses: it fails the request anyway)."""
    wanted: list[str] = []
    for value in values:
        if field != VERSION:
            wanted.append(kept(value))  # the filter compares texts exactly (and case-sensitively)
            continue
        version = parse_build_version_filter(value)
        if version is None or version.version.parts[0] is None:
            return None  # refused, or x.x.x
        wanted.append(str(version.version))  # 1.x.x as stored; a build node (`/4`) is left to the filter
    return ValueCondition(field, tuple(sorted(set(wanted)))) if wanted else None




@dataclass(frozen=True)
class ScanNarrowing:
    """What a List's filters let the store skip: resource ids none of the `name` filter's patterns
    match, and resources that fail any of `values` (filters AND together)."""
    names: NameIdPatterns | None = None
    values: tuple[ValueCondition, ...] = ()

    def wanting(self, field: str, values: Iterable[str]) -> ScanNarrowing:
        """Narrowed further to resources with one of `values` in `field` (a filter of the
        operation's own, such as the pipeline whose images are listed)."""
        condition = value_condition(field, values)
        return self if condition is None else ScanNarrowing(self.names, (*self.values, condition))
