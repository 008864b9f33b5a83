"""Image Builder ARNs: building, parsing and the name → resource-id rule."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

AWS_OWNER = "aws"

# Resource types whose ARN carries a semantic version, and those that add a build number.
VERSIONED_TYPES = frozenset({"component", "image-recipe", "container-recipe", "image", "workflow"})

_ARN = re.compile(
    r"^arn:(?P<partition>aws[^:]*):imagebuilder:(?P<region>[^:]+):(?P<owner>[^:]+):"
    r"(?P<type>[a-z-]+)/(?P<rest>.+)$")


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def name_to_id(name: str) -> str:
    """AWS's resource id for a name: lower case, spaces and underscores become hyphens."""
    return name.lower().replace(" ", "-").replace("_", "-")


@dataclass(frozen=True)
class Arn:
    partition: str
    region: str
    owner: str
    resource_type: str          # component, image-recipe, workflow, ...
    resource_id: str
    version: str | None = None  # X.Y.Z, possibly with x wildcards
    build: int | None = None
    workflow_type: str | None = None  # build | test | distribution (workflow ARNs only)

    def __str__(self) -> str:
        parts = [self.resource_type]
        if self.workflow_type is not None:
            parts.append(self.workflow_type)
        parts.append(self.resource_id)
        if self.version is not None:
            parts.append(self.version)
        if self.build is not None:
            parts.append(str(self.build))
        return f"arn:{self.partition}:imagebuilder:{self.region}:{self.owner}:{'/'.join(parts)}"

    @property
    def is_aws_managed(self) -> bool:
        return self.owner == AWS_OWNER

    def version_arn(self) -> Arn:
        return Arn(self.partition, self.region, self.owner, self.resource_type, self.resource_id,
                   self.version, None, self.workflow_type)

    def with_version(self, version: str, build: int | None = None) -> Arn:
        return Arn(self.partition, self.region, self.owner, self.resource_type, self.resource_id,
                   version, build, self.workflow_type)


@lru_cache(maxsize=4096)
def parse_arn(text: str) -> Arn | None:
    """The parts of an Image Builder ARN, or None. (Cached: a request parses the same few ARNs
    several times, and Arn is immutable.)"""
    match = _ARN.match(text)
    if match is None:
        return None
    rest = match["rest"].split("/")
    resource_type = match["type"]
    workflow_type = None
    if resource_type == "workflow":
        if len(rest) < 2:
            return None
        workflow_type, rest = rest[0], rest[1:]
    resource_id, tail = rest[0], rest[1:]
    version = tail[0] if tail else None
    build = None
    if len(tail) == 2:
        if not tail[1].isdigit():
            return None
        build = int(tail[1])
    elif len(tail) > 2:
        return None
    return Arn(match["partition"], match["region"], match["owner"], resource_type, resource_id,
               version, build, workflow_type)
