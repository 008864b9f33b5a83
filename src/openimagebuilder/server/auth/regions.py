"""The regions a request may be scoped to: those botocore's endpoint data lists for the partitions
this service models (aws, aws-cn, aws-us-gov; see domain/arn.partition_of), plus the regions an
operator adds (`--extra-regions`). A credential scope naming any other region is refused as AWS
refuses it (InvalidSignatureException, "Credential should be scoped to a valid region")."""
from __future__ import annotations

import functools

from botocore.loaders import create_loader

from ...domain.arn import partition_of
from .errors import InvalidSignature

PARTITIONS = ("aws", "aws-cn", "aws-us-gov")


@functools.cache
def known_regions() -> frozenset[str]:
    endpoints = create_loader().load_data("endpoints")
    return frozenset(region for partition in endpoints["partitions"] if partition["partition"] in PARTITIONS
                     for region in partition["regions"] if partition_of(region) == partition["partition"])


class Regions:
    def __init__(self, extra: tuple[str, ...] = ()) -> None:
        self.allowed = known_regions() | frozenset(extra)

    def __contains__(self, region: str) -> bool:
        return region in self.allowed

    def check(self, region: str) -> str:
        if region not in self.allowed:
            raise InvalidSignature(f"Credential should be scoped to a valid region, not '{region}'. ")
        return region
