"""GetMarketplaceResource: AWS Marketplace components' data and artifacts for an entitled caller.

AWS documents that the caller must be entitled to the resource (a Marketplace subscription). There
is no AWS Marketplace here, so no caller is entitled to anything: a Marketplace resource is
ForbiddenException, any other ARN is not a Marketplace resource (InvalidRequestException).
"""
from __future__ import annotations

from ..domain.arn import parse_arn
from ..protocol.generated import (
    ForbiddenException,
    GetMarketplaceResourceRequest,
    GetMarketplaceResourceResponse,
    InvalidRequestException,
)
from ..service.context import Context
from .registry import operation

# Owners of Marketplace resources in AWS's ARNs (the model's ImageBuilderArn pattern admits
# `aws-<suffix>` owners and `third-party`).
MARKETPLACE_OWNERS = ("aws-marketplace", "third-party")



@operation("GetMarketplaceResource")
def get_marketplace_resource(ctx: Context, params: GetMarketplaceResourceRequest) -> GetMarketplaceResourceResponse:
    text = params["resourceArn"]
    arn = parse_arn(text)
    if arn is None or arn.resource_type != "component" or arn.owner not in MARKETPLACE_OWNERS:
        raise InvalidRequestException(
            f"The resource '{text}' is not an AWS Marketplace component.")
    raise ForbiddenException(
        f"You are not entitled to the AWS Marketplace resource '{text}'. This service has no AWS Marketplace "
        "subscriptions.")
