"""Where container images live in the registry that stands in for ECR, and where a recipe's
parent image comes from. Pure: the registry address and the managed-image lookup are given.

Repositories are per account and region, as ECR's are: the recipe's (or a distribution's)
`repositoryName` in account A and region R is `<registry>/A/R/<repositoryName>`, and a build is
tagged `<version>-<build>` (the image's semantic version and build number, as AWS tags it).
An ECR-style URI (`A.dkr.ecr.R.amazonaws.com/<repo>:<tag>`) names the same place, so images oib
distributed can be the parents of later recipes under the URIs AWS would give them.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_ECR = re.compile(r"^(?P<account>[0-9]{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/(?P<rest>.+)$")
_IMAGE_ARN = re.compile(r"^arn:aws[a-z-]*:imagebuilder:(?P<region>[^:]*):(?P<owner>[^:]+):image/(?P<path>.+)$")


class ParentImageError(ValueError):
    """The parent image cannot be had; the message says why and what to do."""


@dataclass(frozen=True)
class Repository:
    registry: str          # host:port
    path: str              # account/region/name

    def tagged(self, tag: str) -> str:
        return f"{self.registry}/{self.path}:{tag}"

    def pinned(self, digest: str) -> str:
        return f"{self.registry}/{self.path}@{digest}"


def repository(registry: str, account_id: str, region: str, name: str) -> Repository:
    return Repository(registry, f"{account_id}/{region}/{name}")


def build_tag(image_arn: str) -> str:
    """`1.0.0-3` for `.../image/name/1.0.0/3`."""
    version, build = image_arn.rsplit("/", 2)[-2:]
    return f"{version}-{build}"


def parent_reference(parent: str, registry: str, managed: Callable[[str], str | None]) -> str:
    """The reference buildah pulls for a recipe's `parentImage`:

    - an Image Builder image ARN owned by `aws` (a managed container image): the base image that
      `oib images bootstrap` put in the registry for it (`managed` answers, None if there is none);
    - an ECR-style URI: the same account/region/repository in the registry;
    - a reference with a registry host (`host:port/...`, `registry.example.com/...`): as written;
    - a bare name (`busybox:1.36`, `library/debian`): in the registry, which stands in for
      Docker Hub (push your parents there)."""
    arn = _IMAGE_ARN.match(parent)
    if arn:
        if arn.group("owner") != "aws":
            raise ParentImageError(
                f"Parent image {parent}: only Image Builder's managed images (owner aws) can be given by ARN; "
                "give an image you built by one of its imageUris.")
        found = managed(parent)
        if not found:
            raise ParentImageError(
                f"Parent image {parent} is an Image Builder managed image with no local base image: "
                "run `oib images bootstrap --base busybox` (or --base debian) to build the base images "
                "managed images resolve to (docs/containers.md).")
        return found if _has_host(found) else f"{registry}/{found}"
    ecr = _ECR.match(parent)
    if ecr:
        return f"{registry}/{ecr.group('account')}/{ecr.group('region')}/{ecr.group('rest')}"
    if _has_host(parent):
        return parent
    return f"{registry}/{parent}"


def _has_host(reference: str) -> bool:
    first, slash, _ = reference.partition("/")
    return bool(slash) and ("." in first or ":" in first or first == "localhost")


@dataclass(frozen=True)
class DistributionTarget:
    region: str
    repository_name: str
    tags: tuple[str, ...]          # the build's own `<version>-<build>` first, then containerTags


def distribution_targets(image: dict, image_arn: str, build_region: str,
                         regions: tuple[str, ...]) -> list[DistributionTarget]:
    """Where DistributeContainerImage puts the image: per region, the distribution's
    `containerDistributionConfiguration` (its targetRepository, and its containerTags besides the
    build's own tag); a region without one gets the recipe's `targetRepository` (documented for
    the build's region; oib applies it to every region the distribution configuration names)."""
    recipe_repository = ((image.get("containerRecipe") or {}).get("targetRepository") or {}).get("repositoryName") or ""
    by_region = {item.get("region"): item.get("containerDistributionConfiguration") or {}
                 for item in (image.get("distributionConfiguration") or {}).get("distributions") or []}
    own = build_tag(image_arn)
    targets = []
    for region in regions or (build_region,):
        config = by_region.get(region) or {}
        name = (config.get("targetRepository") or {}).get("repositoryName") or recipe_repository
        tags = tuple(dict.fromkeys([own, *(config.get("containerTags") or [])]))
        targets.append(DistributionTarget(region, name, tags))
    return targets
