"""AWS-managed resources (owner `aws` in the ARN) that every account can see.

The documents live in YAML files under `data/` with "{region}" and "{partition}" placeholders,
because AWS publishes the same resource in every region under a region-specific ARN: written out in
full (workflows, and the components and images whose documents say more than a table row can), or
as table rows that `table` expands (the rest of AWS's managed components and images).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

import yaml

from .table import component_documents, image_documents

__all__ = ["ManagedResource", "managed_resources"]

_DATA_FILES = ("workflows.yaml", "components.yaml", "images.yaml")
_TABLES = (("component_table.yaml", component_documents), ("image_table.yaml", image_documents))
_ARN = re.compile(
    r"arn:[^:]+:imagebuilder:[^:]+:aws:(?P<kind>workflow|component|image)/"
    r"(?:(?P<workflow_type>build|test|distribution)/)?"
    r"(?P<name_id>[a-z0-9_-]+)/(?P<version>[0-9]+\.[0-9]+\.[0-9]+)/(?P<build>[0-9]+)")


@dataclass(frozen=True)
class ManagedResource:
    kind: str                   # "workflow" | "component" | "image": the ARN's resource type
    name_id: str                # id segment of the ARN, e.g. "build-image"
    version: str                # "1.0.2"
    build: int                  # 1
    workflow_type: str | None   # BUILD | TEST | DISTRIBUTION for workflows, else None
    document: dict              # the Get<Kind> output member, region already substituted;
                                # shared between callers through the cache, so copy before changing


@functools.lru_cache(maxsize=1)
def _templates() -> tuple[dict, ...]:
    folder = resources.files(__package__) / "data"
    documents: list[dict] = []
    for file_name in _DATA_FILES:
        documents.extend(yaml.safe_load((folder / file_name).read_text(encoding="utf-8")))
    for file_name, expand in _TABLES:
        documents.extend(expand((folder / file_name).read_text(encoding="utf-8")))
    return tuple(documents)


def _substitute(value: object, region: str, partition: str) -> object:
    # str.replace, not str.format: AWSTOE and workflow documents contain literal braces.
    if isinstance(value, str):
        return value.replace("{region}", region).replace("{partition}", partition)
    if isinstance(value, dict):
        return {key: _substitute(item, region, partition) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item, region, partition) for item in value]
    return value


def _resource(document: dict) -> ManagedResource:
    match = _ARN.fullmatch(document["arn"])
    if match is None:
        raise ValueError(f"catalog entry has an unexpected ARN: {document['arn']}")
    workflow_type = match["workflow_type"]
    return ManagedResource(
        kind=match["kind"],
        name_id=match["name_id"],
        version=match["version"],
        build=int(match["build"]),
        workflow_type=workflow_type.upper() if workflow_type else None,
        document=document,
    )


@functools.lru_cache(maxsize=64)
def managed_resources(region: str, partition: str = "aws") -> tuple[ManagedResource, ...]:
    """Every AWS-managed workflow, component and image as seen from `region`."""
    return tuple(_resource(_substitute(template, region, partition))  # type: ignore[arg-type]
                 for template in _templates())
